"""Global models on big panels: fit time for a fixed budget, predict time and peak memory (DESIGN section 9).

Synthetic hourly panels (``synthetic.py``) of ``--sizes`` (series x points).
Each case runs in a fresh process, so its peak resident memory
(``ru_maxrss``) is its own: it builds the panel, fits the default global
``RNNForecaster(horizon=24)`` on all but the last 24 hours with
``--windows-per-epoch`` and ``--max-iter`` (early stopping on, as shipped),
forecasts the last 24 hours of every series, and scores them (MAE over the
MAE of same-hour-yesterday, the seasonal naive). Also printed: how many
windows the panel has and what storing them would take (what gathering avoids).

``--subset NxT`` also fits that smaller panel the old way (every window every
epoch, ``windows_per_epoch=None``) and with the budget, over ``--seeds``, and
scores both on the last ``--origins`` days (``predict(y=...)``, no refit): the
budget should cost at most 2 % of the full-epoch accuracy.

With ``--peer PYTHON`` (an environment with neuralforecast, made by
``benchmarks/peers.sh --neuralforecast``), neuralforecast's ``LSTM`` fits the
same panels in its own process, with the same hidden size, lookback, horizon,
batch size and number of training windows (``max_steps`` = epochs x budget /
batch), and is timed and measured alike (``peer_neuralforecast.py``); its
figures are cached in ``benchmarks/.peers/`` (they do not depend on rnnforecast).

    python benchmarks/bench_scale.py [--sizes 10x2000 100x2000 1000x2000 10000x2000 10x100000]
        [--windows-per-epoch 4096] [--max-iter 30] [--subset 20x2000] [--full-max-iter 100] [--seeds 0 1 2]
        [--peer ../nfpeer/bin/python] [--n-jobs 1] [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _results import write_section  # noqa: E402
from synthetic import synthetic_panel  # noqa: E402

HORIZON = 24


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _relative_mae(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray) -> float:
    """MAE of ``forecast`` over the MAE of the seasonal naive (same hour yesterday), all series and steps together."""
    naive = history[-24:]
    return float(np.abs(actual - forecast).sum() / np.abs(actual - naive).sum())


def run_case(n_series, n_points, budget, max_iter, seed, n_jobs, origins=1):
    """One fit and predict in this process; returns the figures as a dict."""
    from sklearn.exceptions import ConvergenceWarning

    from rnnforecast import RNNForecaster

    warnings.simplefilter("ignore", ConvergenceWarning)
    panel = synthetic_panel(n_series, n_points)
    data_rss = _peak_rss_mb()
    train = panel.iloc[: -HORIZON * origins]
    model = RNNForecaster(
        horizon=HORIZON, windows_per_epoch=budget, max_iter=max_iter, random_state=seed, n_jobs=n_jobs
    )
    start = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    forecast = model.predict()
    predict_s = time.perf_counter() - start
    scores = [_relative_mae(panel.iloc[len(train) : len(train) + HORIZON].to_numpy(), forecast.to_numpy(),
                            train.to_numpy())]  # fmt: skip
    for k in range(1, origins):  # later origins, from the observed history, without refitting
        history = panel.iloc[: len(train) + HORIZON * k]
        actual = panel.iloc[len(history) : len(history) + HORIZON].to_numpy()
        scores.append(_relative_mae(actual, model.predict(y=history).to_numpy(), history.to_numpy()))
    spec = model.spec_
    n_windows = n_series * (len(train) - spec.n_steps - spec.n_ahead + 1)
    return {
        "series": n_series,
        "points": n_points,
        "budget": budget,
        "seed": seed,
        "fit_s": fit_s,
        "predict_s": predict_s,
        "epochs": model.n_iter_,
        "peak_rss_mb": _peak_rss_mb(),
        "data_rss_mb": data_rss,
        "windows": n_windows,
        "stored_windows_gb": n_windows * spec.length * spec.n_channels * 8 / 1e9,
        "score": float(np.mean(scores)),
    }


def _subprocess(python, script, args, timeout):
    command = [python, str(HERE / script), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


PEER_CACHE = HERE / ".peers"


def _peer(python, n, t, steps, timeout):
    """neuralforecast's figures for one panel, from the cache (``benchmarks/.peers/``) or a fresh run.

    The peer does not depend on rnnforecast, so a rerun of our side reuses its last measurement; delete
    the file to measure it again.
    """
    cache = PEER_CACHE / f"neuralforecast_{n}x{t}_{steps}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    try:
        peer = _subprocess(python, "peer_neuralforecast.py", [f"{n}x{t}", str(steps)], timeout)
    except subprocess.TimeoutExpired:
        peer = {"series": n, "points": t, "timeout_s": timeout}
    peer["measured"] = time.strftime("%Y-%m-%d")
    PEER_CACHE.mkdir(exist_ok=True)
    cache.write_text(json.dumps(peer))
    print(json.dumps(peer), flush=True)
    return peer


def _size(text):
    n_series, n_points = (int(part) for part in text.lower().split("x"))
    return n_series, n_points


def _budget_text(budget):
    return "all" if budget is None else f"{budget:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=_size, default=[(10, 2000), (100, 2000), (1000, 2000)])
    parser.add_argument("--windows-per-epoch", type=int, default=4096)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--subset", type=_size, default=None)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--origins", type=int, default=3, help="days scored in the subset comparison")
    parser.add_argument("--full-max-iter", type=int, default=100, help="max_iter of the full-epoch fits (default)")
    parser.add_argument("--peer", default=None, help="Python of an environment with neuralforecast")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)  # worker: N,T,budget,max_iter,seed,origins
    args = parser.parse_args()
    if args.case:
        n, t, budget, max_iter, seed, origins = args.case.split(",")
        budget = None if budget == "all" else int(budget)
        print(json.dumps(run_case(int(n), int(t), budget, int(max_iter), int(seed), args.n_jobs, int(origins))))
        return

    def ours(n, t, budget, seed, origins=1, max_iter=args.max_iter):
        case = f"{n},{t},{'all' if budget is None else budget},{max_iter},{seed},{origins}"
        return _subprocess(sys.executable, "bench_scale.py", ["--case", case, "--n-jobs", str(args.n_jobs)],
                           args.timeout)  # fmt: skip

    lines = [
        "## Scale: global models on big panels (`benchmarks/bench_scale.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores, `n_jobs={args.n_jobs}`; synthetic hourly panels (`benchmarks/synthetic.py`). Default "
        f"`RNNForecaster(horizon=24)` (GRU 32, lookback 168, early stopping), `windows_per_epoch="
        f"{args.windows_per_epoch}`, `max_iter={args.max_iter}`, seed 0; each case in a fresh process. Score: MAE "
        "of the last 24 h over that of same-hour-yesterday. Peak RSS includes Python, NumPy, pandas and numba "
        "(about 250 MB before any data).",
        "",
        "| panel | windows | stored windows would take | fit (s) | epochs | predict (s) | peak RSS (MB) | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    peer_rows = []
    for n, t in args.sizes:
        result = ours(n, t, args.windows_per_epoch, 0)
        print(json.dumps(result), flush=True)
        lines.append(
            f"| {n:,} x {t:,} | {result['windows']:,} | {result['stored_windows_gb']:.1f} GB | {result['fit_s']:.1f} "
            f"| {result['epochs']} | {result['predict_s']:.2f} | {result['peak_rss_mb']:.0f} | {result['score']:.3f} |"
        )
        if args.peer:
            steps = args.max_iter * args.windows_per_epoch // 64
            peer = _peer(args.peer, n, t, steps, args.timeout)
            if "timeout_s" in peer:
                figures = [f"not done in {peer['timeout_s']:,} s", "-", "-", "-"]
            else:
                figures = [f"{peer['fit_s']:.1f}", f"{peer['predict_s']:.2f}", f"{peer['peak_rss_mb']:.0f}",
                           f"{peer['score']:.3f}"]  # fmt: skip
            peer_rows.append(
                f"| {n:,} x {t:,} | {result['fit_s']:.1f} | {figures[0]} | {result['predict_s']:.2f} | {figures[1]} "
                f"| {result['peak_rss_mb']:.0f} | {figures[2]} | {result['score']:.3f} | {figures[3]} |"
            )
    if peer_rows:
        lines += [
            "",
            f"Against neuralforecast's `LSTM` (torch CPU, its own process; hidden 32, lookback 168, batch 64, "
            f"`max_steps={args.max_iter * args.windows_per_epoch // 64}`: as many training windows as our "
            f"`max_iter` x `windows_per_epoch`, where our early stopping may stop sooner):",
            "",
            "| panel | fit ours (s) | fit neuralforecast (s) | predict ours | predict nf | RSS ours (MB) | RSS nf (MB) "
            "| score ours | score nf |",
            "|---|---|---|---|---|---|---|---|---|",
            *peer_rows,
        ]
    if args.subset:
        n, t = args.subset
        rows = {}
        for budget, max_iter in ((None, args.full_max_iter), (args.windows_per_epoch, args.max_iter)):
            rows[budget] = [ours(n, t, budget, seed, args.origins, max_iter) for seed in args.seeds]
            print(json.dumps(rows[budget]), flush=True)
        full, sampled = (statistics.mean(r["score"] for r in rows[b]) for b in (None, args.windows_per_epoch))
        lines += [
            "",
            f"Budget against full epochs on a panel still trainable the old way ({n:,} x {t:,}, "
            f"{rows[None][0]['windows']:,} windows; seeds {' '.join(map(str, args.seeds))}; score over the last "
            f"{args.origins} days, forecast from the observed history without refitting). Full epochs: "
            f"`windows_per_epoch=None, max_iter={args.full_max_iter}`; budget: `windows_per_epoch="
            f"{args.windows_per_epoch}, max_iter={args.max_iter}`; early stopping on in both:",
            "",
            "| windows per epoch | score, per seed | mean | fit (s), mean | epochs, mean | peak RSS (MB) |",
            "|---|---|---|---|---|---|",
        ]
        for budget, results in rows.items():
            per_seed = " / ".join(f"{r['score']:.4f}" for r in results)
            lines.append(
                f"| {_budget_text(budget)} | {per_seed} | "
                f"{statistics.mean(r['score'] for r in results):.4f} | "
                f"{statistics.mean(r['fit_s'] for r in results):.1f} | "
                f"{statistics.mean(r['epochs'] for r in results):.1f} | "
                f"{max(r['peak_rss_mb'] for r in results):.0f} |"
            )
        lines += ["", f"Budget / full epochs: {sampled / full:.4f} (mean score ratio)."]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, "bench_scale", text)


if __name__ == "__main__":
    main()
