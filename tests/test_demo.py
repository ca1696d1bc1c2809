"""The main job runs end to end on every bundled real series and writes its outputs."""

import pandas as pd

from rnnforecast.cli import main
from rnnforecast.demo import DEMO_SERIES


def test_demo_forecasts_every_bundled_series(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--quick"]) == 0
    for name, spec in DEMO_SERIES.items():
        forecast = pd.read_csv(tmp_path / f"forecast_{name}.csv", index_col=0, parse_dates=True)
        assert list(forecast.columns) == ["forecast", "lower", "upper"] and len(forecast) == spec.horizon
        assert (forecast["lower"] <= forecast["upper"]).all()
        for plot in (f"forecast_{name}.png", f"backtest_{name}.png"):
            assert (tmp_path / plot).stat().st_size > 10_000
    metrics = pd.read_csv(tmp_path / "metrics.csv", index_col=0)
    assert list(metrics.index) == list(DEMO_SERIES)
    assert metrics[["mase_rnn", "mase_naive", "coverage_90"]].notna().all().all()
    assert "Rolling-origin backtest" in capsys.readouterr().out
    stock = pd.read_csv(tmp_path / "forecast_stock.csv", index_col=0, parse_dates=True)
    assert stock.index[0] == pd.Timestamp("2017-11-13")  # business days after Friday 2017-11-10
