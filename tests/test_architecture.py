"""The tiers of DESIGN section 2 and the public docstrings, kept by tests.

Imports run one way: ``kernels`` -> ``nn`` -> ``forecasting`` and the estimators
-> ``model_selection``, ``cli``, ``plotting``. The rules are read from each
module's source (every ``import``, also inside functions), so a lazy import
breaks them as surely as a top-level one.
"""

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rnnforecast

PACKAGE = Path(rnnforecast.__file__).parent
ESTIMATOR_MODULES = (
    "regressor", "forecaster", "windows", "model_selection", "panels", "metrics", "plotting", "cli", "demo",
)  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str | None = None) -> set:
    """Absolute names of every module ``path`` (the module ``module``) imports.

    Relative imports are resolved; ``from x import y`` gives ``x`` and ``x.y``.
    """
    module = module or _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _files(*folders):
    for folder in folders:
        yield from sorted((PACKAGE / folder).glob("*.py"))


def _violations(paths, allowed_internal, forbidden_external=()):
    """``(module, import)`` pairs that import rnnforecast outside ``allowed_internal`` or a forbidden package."""
    found = []
    for path in paths:
        for name in sorted(imported_modules(path)):
            top = name.split(".")[0]
            if top == "rnnforecast" and name != "rnnforecast":
                if not name.startswith(allowed_internal):
                    found.append((_module_name(path), name))
            elif top in forbidden_external:
                found.append((_module_name(path), name))
    return found


def test_kernels_import_nothing_above_them():
    assert _violations(_files("kernels"), ("rnnforecast.kernels",), ("pandas", "sklearn", "matplotlib")) == []


def test_nn_imports_no_estimator_pandas_or_matplotlib():
    allowed = ("rnnforecast.nn", "rnnforecast.kernels")
    assert _violations(_files("nn"), allowed, ("pandas", "matplotlib")) == []


def test_nn_reaches_the_cuda_kernels_only_through_the_fleet_backend_and_get_kernels():
    # CPU training must not pass through CUDA code: only the fleet backend names CUDA kernel modules.
    offenders = [
        (_module_name(path), name)
        for path in _files("nn")
        if path.name != "fleet.py"
        for name in imported_modules(path)
        if name.startswith("rnnforecast.kernels.cuda") or name.startswith("rnnforecast.kernels._cuda")
    ]
    assert offenders == []


def test_forecasting_and_estimators_never_import_numba_or_kernels():
    paths = [*_files("forecasting"), *(PACKAGE / f"{name}.py" for name in ESTIMATOR_MODULES)]
    offenders = [
        (_module_name(path), name)
        for path in paths
        for name in imported_modules(path)
        if name.split(".")[0] in ("numba", "llvmlite") or name.startswith("rnnforecast.kernels")
    ]
    assert offenders == []


def test_forecasting_helpers_import_no_estimator():
    estimators = tuple(f"rnnforecast.{name}" for name in ESTIMATOR_MODULES)
    offenders = [
        (_module_name(path), name)
        for path in _files("forecasting")
        for name in imported_modules(path)
        if name.startswith(estimators)
    ]
    assert offenders == []


def test_the_import_checker_sees_lazy_and_relative_imports(tmp_path):
    """Guard for the rules above: a violation inside a function, written relatively, is found."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..kernels import cpu_gru\n    import numba\n    return cpu_gru, numba\n")
    assert {"rnnforecast.kernels.cpu_gru", "numba"} <= imported_modules(probe, "rnnforecast.forecasting.probe")


def test_importing_the_package_imports_no_cuda_and_no_kernels_compile():
    script = "import sys, rnnforecast; print(sorted(m for m in sys.modules if 'cuda' in m))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "peephole", "gru"])
def test_layer_offsets_of_the_kernels_match_the_layout(cell):
    """The kernels' layer_offsets and nn.layout's entries state one fact: where each tensor of a layer sits."""
    from rnnforecast.kernels._recurrent import layer_offsets
    from rnnforecast.nn.layout import make_layout

    layout = make_layout(cell, 3, 5, 2, 1)
    for k in range(layout.num_layers):
        start, stop = layout.layer_bounds[k]
        rows = layout.cell.gates * layout.hidden_size
        offsets = layer_offsets(rows, layout.layer_input_size(k), layout.hidden_size)
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        assert [start + o for o in offsets[:4]] == [layout.entry(f"{name}_l{k}").offset for name in names]
        extras = layout.entry(f"weight_ci_l{k}").offset if cell == "peephole" else stop
        assert start + offsets[4] == extras


# ----------------------------------------------------------------- numpydoc
PUBLIC_MODULES = (
    "rnnforecast",
    "rnnforecast.model_selection",
    "rnnforecast.panels",
    "rnnforecast.metrics",
    "rnnforecast.plotting",
    "rnnforecast.windows",
    "rnnforecast.datasets",
)
# Parameters documented, in order, each with a type and a description; no unknown parameters; a docstring.
CHECKS = {"GL08", "PR01", "PR02", "PR03", "PR04", "PR07", "PR10"}


def _public_api():
    names = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if name.startswith("__") or not callable(obj):
                continue
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            names.add(qualified)
            if inspect.isclass(obj):
                for klass in obj.__mro__:
                    if not klass.__module__.startswith("rnnforecast"):
                        continue
                    for attribute, value in vars(klass).items():
                        if not attribute.startswith("_") and callable(value):
                            names.add(f"{qualified}.{attribute}")
    return sorted(names)


@pytest.mark.parametrize("name", _public_api())
def test_public_docstrings_describe_every_parameter(name):
    validate = pytest.importorskip("numpydoc.validate").validate
    errors = [f"{code}: {message}" for code, message in validate(name)["errors"] if code in CHECKS]
    assert errors == []


def test_the_public_api_is_checked():
    names = _public_api()
    assert "rnnforecast.forecaster.RNNForecaster.predict_interval" in names
    assert "rnnforecast.regressor.RNNRegressor.fit" in names
    assert len(names) > 30 and np.all([name.startswith("rnnforecast.") for name in names])


# ------------------------------------------------------------------- typing
TYPED_MODULES = (*PUBLIC_MODULES, "rnnforecast.panels")


def _typed_api():
    for name in _public_api():
        module_name, _, attribute = name.rpartition(".")
        owner = importlib.import_module(module_name) if module_name in sys.modules else None
        if owner is None:  # a method: module.Class.method
            module_name, _, klass = module_name.rpartition(".")
            owner = getattr(importlib.import_module(module_name), klass)
        yield name, getattr(owner, attribute)


def test_the_package_is_typed_and_every_public_signature_is_annotated():
    assert (PACKAGE / "py.typed").exists()
    missing = []
    for name, obj in _typed_api():
        if inspect.isclass(obj):
            continue  # constructors follow scikit-learn: parameters documented, defaults in the signature
        signature = inspect.signature(obj)
        for parameter in signature.parameters.values():
            if parameter.name in ("self", "cls") or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if parameter.annotation is inspect.Parameter.empty:
                missing.append(f"{name}({parameter.name})")
        if signature.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} -> ?")
    assert missing == []


USER_CODE = """
import pandas as pd
from rnnforecast import RNNForecaster, backtest
from rnnforecast.metrics import mae

y = pd.Series([1.0, 2.0, 3.0] * 50, index=pd.date_range("2024-01-01", periods=150, freq="D"))
model = RNNForecaster(horizon=3)
model.fit(y)  # fit's decorator (scikit-learn's _fit_context) is untyped: chained calls would be Any
interval: pd.DataFrame = model.predict_interval(coverage=0.8)
error: float = mae(y, y)
result = backtest(model, y, n_windows=2)
wrong: int = model.score(y)
"""


def test_a_type_checker_reads_the_annotations(tmp_path):
    api = pytest.importorskip("mypy.api")
    (tmp_path / "user.py").write_text(USER_CODE)
    options = ["--ignore-missing-imports", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPYPATH", str(PACKAGE.parent))  # the source tree (an editable install hides it from mypy)
        out, _, status = api.run([*options, str(tmp_path / "user.py")])
    assert status == 1 and out.count("error:") == 1, out
    assert 'user.py:12: error: Incompatible types in assignment (expression has type "float"' in out
