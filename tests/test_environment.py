"""The package works where the cache cannot be written, without the JIT, and restores thread settings;
the same seed gives bit-identical models across processes and thread counts."""

import hashlib
import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import rnnforecast.nn.training
import rnnforecast.regressor
from rnnforecast import RNNRegressor
from rnnforecast.nn import threads as _threads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FIT_SCRIPT = """
import logging, sys, warnings
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
warnings.simplefilter("ignore")
import numpy as np
from rnnforecast import RNNRegressor
rng = np.random.default_rng(0)
X, y = rng.normal(size=(40, 8)), rng.normal(size=40)
model = RNNRegressor(cell="rnn", hidden_size=4, max_iter=2, dtype="float64", random_state=0).fit(X, y)
np.save(sys.argv[1], model.predict(X))
print("fitted")
"""


def _run(script, *args, env=None, timeout=600):
    environment = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _in_process_prediction():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 8)), rng.normal(size=40)
    return RNNRegressor(cell="rnn", hidden_size=4, max_iter=2, dtype="float64", random_state=0).fit(X, y).predict(X)


NO_WRITABLE_CACHE = """
# Every cache folder numba could use (NUMBA_CACHE_DIR, the install folder, the user's cache) refuses writes,
# as on a read-only install without a writable home: simulated here because root can write anywhere.
import numba.core.caching
def refuse(self):
    raise PermissionError(f"read-only: {self.get_cache_path()}")
numba.core.caching._CacheLocator.ensure_cache_path = refuse
"""


@pytest.mark.slow
def test_no_writable_cache_folder_falls_back_to_no_cache_with_one_message(tmp_path):
    done = _run(NO_WRITABLE_CACHE + FIT_SCRIPT, tmp_path / "p.npy")
    assert "fitted" in done.stdout
    assert done.stderr.count("cannot cache compiled kernels") == 1, done.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), _in_process_prediction())


@pytest.mark.slow
def test_numba_cache_dir_is_honoured(tmp_path):
    cache = tmp_path / "cache"
    _run(FIT_SCRIPT, tmp_path / "p.npy", env={"NUMBA_CACHE_DIR": str(cache)})
    assert list(cache.rglob("*.nbi")), "numba wrote no index files into NUMBA_CACHE_DIR"


@pytest.mark.slow
def test_runs_without_the_jit(tmp_path):
    _run(FIT_SCRIPT, tmp_path / "p.npy", env={"NUMBA_DISABLE_JIT": "1"})
    # Same algorithm in plain Python: equal up to floating-point evaluation order.
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), _in_process_prediction(), rtol=1e-9, atol=1e-12)


def _blas_threads():
    return sorted((info["internal_api"], info["num_threads"]) for info in threadpool_info())


def test_thread_settings_restored_after_a_failing_fit(monkeypatch):
    before = numba.get_num_threads(), _blas_threads(), _threads.resolve_n_threads(None)

    def explode(*args, **kwargs):
        assert _threads.current_threads() == min(2, os.cpu_count())
        raise RuntimeError("boom")

    monkeypatch.setattr(rnnforecast.nn.training, "fit_network", explode)
    rng = np.random.default_rng(0)
    with pytest.raises(RuntimeError, match="boom"):
        RNNRegressor(n_jobs=2).fit(rng.normal(size=(10, 4)), rng.normal(size=10))
    assert (numba.get_num_threads(), _blas_threads(), _threads.resolve_n_threads(None)) == before


DETERMINISM_SCRIPT = """
import hashlib, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from rnnforecast import RNNForecaster
from rnnforecast.nn import threads as _threads
from rnnforecast.datasets import load_weather
_threads.MIN_PARALLEL_WORK = 0  # split every kernel call across the threads, however small
series = load_weather("daily")["temp_max"].iloc[-500:]
model = RNNForecaster(horizon=7, n_steps=28, hidden_size=16, max_iter=5, batch_size=128, n_jobs=int(sys.argv[1]),
                      random_state=0).fit(series)
digest = hashlib.sha256(model.model_.params_.tobytes() + model.predict_interval().to_numpy().tobytes())
print(digest.hexdigest())
"""


@pytest.mark.slow
def test_same_seed_bit_identical_across_processes_and_thread_counts():
    digests = {n_jobs: _run(DETERMINISM_SCRIPT, n_jobs).stdout.strip() for n_jobs in (1, 2)}
    again = _run(DETERMINISM_SCRIPT, 2).stdout.strip()
    assert digests[1] == digests[2] == again
    assert len(digests[1]) == 64 and hashlib.sha256(b"").hexdigest() != digests[1]


def test_cpu_use_never_imports_cuda():
    script = """
import sys, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
from rnnforecast import RNNForecaster, RNNRegressor
y = pd.Series(np.sin(np.arange(120) / 3), index=pd.date_range("2024-01-01", periods=120))
RNNForecaster(horizon=2, n_steps=10, hidden_size=4, max_iter=1).fit(y).predict_interval()
print(sorted(name for name in sys.modules if "cuda" in name))
"""
    assert _run(script).stdout.strip() == "[]"


def test_thread_scope_limits_every_blas_to_one_thread_and_restores_it():
    # The scope sets limits from a controller scanned once; each entry must still limit and restore.
    before = _blas_threads()
    for _ in range(2):
        with _threads.thread_scope(2):
            assert {n for api, n in _blas_threads() if api in ("openblas", "mkl", "blis")} <= {1}
        assert _blas_threads() == before
