# The two commands of the README do all set-up on a fresh machine (Python 3.11 + pip):
#   make demo   - forecast the bundled real series, write forecasts and plots to output/
#   make test   - lint (ruff check + ruff format --check) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.rnnforecast-installed
TEST_STAMP := $(VENV)/.rnnforecast-test-installed
OUTPUT ?= output

.PHONY: demo test install install-test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,distributed]"
	@# PyTorch is an optional test oracle and benchmark peer, never a dependency:
	@# its CPU wheel installs offline here; where it cannot, the torch tests skip.
	$(PY) -m pip install --quiet "torch==2.13.0" || echo "rnnforecast: torch not installable here; torch parity tests will be skipped"
	touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

demo: $(STAMP)
	$(PY) -m rnnforecast demo --output $(OUTPUT)

lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The CUDA kernels are tested on numba's simulator unless NUMBA_ENABLE_CUDASIM=0 is set (on a GPU machine).
test: lint
	NUMBA_ENABLE_CUDASIM=$${NUMBA_ENABLE_CUDASIM:-1} $(PY) -m pytest -q

bench: $(TEST_STAMP)
	$(PY) benchmarks/bench_kernels.py --write benchmarks/RESULTS.md
	$(PY) benchmarks/bench_fit.py --write benchmarks/RESULTS.md
	$(PY) benchmarks/bench_accuracy.py --write benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) $(OUTPUT) .pytest_cache .ruff_cache
