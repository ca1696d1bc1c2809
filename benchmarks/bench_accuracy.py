"""Accuracy of RNNForecaster (each cell) on the bundled real series, against baselines, by rolling-origin backtest.

For every series of the demo (stock, daily and hourly weather, traffic) the same
windows are scored for:

* ``RNNForecaster`` with default settings (the demo's series options: training
  length, missing-value policy), one row per cell;
* the seasonal-naive forecast (random walk for the stock);
* statsforecast's ``AutoETS`` when statsforecast is installed (season 24 for the
  hourly series, none for the daily ones: ETS cannot fit a 168- or 365-step season).

The forecaster is fitted once at the first cutoff and forecasts every window
from that model (``refit=False``); AutoETS is refitted at every cutoff (that is
how it is used). Reported: MASE and sMAPE (means over windows), the empirical
coverage of the 90 % intervals, and wall time (fit + forecasts).

    python benchmarks/bench_accuracy.py [--series traffic ...] [--cells lstm gru] [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

from rnnforecast import RNNForecaster, __version__, backtest  # noqa: E402
from rnnforecast.demo import DEMO_SERIES, load_demo_series  # noqa: E402
from rnnforecast.metrics import coverage, mase, smape  # noqa: E402

ETS_SEASON = {"stock": 1, "weather_daily": 1, "weather_hourly": 24, "traffic": 24}


def _autoets_rows(name, series, result, spec):
    try:
        from statsforecast.models import AutoETS
    except ImportError:
        return []
    season = ETS_SEASON[name]
    frame = result.forecasts
    cutoffs = frame.groupby("window")["cutoff"].first()
    values = series.interpolate(limit_direction="both").to_numpy()
    started = time.perf_counter()
    mases, smapes, covers = [], [], []
    train = spec.options.get("max_train_size", 24 * 7 * 26)
    for window, cutoff in cutoffs.items():
        end = series.index.get_loc(cutoff) + 1
        history = values[max(0, end - train) : end]
        model = AutoETS(season_length=season)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prediction = model.forecast(y=history, h=spec.horizon, level=[90])
        actual = frame.loc[frame["window"] == window, "y"].to_numpy()
        mases.append(mase(actual, prediction["mean"], values[:end], spec.season_length))
        smapes.append(smape(actual, prediction["mean"]))
        covers.append(coverage(actual, prediction["lo-90"], prediction["hi-90"]))
    seconds = time.perf_counter() - started
    return [
        {
            "series": name,
            "model": f"AutoETS (season {season})",
            "mase": np.mean(mases),
            "smape": np.mean(smapes),
            "coverage_90": np.mean(covers),
            "seconds": seconds,
        }
    ]


def run(series_names, cells, n_jobs):
    rows = []
    for name in series_names:
        spec = DEMO_SERIES[name]
        series = load_demo_series(name)
        result = None
        for cell in cells:
            forecaster = RNNForecaster(horizon=spec.horizon, cell=cell, random_state=0, n_jobs=n_jobs, **spec.options)
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                result = backtest(
                    forecaster,
                    series,
                    n_windows=spec.n_windows,
                    step=spec.step,
                    refit=False,
                    season_length=spec.season_length,
                )
            seconds = time.perf_counter() - started
            summary = result.summary()
            row = {
                "series": name,
                "model": f"RNNForecaster({cell})",
                "mase": summary.loc["rnn", "mase"],
                "smape": summary.loc["rnn", "smape"],
                "coverage_90": summary.loc["rnn", "coverage"],
                "seconds": seconds,
            }
            print(
                f"{name} {cell}: MASE {row['mase']:.3f} (naive {summary.loc['seasonal_naive', 'mase']:.3f}), "
                f"coverage {row['coverage_90']:.3f}, {seconds:.1f} s",
                flush=True,
            )
            rows.append(row)
        rows.append(
            {
                "series": name,
                "model": f"seasonal naive: {spec.baseline}",
                "mase": summary.loc["seasonal_naive", "mase"],
                "smape": summary.loc["seasonal_naive", "smape"],
                "coverage_90": np.nan,
                "seconds": 0.0,
            }
        )
        rows += _autoets_rows(name, series, result, spec)
    return pd.DataFrame(rows)


def _markdown(table, args):
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores, rnnforecast {__version__}, n_jobs={args.n_jobs}; command: `python benchmarks/bench_accuracy.py "
        f"--write benchmarks/RESULTS.md`.",
        "",
        "Rolling-origin backtests, fitted once at the first cutoff (`refit=False`); windows and seasons per series:",
        "",
    ]
    for name in table["series"].unique():
        spec = DEMO_SERIES[name]
        options = spec.options or "{}"
        lines.append(
            f"- `{name}`: {spec.title}, {spec.n_windows} windows of {spec.horizon} steps every {spec.step} steps; "
            f"MASE season {spec.season_length} ({spec.baseline}); options {options}"
        )
    lines += ["", "| series | model | MASE | sMAPE % | 90 % coverage | seconds |", "|---|---|---|---|---|---|"]
    for row in table.itertuples():
        cover = "" if np.isnan(row.coverage_90) else f"{row.coverage_90:.3f}"
        lines.append(f"| {row.series} | {row.model} | {row.mase:.3f} | {row.smape:.2f} | {cover} | {row.seconds:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(DEMO_SERIES), choices=list(DEMO_SERIES))
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn", "peephole"])
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--write", type=Path, help="update the bench_accuracy section of this RESULTS.md")
    args = parser.parse_args(argv)
    table = run(args.series, args.cells, args.n_jobs)
    text = _markdown(table, args)
    print(text)
    if args.write:
        write_section(args.write, "bench_accuracy", text)


if __name__ == "__main__":
    main()
