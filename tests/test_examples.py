"""Every example runs (in its quick mode) and produces sensible numbers."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

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


def test_stock_example(tmp_path, capsys):
    summary = _load("forecast_stock").main(["--quick", "--output", str(tmp_path)])
    assert set(summary.index) == {"rnn", "seasonal_naive"} and np.isfinite(summary["mase"]).all()
    assert (tmp_path / "example_stock.png").stat().st_size > 10_000
    assert "random walk" in capsys.readouterr().out


def test_weather_example(tmp_path):
    summaries = _load("forecast_weather").main(["--quick", "--output", str(tmp_path)])
    assert set(summaries) == {"seattle_daily", "shanghai_hourly"}
    assert all(np.isfinite(s.loc["rnn", "mase"]) for s in summaries.values())
    assert (tmp_path / "example_weather_shanghai_hourly.png").stat().st_size > 10_000


def test_traffic_example(tmp_path):
    summary = _load("forecast_traffic").main(["--quick", "--output", str(tmp_path)])
    assert 0 <= summary.loc["rnn", "coverage"] <= 1
    assert (tmp_path / "example_traffic.png").stat().st_size > 10_000


def test_tune_forecaster_example(capsys):
    mae, last_value = _load("tune_forecaster").main(["--quick"])
    assert np.isfinite(mae) and mae < 15 and last_value > 0
    assert "grid search over 2 candidates" in capsys.readouterr().out


@pytest.mark.slow
def test_distributed_search_example(capsys):
    pytest.importorskip("distributed")
    search, result = _load("distributed_search").main(["--quick"])
    assert len(search.cv_results_["params"]) == 2
    assert set(result.forecasts["unique_id"]) == {"temp_max", "temp_min", "wind"}
    assert "dask cluster: 2 workers" in capsys.readouterr().out
