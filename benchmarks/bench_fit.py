"""Fitting benchmark: RNNRegressor.fit vs an equivalent PyTorch training loop, same run.

Seattle daily maximum temperature (bundled), 28-day windows, 7-day direct
horizon; the first 80 % of the windows train, the last 20 % validate. Both sides
get the same standardised data, architecture (one recurrent layer + linear head),
epochs, batch size, optimizer (Adam, lr 3e-3), gradient clipping (norm 1),
shuffling every epoch and initial-weight distribution (``init="pytorch"``: PyTorch's
uniform init), at the same thread count. Reported: median wall time of
the fit over repeats and the validation MAE (°C) of the fitted model.

    python benchmarks/bench_fit.py [--write benchmarks/RESULTS.md] [--quick]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _results import write_section  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from rnnforecast import RNNRegressor, make_windows  # noqa: E402
from rnnforecast.datasets import load_weather  # noqa: E402

LOOKBACK, HORIZON, EPOCHS, BATCH, LEARNING_RATE = 28, 7, 30, 64, 3e-3


def data():
    X, y, _ = make_windows(load_weather("daily")["temp_max"], n_steps=LOOKBACK, horizon=HORIZON)
    split = int(0.8 * len(X))
    mean, scale = X[:split].mean(), X[:split].std()
    return (X - mean) / scale, (y - mean) / scale, split, scale


def fit_ours(cell, hidden, threads, X, y, split, seed):
    model = RNNRegressor(
        cell=cell,
        hidden_size=hidden,
        max_iter=EPOCHS,
        batch_size=BATCH,
        learning_rate_init=LEARNING_RATE,
        clip_norm=1.0,
        n_iter_no_change=EPOCHS + 1,
        init="pytorch",
        n_jobs=threads,
        random_state=seed,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:split], y[:split])
    return time.perf_counter() - started, model.predict(X[split:])


def fit_torch(cell, hidden, threads, X, y, split, seed):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](1, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, HORIZON)
    parameters = list(module.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(parameters, lr=LEARNING_RATE)
    x_train = torch.tensor(X[:split, :, None], dtype=torch.float32)
    y_train = torch.tensor(y[:split], dtype=torch.float32)
    generator = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(split, generator=generator)
        for start in range(0, split, BATCH):
            batch = order[start : start + BATCH]
            optimizer.zero_grad()
            output = head(module(x_train[batch])[0][:, -1])
            loss = torch.nn.functional.mse_loss(output, y_train[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
    elapsed = time.perf_counter() - started
    with torch.no_grad():
        prediction = head(module(torch.tensor(X[split:, :, None], dtype=torch.float32))[0][:, -1]).numpy()
    return elapsed, prediction


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--quick", action="store_true", help="one configuration, one repeat")
    args = parser.parse_args(argv)
    X, y, split, scale = data()
    configs = [("lstm", 32), ("gru", 32), ("rnn", 32), ("lstm", 64)]
    if args.quick:
        configs = configs[:1]
    repeats = 1 if args.quick else 3
    rows = []
    for threads in (1, 2):
        for cell, hidden in configs:
            result = {}
            for name, fit in (("ours", fit_ours), ("torch", fit_torch)):
                times, errors = [], []
                for seed in range(repeats):
                    seconds, prediction = fit(cell, hidden, threads, X, y, split, seed)
                    times.append(seconds)
                    errors.append(np.abs(prediction - y[split:]).mean() * scale)
                result[name] = (float(np.median(times)), float(np.mean(errors)))
            row = (threads, cell, hidden, *result["ours"], *result["torch"], result["torch"][0] / result["ours"][0])
            rows.append(row)
            print(
                f"{threads}T {cell} H{hidden}: ours {row[3]:.2f} s MAE {row[4]:.3f} | torch {row[5]:.2f} s "
                f"MAE {row[6]:.3f} | {row[7]:.2f}x",
                flush=True,
            )
    lines = [
        "# Fitting benchmark (`benchmarks/bench_fit.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        "cores. Seattle daily max temperature, 28-day windows, 7-day direct horizon,",
        f"{split} training / {len(X) - split} validation windows; {EPOCHS} epochs, batch {BATCH}, Adam "
        f"lr {LEARNING_RATE}, clipping 1.0, PyTorch's uniform init on both sides, float32; median of {repeats} fits "
        f"(seeds 0..{repeats - 1});",
        "validation MAE in °C averaged over the seeds. speed-up = PyTorch time / rnnforecast time.",
        "",
        "| threads | cell | hidden | rnnforecast fit (s) | rnnforecast MAE | PyTorch fit (s) | PyTorch MAE "
        "| speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for threads, cell, hidden, ours_t, ours_e, torch_t, torch_e, speedup in rows:
        lines.append(
            f"| {threads} | {cell} | {hidden} | {ours_t:.2f} | {ours_e:.3f} | {torch_t:.2f} | {torch_e:.3f} "
            f"| {speedup:.2f}x |"
        )
    if args.write:
        write_section(args.write, "bench_fit", "\n".join(lines))
        print(f"wrote {args.write}")
    return rows


if __name__ == "__main__":
    main()
