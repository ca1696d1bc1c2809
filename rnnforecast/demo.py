"""The main job behind ``make demo``: forecast every bundled real series end to end.

For each series (stock prices, daily and hourly weather, hourly traffic) the demo
runs a rolling-origin backtest of the default :class:`RNNForecaster` against the
seasonal-naive forecast, then refits on all the data and writes the next
forecast with its 90 % interval, a forecast plot and a backtest plot.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from .datasets import load_stock, load_traffic, load_weather
from .forecaster import RNNForecaster
from .model_selection import backtest
from .plotting import plot_backtest, plot_forecast

__all__ = ["DEMO_SERIES", "DemoSeries", "load_demo_series", "run_demo"]


@dataclass(frozen=True)
class DemoSeries:
    """One bundled series and how it is forecast and evaluated."""

    title: str
    unit: str
    horizon: int
    season_length: int
    baseline: str
    n_windows: int
    step: int
    options: dict = field(default_factory=dict)


DEMO_SERIES = {
    "stock": DemoSeries(
        "MSFT daily close",
        "USD",
        horizon=5,
        season_length=1,
        baseline="random walk (last close)",
        n_windows=12,
        step=20,
        options={"max_train_size": 1000},
    ),
    "weather_daily": DemoSeries(
        "Seattle daily maximum temperature",
        "°C",
        horizon=14,
        season_length=365,
        baseline="same day last year",
        n_windows=12,
        step=28,
    ),
    "weather_hourly": DemoSeries(
        "Shanghai hourly temperature",
        "°C",
        horizon=24,
        season_length=24,
        baseline="same hour yesterday",
        n_windows=12,
        step=24 * 14,
        options={"missing": "interpolate", "max_train_size": 24 * 7 * 26},
    ),
    "traffic": DemoSeries(
        "I-94 hourly traffic volume",
        "vehicles/h",
        horizon=24,
        season_length=168,
        baseline="same hour last week",
        n_windows=12,
        step=24 * 7,
        options={"missing": "interpolate", "max_train_size": 24 * 7 * 52},
    ),
}


def load_demo_series(name: str) -> pd.Series:
    """The target series of a :data:`DEMO_SERIES` entry, as the demo uses it."""
    if name == "stock":
        return load_stock()["Close"]
    if name == "weather_daily":
        return load_weather("daily")["temp_max"]
    if name == "weather_hourly":
        return load_weather("hourly")["TEMP"].loc["2013-01-01":]
    if name == "traffic":  # the dense stretch after the source's 10-month gap (2014-08 to 2015-06)
        return load_traffic()["traffic_volume"].loc["2015-07-01":]
    raise ValueError(f"unknown demo series {name!r}; choose one of {sorted(DEMO_SERIES)}")


def run_demo(output: str | Path = "output", *, quick: bool = False, seed: int = 0) -> pd.DataFrame:
    """Backtest and forecast every bundled series; write forecasts, plots and a metrics table.

    Parameters
    ----------
    output : str or Path, default="output"
        Folder for ``forecast_<series>.csv``/``.png``, ``backtest_<series>.png`` and
        ``metrics.csv`` (created if missing).
    quick : bool, default=False
        Few epochs and windows: a smoke run, not a measurement.
    seed : int, default=0

    Returns
    -------
    metrics : pandas.DataFrame
        Per series: MASE, sMAPE and MAE of the forecaster and of the seasonal
        naive forecast, and the empirical coverage of the 90 % intervals.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, spec in DEMO_SERIES.items():
        series = load_demo_series(name)
        options = dict(spec.options, random_state=seed, n_jobs=-1)
        if quick:
            options.update(max_iter=3, max_train_size=min(options.get("max_train_size", 10**9), 2000))
        forecaster = RNNForecaster(horizon=spec.horizon, **options)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = backtest(
                forecaster,
                series,
                n_windows=2 if quick else spec.n_windows,
                step=spec.step,
                refit=False,
                season_length=spec.season_length,
            )
            model = forecaster.fit(series)
        seconds = time.perf_counter() - started
        interval = model.predict_interval(coverage=0.9)
        interval.to_csv(output / f"forecast_{name}.csv", index_label="time")
        ax = plot_forecast(
            series,
            interval["forecast"],
            interval,
            coverage=0.9,
            title=f"{spec.title}: {spec.horizon}-step forecast ({spec.unit})",
        )
        ax.figure.savefig(output / f"forecast_{name}.png", dpi=110)
        ax = plot_backtest(result, history=series, title=f"{spec.title}: backtest windows ({spec.unit})")
        ax.figure.savefig(output / f"backtest_{name}.png", dpi=110)
        summary = result.summary()
        rows.append(
            {
                "series": name,
                "horizon": spec.horizon,
                "windows": result.forecasts["window"].nunique(),
                "mase_rnn": summary.loc["rnn", "mase"],
                "mase_naive": summary.loc["seasonal_naive", "mase"],
                "smape_rnn": summary.loc["rnn", "smape"],
                "smape_naive": summary.loc["seasonal_naive", "smape"],
                "mae_rnn": summary.loc["rnn", "mae"],
                "mae_naive": summary.loc["seasonal_naive", "mae"],
                "coverage_90": summary.loc["rnn", "coverage"],
                "baseline": spec.baseline,
                "seconds": seconds,
            }
        )
        print(f"{spec.title}: backtest and final fit in {seconds:.0f} s; wrote forecast_{name}.csv/.png", flush=True)
    metrics = pd.DataFrame(rows).set_index("series")
    metrics.to_csv(output / "metrics.csv")
    with pd.option_context("display.width", 160):
        print("\nRolling-origin backtest (no refit between windows); lower MASE/sMAPE is better:")
        print(metrics.drop(columns=["mae_rnn", "mae_naive"]).round(3).to_string())
    print(f"\nWrote forecasts, plots and metrics.csv to {output}/")
    return metrics
