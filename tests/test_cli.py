"""The rnnforecast command line: success paths and clear failures with non-zero exit codes."""

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rnnforecast.cli import main

QUICK = ["--n-steps", "14", "--hidden-size", "8", "--max-iter", "5"]


@pytest.fixture
def csv(tmp_path):
    days = pd.date_range("2023-01-02", periods=240, freq="D")
    t = np.arange(240)
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "sales": 100 + 10 * np.sin(t * 2 * np.pi / 7)})
    frame["promo"] = (t % 9 == 0).astype(float)
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    return path


def test_forecast_writes_csv_and_plot(csv, tmp_path, capsys):
    out, plot = tmp_path / "forecast.csv", tmp_path / "forecast.png"
    code = main(
        [
            "forecast",
            str(csv),
            "--target",
            "sales",
            "--horizon",
            "7",
            "--output",
            str(out),
            "--plot",
            str(plot),
            "--coverage",
            "0.8",
            *QUICK,
        ]
    )
    assert code == 0
    forecast = pd.read_csv(out, index_col=0, parse_dates=True)
    assert list(forecast.columns) == ["forecast", "lower", "upper"] and len(forecast) == 7
    assert forecast.index[0] == pd.Timestamp("2023-08-30")
    assert plot.stat().st_size > 10_000
    assert "80% intervals" in capsys.readouterr().out


def test_forecast_with_future_exogenous_rows(csv, tmp_path):
    frame = pd.read_csv(csv)
    future = pd.DataFrame({"date": pd.date_range("2023-08-30", periods=3).strftime("%Y-%m-%d"), "promo": [1.0, 0, 0]})
    pd.concat([frame, future]).to_csv(csv, index=False)
    out = tmp_path / "f.csv"
    args = ["forecast", str(csv), "--target", "sales", "--horizon", "3", "--exog", "promo", "--output", str(out)]
    assert main([*args, *QUICK]) == 0
    assert len(pd.read_csv(out)) == 3


def test_backtest_prints_and_writes(csv, tmp_path, capsys):
    out, metrics, plot = tmp_path / "bt.csv", tmp_path / "m.csv", tmp_path / "bt.png"
    code = main(
        [
            "backtest",
            str(csv),
            "--target",
            "sales",
            "--horizon",
            "7",
            "--n-windows",
            "2",
            "--refit",
            "1",
            "--output",
            str(out),
            "--metrics",
            str(metrics),
            "--plot",
            str(plot),
            *QUICK,
        ]
    )
    assert code == 0
    assert "seasonal_naive" in capsys.readouterr().out
    assert len(pd.read_csv(out)) == 14 and len(pd.read_csv(metrics)) == 4 and plot.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "revenue"], "no column(s) ['revenue']"),
        (["--target", "sales", "--date-column", "sales"], "cannot parse column 'sales'"),
        (["--target", "sales", "--horizon", "0"], "--horizon must be at least 1"),
        (["--target", "sales", "--n-steps", "500"], "at least 501 are needed"),
        (["--target", "sales", "--coverage", "1.5"], "--coverage must lie strictly between 0 and 1"),
        (["--target", "sales", "--exog", "nope"], "no column(s) ['nope']"),
    ],
)
def test_forecast_failures_exit_1_with_a_message(csv, tmp_path, capsys, args, message):
    assert main(["forecast", str(csv), *args, "--output", str(tmp_path / "x.csv")]) == 1
    assert message in capsys.readouterr().err


def test_missing_file_and_unparseable_dates(tmp_path, capsys):
    assert main(["forecast", str(tmp_path / "none.csv"), "--target", "y", "--output", "x.csv"]) == 1
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("when,y\nyesterday,1\ntoday,2\n")
    assert main(["forecast", str(bad), "--target", "y", "--output", "x.csv"]) == 1
    assert "cannot parse column 'when'" in capsys.readouterr().err


def test_bad_refit_and_usage_errors(csv, capsys):
    assert main(["backtest", str(csv), "--target", "sales", "--refit", "often", *QUICK]) == 1
    assert "--refit must be" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["forecast", str(csv)])  # --target missing
    assert exit_info.value.code == 2


def test_console_script_entry_point_runs(csv, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "rnnforecast", "forecast", str(csv), "--target", "nope", "--output", "x.csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "no column(s) ['nope']" in done.stderr


def test_cli_defaults_come_from_the_estimators():
    import inspect

    from rnnforecast import RNNForecaster, backtest
    from rnnforecast.cli import _build_parser

    model = inspect.signature(RNNForecaster).parameters
    evaluation = inspect.signature(backtest).parameters
    args = _build_parser().parse_args(["backtest", "data.csv", "--target", "y"])
    for name in ("horizon", "cell", "hidden_size", "strategy", "max_iter", "missing"):
        assert getattr(args, name) == model[name].default, name
    assert args.n_windows == evaluation["n_windows"].default
    assert args.refit == str(evaluation["refit"].default).lower()


def test_forecast_to_standard_output_and_paths_checked_before_training(csv, tmp_path, capsys, monkeypatch):
    assert main(["forecast", str(csv), "--target", "sales", "--horizon", "3", *QUICK]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert list(table.columns)[1:] == ["forecast", "lower", "upper"] and len(table) == 3
    assert "trained for" in captured.err and "trained for" not in captured.out
    from rnnforecast import RNNForecaster

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the output paths")

    monkeypatch.setattr(RNNForecaster, "fit", no_training)
    missing = tmp_path / "no" / "such" / "out.csv"
    assert main(["forecast", str(csv), "--target", "sales", "--output", str(missing), *QUICK]) == 1
    assert "does not exist; create it first" in capsys.readouterr().err
    bad_plot = ["backtest", str(csv), "--target", "sales", "--plot", str(missing.with_suffix(".png")), *QUICK]
    assert main(bad_plot) == 1


def test_version_and_quiet_date_errors(csv, tmp_path, capsys):
    from rnnforecast import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip() == f"rnnforecast {__version__}"
    bad = tmp_path / "dates.csv"
    bad.write_text("when,y\nyesterday,1\ntomorrow,2\n")
    assert main(["forecast", str(bad), "--target", "y"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot parse column 'when'" in err  # no pandas warning before it


def test_backtest_refuses_a_coverage_outside_0_1():
    from rnnforecast import RNNForecaster, backtest

    y = pd.Series(np.arange(60.0), index=pd.date_range("2024-01-01", periods=60, freq="D"))
    with pytest.raises(ValueError, match="coverage_level must lie strictly between 0 and 1"):
        backtest(RNNForecaster(horizon=3), y, coverage_level=1.5)
