"""Training steps on an NVIDIA GPU: rnnforecast's CUDA kernels against PyTorch + cuDNN on the same GPU.

One training step = forward + MSE on a linear head + backward through time +
Adam, float32, as in ``bench_kernels.py``. Configs: DESIGN §5 (batch 64,
sequence 48, input 1/8, hidden 32/64/128, 1/2 layers; batch 256, sequence 168,
input 8, hidden 128) plus a large batch (1024), for the LSTM, GRU and Elman RNN.

Ours is the device-resident fleet engine (``rnnforecast.nn.fleet``), the path
``RNNRegressor(device="cuda")`` trains with: one model here. Each timing is an
epoch of ``--steps`` steps (the batch plan goes up, the epoch loss comes back)
divided by the steps; PyTorch runs the same number of steps and synchronises
once at the end.

The many-small-models rows train ``K`` independent GRU(32) models one step
each: ours in one fleet (two launches per step for all ``K``), PyTorch as ``K``
separate cuDNN models stepped one after the other -- what fitting ``K``
per-series models or grid candidates costs there.

    python benchmarks/bench_cuda.py [--repeats 20] [--write benchmarks/RESULTS.md]
    NUMBA_ENABLE_CUDASIM=1 python benchmarks/bench_cuda.py --smoke   # runs the script on the simulator
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

from rnnforecast import __version__  # noqa: E402
from rnnforecast.nn.device import resolve_device  # noqa: E402
from rnnforecast.nn.fleet import Fleet  # noqa: E402
from rnnforecast.nn.layout import initialize_parameters, make_layout  # noqa: E402
from rnnforecast.nn.network import RecurrentNetwork  # noqa: E402
from rnnforecast.nn.training import TrainingJob  # noqa: E402

CELLS = ("lstm", "gru", "rnn")
SHAPES = [(64, 48, i, h, layers) for i in (1, 8) for h in (32, 64, 128) for layers in (1, 2)]
SHAPES += [(256, 168, 8, 128, 1), (1024, 48, 8, 64, 1)]
MANY = (1, 16, 64, 256)  # K of the many-small-models rows


def _ours(cell, batch, steps, inputs, hidden, layers, repeats, n_steps, models=1):
    """Seconds per training step of ``models`` networks trained together in one fleet."""
    jobs = []
    for m in range(models):
        rng = np.random.default_rng(m)
        layout = make_layout(cell, inputs, hidden, layers, 1)
        params = initialize_parameters(layout, rng, dtype=np.float32)
        x = rng.normal(size=(batch * n_steps, steps, inputs)).astype(np.float32)
        y = rng.normal(size=(batch * n_steps, 1)).astype(np.float32)
        options = dict(batch_size=batch, max_iter=1, clip_norm=None, learning_rate=1e-3)
        jobs.append(TrainingJob(RecurrentNetwork(layout, device="cuda"), params, x, y, rng, options=options))
    fleet = Fleet(jobs)
    orders, active, rates = [np.arange(len(job.x)) for job in jobs], [True] * models, [1e-3] * models
    fleet.train_epoch(orders, active, rates)  # compile and warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fleet.train_epoch(orders, active, rates)  # ends with a copy to the host: synchronised
        times.append((time.perf_counter() - started) / n_steps)
    return statistics.median(times)


def _torch(cell, batch, steps, inputs, hidden, layers, repeats, n_steps, models=1):
    """Seconds per training step of ``models`` separate PyTorch models, stepped one after the other."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    device = torch.device("cuda")
    nets = []
    for _ in range(models):
        recurrent = module(inputs, hidden, layers, batch_first=True).to(device)
        head = torch.nn.Linear(hidden, 1).to(device)
        optimizer = torch.optim.Adam([*recurrent.parameters(), *head.parameters()], lr=1e-3)
        nets.append((recurrent, head, optimizer))
    x = torch.randn(batch, steps, inputs, device=device)
    y = torch.randn(batch, 1, device=device)

    def step(recurrent, head, optimizer):
        optimizer.zero_grad()
        output, _ = recurrent(x)
        loss = torch.nn.functional.mse_loss(head(output[:, -1]), y)
        loss.backward()
        optimizer.step()

    for net in nets:
        step(*net)
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(n_steps):
            for net in nets:
                step(*net)
        torch.cuda.synchronize()
        times.append((time.perf_counter() - started) / n_steps)
    return statistics.median(times)


def _device_name():
    from numba import config, cuda

    if config.ENABLE_CUDASIM:
        return "numba's CUDA simulator (not a GPU: timings mean nothing)"
    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10, help="training steps per timed epoch")
    parser.add_argument("--smoke", action="store_true", help="one tiny config, one repeat (for the simulator)")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    resolve_device("cuda")  # a clear error when no GPU (or simulator) is usable
    shapes, cells, repeats, n_steps, many = SHAPES, CELLS, args.repeats, args.steps, MANY
    small = (32, 48, 1, 32, 1)
    if args.smoke:
        shapes, cells, repeats, n_steps, many, small = [(4, 3, 1, 2, 1)], ("gru",), 1, 1, (2,), (4, 3, 1, 2, 1)
    rows = []
    for cell in cells:
        for batch, steps, inputs, hidden, layers in shapes:
            ours = _ours(cell, batch, steps, inputs, hidden, layers, repeats, n_steps)
            peer = _torch(cell, batch, steps, inputs, hidden, layers, repeats, n_steps)
            rows.append((f"{cell} B{batch} T{steps} I{inputs} H{hidden} L{layers}", ours, peer))
            print(rows[-1], flush=True)
    for models in many:
        ours = _ours("gru", *small, repeats, n_steps, models=models)
        peer = _torch("gru", *small, repeats, n_steps, models=models)
        rows.append(
            (f"{models} x gru B{small[0]} T{small[1]} H{small[3]} (fleet vs {models} cuDNN models)", ours, peer)
        )
        print(rows[-1], flush=True)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {_device_name()} (host {platform.machine()}), rnnforecast "
        f"{__version__}; medians of {repeats} epochs of {n_steps} float32 training steps, per step; "
        "ratio = PyTorch time / ours.",
        "",
        "| config | ours (ms) | PyTorch + cuDNN (ms) | ratio |",
        "|---|---|---|---|",
    ]
    for name, ours_seconds, peer_seconds in rows:
        peer_text = "n/a" if peer_seconds is None else f"{1e3 * peer_seconds:.2f}"
        ratio = "n/a" if peer_seconds is None else f"{peer_seconds / ours_seconds:.2f}x"
        lines.append(f"| {name} | {1e3 * ours_seconds:.2f} | {peer_text} | {ratio} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, "bench_cuda", text)
    return rows


if __name__ == "__main__":
    main()
