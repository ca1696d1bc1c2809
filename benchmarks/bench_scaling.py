"""Fit N per-series forecasters sequentially, with joblib's processes, and on a dask cluster; report scaling.

The series are the Shanghai weather columns (dew point, humidity, pressure,
temperature) of two winters, hourly, 12 weeks each: ``N = 8`` local models of
24-hour forecasts (``RNNForecaster(scope="local")``). Each configuration fits the
same models from the same seeds; the script checks the forecasts are identical.

    python benchmarks/bench_scaling.py [--scheduler tcp://host:8786] [--workers 2] [--write benchmarks/RESULTS.md]

Without ``--scheduler`` a ``LocalCluster`` on loopback with ``--workers``
processes of one thread each is started; with it, the script connects to that
scheduler (a real cluster whose workers can import rnnforecast).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from joblib import parallel_config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

from rnnforecast import RNNForecaster, __version__  # noqa: E402
from rnnforecast.datasets import load_weather  # noqa: E402

COLUMNS = ["DEWP", "HUMI", "PRES", "TEMP"]


def series_panel() -> pd.DataFrame:
    hourly = load_weather("hourly")[COLUMNS].interpolate(limit_direction="both")
    winters = {}
    for year in (2014, 2015):
        part = hourly.loc[f"{year}-01-01" : f"{year}-03-25 23:00"].iloc[: 24 * 7 * 12]
        for column in COLUMNS:
            winters[f"{column}_{year}"] = part[column].to_numpy()
    index = pd.date_range("2015-01-01", periods=24 * 7 * 12, freq="h")
    return pd.DataFrame(winters, index=index)


def fit(panel, n_jobs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RNNForecaster(horizon=24, scope="local", n_jobs=n_jobs, max_iter=30, random_state=0)
        return model.fit(panel)


def timed(function, repeats):
    seconds, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default: 2)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    panel = series_panel()
    fit(panel.iloc[:, :1], 1)  # compile (and fill the cache) before timing
    rows = []
    sequential, reference = timed(lambda: fit(panel, 1), args.repeats)
    rows.append(("sequential (n_jobs=1)", sequential, True))
    loky, result = timed(lambda: fit(panel, args.workers), args.repeats)
    rows.append((f"joblib processes (loky, n_jobs={args.workers})", loky, result.predict().equals(reference.predict())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = (
            None
            if args.scheduler
            else LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        )
        client = Client(args.scheduler or cluster)
    try:
        workers = len(client.scheduler_info()["workers"])
        with parallel_config(backend="dask"):
            fit(panel.iloc[:, :workers], -1)  # workers import rnnforecast and load the kernels once
            dask_seconds, result = timed(lambda: fit(panel, -1), args.repeats)
        where = args.scheduler or f"LocalCluster, {workers} workers x 1 thread"
        rows.append((f"dask ({where})", dask_seconds, result.predict().equals(reference.predict())))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores, rnnforecast {__version__}; command: `python benchmarks/bench_scaling.py --write "
        "benchmarks/RESULTS.md`. "
        f"{panel.shape[1]} per-series GRU forecasters (hourly, {len(panel)} steps each, 24-step horizon, up to 30 "
        f"epochs), median of {args.repeats} fits.",
        "",
        "| how | seconds | speed-up | forecasts identical to sequential |",
        "|---|---|---|---|",
    ]
    for name, seconds, same in rows:
        lines.append(f"| {name} | {seconds:.1f} | {sequential / seconds:.2f}x | {'yes' if same else 'NO'} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, "bench_scaling", text)


if __name__ == "__main__":
    main()
