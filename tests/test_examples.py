"""Every example runs (in its quick mode) and produces sensible numbers."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grid_search_weather_example(capsys):
    mae, persistence = _load("grid_search_weather").main(["--quick"])
    assert mae.shape == (7,) and np.all(np.isfinite(mae)) and np.all(mae < 10)
    assert "grid search over 2 candidates" in capsys.readouterr().out
