"""The main job runs end to end on a bundled real series and writes its outputs."""

import pandas as pd

from rnnforecast.cli import main


def test_demo_writes_forecast_plot_and_metrics(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--epochs", "3"]) == 0
    forecast = pd.read_csv(tmp_path / "forecast_weather.csv", index_col=0, parse_dates=True)
    assert len(forecast) == 14 and forecast.index[0] == pd.Timestamp("2016-01-01")
    assert forecast.iloc[:, 0].between(-20, 45).all()
    assert (tmp_path / "forecast_weather.png").stat().st_size > 10_000
    metrics = pd.read_csv(tmp_path / "metrics_weather.csv", index_col=0)
    assert list(metrics.columns) == ["lstm", "naive_last_value", "naive_same_day_last_year"]
    assert "Mean absolute error" in capsys.readouterr().out


def test_demo_rejects_bad_epochs(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err
