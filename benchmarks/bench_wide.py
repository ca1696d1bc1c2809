"""The wide accuracy protocol (DESIGN section 10): many refitted origins, 3 seeds, scored against the better naive.

For every series, ``--origins`` consecutive rolling origins (one horizon apart,
the last window ending at the last observation); at each origin the forecaster
is refitted from scratch on the history up to it (``backtest(refit=True)``),
once per seed. Score of a model on a series = total MAE over the origins ÷ total
MAE of the better of the naive (last value) and the seasonal-naive forecast at
each origin: below 1 beats the baseline, 1 equals it. Also reported: the spread
of the score over seeds, the empirical coverage of the 90 % intervals, and the
seconds per fit. The naive and seasonal-naive forecasts are scored on the same
origins (their score is 1 or more by construction of the denominator).

Each ``--config`` is a set of ``RNNForecaster`` parameters (``name:param=value,...``,
e.g. ``noshrink:shrinkage=None``; ``auto=True`` fits an ``AutoRNNForecaster``
with the other parameters as its base); ``default`` is the forecaster as shipped;
``--config none`` reports the baselines (and peers) alone.

The series (``wide_series.py``) are the four bundled ones and more openly
licensed real series of each kind copied from installable packages into
``benchmarks/data/`` (never the evaluation-reserved ones listed in the README).
With ``--peers PYTHON`` (the Python of an environment with statsforecast,
``benchmarks/peers.sh`` makes one), statsforecast's AutoETS and AutoARIMA are
fitted at the same origins on the same history (``peer_statsforecast.py``, in
its own process) and scored alike; with ``--rnn-peer PYTHON`` (an environment
with darts, ``benchmarks/peers.sh --darts``), darts' ``RNNModel`` is too, once
per seed (``peer_darts.py``). Peer forecasts are cached in
``benchmarks/.peers/`` since they do not depend on the forecaster.

    python benchmarks/bench_wide.py [--series stock sp500] [--seeds 0 1 2] [--origins 12]
        [--config default --config noshrink:shrinkage=None] [--peers ../peers/bin/python]
        [--rnn-peer ../dpeers/bin/python]
        [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402
from wide_series import WIDE_SERIES, load_wide_series  # noqa: E402

from rnnforecast import AutoRNNForecaster, RNNForecaster, __version__, backtest  # noqa: E402
from rnnforecast.metrics import coverage  # noqa: E402

PEERS = Path(__file__).resolve().parent / "peer_statsforecast.py"
RNN_PEER = Path(__file__).resolve().parent / "peer_darts.py"
PEER_CACHE = Path(__file__).resolve().parent / ".peers"
#: Observations a statistical peer sees at each origin, at most (AutoARIMA's time grows fast with it).
PEER_HISTORY = 2000


def parse_config(text):
    """``name:param=value,...`` -> (name, parameters); values are Python literals (``None``, ``0.5``, ``'lstm'``)."""
    name, _, rest = text.partition(":")
    params = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()
    return name, params


def _naive_errors(series, frame, season):
    """Per window: absolute errors (summed) of the naive and seasonal-naive forecasts on the backtest's windows."""
    values = series.interpolate(limit_direction="both").to_numpy(dtype=float)
    naive, seasonal = {}, {}
    for window, part in frame.groupby("window"):
        origin = series.index.get_loc(part["cutoff"].iloc[0])
        actual = part["y"].to_numpy()
        ok = np.isfinite(actual)
        naive[window] = np.abs(actual - values[origin])[ok].sum()
        seasonal[window] = np.abs(actual - part["naive"].to_numpy())[ok].sum()
    return pd.Series(naive), pd.Series(seasonal)


def _peer_forecasts(name, series, frame, spec, python, script, argument):
    """Forecasts of a peer script at the backtest's origins, run in its own environment and cached per arguments."""
    cutoffs = frame.groupby("window")["cutoff"].first()
    positions = np.array([series.index.get_loc(c) for c in cutoffs])
    history = min(PEER_HISTORY, spec.options.get("max_train_size", PEER_HISTORY))
    PEER_CACHE.mkdir(exist_ok=True)
    key = f"{len(positions)}-{positions[-1]}-{spec.horizon}-{spec.season_length}-{history}-{argument}"
    cached = PEER_CACHE / (f"{name}-{key}.npz" if script == PEERS else f"{name}-{script.stem}-{key}.npz")
    if not cached.exists():
        source = PEER_CACHE / f"{name}-input.npz"
        values = series.interpolate(limit_direction="both").to_numpy(dtype=float)
        np.savez(source, values=values, cutoffs=positions, horizon=spec.horizon,
                 season_length=spec.season_length, history=history)  # fmt: skip
        subprocess.run([python, str(script), str(source), str(cached), str(argument)], check=True)
    return np.load(cached), len(positions)


def _score_peer(peers, model, frame, baseline):
    """Score and 90 % coverage of one peer model's forecasts at the backtest's origins."""
    errors, covers = 0.0, []
    for i, (_, part) in enumerate(frame.groupby("window")):
        actual = part["y"].to_numpy()
        ok = np.isfinite(actual)
        errors += np.abs(actual - peers[f"{model}_mean"][i])[ok].sum()
        covers.append(coverage(actual, peers[f"{model}_lo"][i], peers[f"{model}_hi"][i]))
    return float(errors / baseline), float(np.mean(covers))


def _peer_rows(name, series, frame, spec, baseline, peer_python, peer_models="AutoETS,AutoARIMA"):
    """Score statsforecast's peers at the backtest's origins."""
    peers, n_origins = _peer_forecasts(name, series, frame, spec, peer_python, PEERS, peer_models)
    rows = []
    for model in peers["names"]:
        score, cover = _score_peer(peers, model, frame, baseline)
        seconds = float(peers[f"{model}_seconds"]) / n_origins
        rows.append({"series": name, "model": str(model), "scores": [score], "mean": score, "spread": 0.0,
                     "coverage_90": cover, "seconds_per_fit": seconds})  # fmt: skip
        print(f"{name} {model}: score {score:.3f}, coverage {cover:.3f}", flush=True)
    return rows


def _rnn_peer_row(name, series, frame, spec, baseline, rnn_python, seeds):
    """darts' RNNModel (``peer_darts.py``) at the backtest's origins, once per seed: one row like ours."""
    scores, covers, seconds = [], [], []
    for seed in seeds:
        peers, n_origins = _peer_forecasts(name, series, frame, spec, rnn_python, RNN_PEER, seed)
        model = str(peers["names"][0])
        score, cover = _score_peer(peers, model, frame, baseline)
        scores.append(score)
        covers.append(cover)
        seconds.append(float(peers[f"{model}_seconds"]) / n_origins)
        print(f"{name} {model}: score {score:.3f}, coverage {cover:.3f}", flush=True)
    return {"series": name, "model": "darts RNNModel (LSTM 32, lookback 48)", "scores": scores,
            "mean": float(np.mean(scores)), "spread": float(np.max(scores) - np.min(scores)),
            "coverage_90": float(np.mean(covers)), "seconds_per_fit": float(np.mean(seconds))}  # fmt: skip


def run_series(
    name, configs, seeds, n_origins, n_jobs, peer_python=None, peer_models="AutoETS,AutoARIMA", rnn_python=None
):
    spec = WIDE_SERIES[name]
    series = load_wide_series(name)
    rows = []
    if not configs:  # baselines and peers only: the origins come from one cheap stand-in fit
        model = RNNForecaster(horizon=spec.horizon, max_iter=1, hidden_size=2, early_stopping=False, **spec.options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            frame = backtest(model, series, n_windows=n_origins, step=spec.horizon, season_length=spec.season_length)
        frame = frame.forecasts
        naive, seasonal = _naive_errors(series, frame, spec.season_length)
        baseline = np.minimum(naive, seasonal).sum()
    for config_name, params in configs:
        scores, covers, seconds = [], [], []
        for seed in seeds:
            options = {**spec.options, **params}
            estimator = AutoRNNForecaster if options.pop("auto", False) else RNNForecaster
            model = estimator(horizon=spec.horizon, random_state=seed, n_jobs=n_jobs, **options)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                result = backtest(
                    model, series, n_windows=n_origins, step=spec.horizon, refit=True, season_length=spec.season_length
                )
            frame = result.forecasts
            ok = np.isfinite(frame["y"].to_numpy())
            naive, seasonal = _naive_errors(series, frame, spec.season_length)
            baseline = np.minimum(naive, seasonal).sum()
            model_error = np.abs(frame["y"] - frame["forecast"]).to_numpy()[ok].sum()
            scores.append(model_error / baseline)
            covers.append(coverage(frame["y"], frame["lower"], frame["upper"]))
            seconds.append(result.fit_seconds / n_origins)
            print(f"{name} {config_name} seed {seed}: score {scores[-1]:.3f}, coverage {covers[-1]:.3f}", flush=True)
        rows.append(
            {
                "series": name,
                "model": config_name,
                "scores": scores,
                "mean": float(np.mean(scores)),
                "spread": float(np.max(scores) - np.min(scores)),
                "coverage_90": float(np.mean(covers)),
                "seconds_per_fit": float(np.mean(seconds)),
            }
        )
    for label, errors in (("naive (last value)", naive), (f"seasonal naive ({spec.season_length})", seasonal)):
        score = float(errors.sum() / baseline)
        rows.append(
            {
                "series": name,
                "model": label,
                "scores": [score],
                "mean": score,
                "spread": 0.0,
                "coverage_90": np.nan,
                "seconds_per_fit": 0.0,
            }
        )
    if peer_python:
        rows += _peer_rows(name, series, frame, spec, baseline, peer_python, peer_models)
    if rnn_python:
        rows.append(_rnn_peer_row(name, series, frame, spec, baseline, rnn_python, seeds))
    return rows


def _markdown(table, args):
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores, rnnforecast {__version__}; {args.origins} consecutive origins one horizon apart, refitted at each, "
        f"seeds {', '.join(map(str, args.seeds))}; score = total MAE / total MAE of the better of naive and seasonal "
        "naive at each origin (lower is better, 1 = baseline); command: `python benchmarks/bench_wide.py "
        + " ".join(f"--config {c}" for c in args.config)
        + f" --series {' '.join(args.series)}`.",
        "",
        "| series | model | score per seed | mean | seed spread | 90 % coverage | s per fit |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        cover = "" if np.isnan(row.coverage_90) else f"{row.coverage_90:.3f}"
        per_seed = " / ".join(f"{s:.3f}" for s in row.scores)
        lines.append(
            f"| {row.series} | {row.model} | {per_seed} | {row.mean:.3f} | {row.spread:.3f} | {cover} | "
            f"{row.seconds_per_fit:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(WIDE_SERIES), choices=list(WIDE_SERIES))
    parser.add_argument("--config", action="append", help="name:param=value,... (repeatable; default: 'default')")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--peers", metavar="PYTHON", help="Python of an environment with statsforecast")
    parser.add_argument("--peer-models", default="AutoETS,AutoARIMA", help="statsforecast models to fit")
    parser.add_argument("--rnn-peer", metavar="PYTHON", help="Python of an environment with darts (RNNModel)")
    parser.add_argument("--write", type=Path, help="update the bench_wide section of this RESULTS.md")
    args = parser.parse_args(argv)
    args.config = args.config or ["default"]
    configs = [parse_config(text) for text in args.config if text != "none"]
    rows = []
    for name in args.series:
        rows += run_series(
            name, configs, args.seeds, args.origins, args.n_jobs, args.peers, args.peer_models, args.rnn_peer
        )
    text = _markdown(pd.DataFrame(rows), args)
    print(text)
    if args.write:
        write_section(args.write, "bench_wide", text)


if __name__ == "__main__":
    main()
