"""Training steps on an NVIDIA GPU: rnnforecast's CUDA kernels against PyTorch + cuDNN on the same GPU.

One training step = forward + MSE on a linear head + backward through time +
Adam, float32, as in ``bench_kernels.py``. Configs: DESIGN §5 (batch 64,
sequence 48, input 1/8, hidden 32/64/128, 1/2 layers; batch 256, sequence 168,
input 8, hidden 128) plus a large batch (1024), for the LSTM, GRU and Elman RNN;
and the many-small-models case: ``K`` independent GRU(32) models, one training
step each, as ``K`` sequential steps on both sides (rnnforecast has no fused
many-models launch yet; this row is its baseline).

The current CUDA path runs the recurrent layers on the GPU and keeps their
per-step buffers there; the head, loss and Adam run on the CPU and the layer
inputs, outputs and gradients cross every step, so expect PyTorch to win until
training stays on the device (issue 5).

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
from rnnforecast._device import resolve_device  # noqa: E402
from rnnforecast._layout import initialize_parameters, make_layout  # noqa: E402
from rnnforecast.network import RecurrentNetwork  # noqa: E402
from rnnforecast.optimizers import Adam  # noqa: E402
from rnnforecast.training import train_step  # noqa: E402

CELLS = ("lstm", "gru", "rnn")
SHAPES = [(64, 48, i, h, layers) for i in (1, 8) for h in (32, 64, 128) for layers in (1, 2)]
SHAPES += [(256, 168, 8, 128, 1), (1024, 48, 8, 64, 1)]


def _ours(cell, batch, steps, inputs, hidden, layers, repeats):
    rng = np.random.default_rng(0)
    layout = make_layout(cell, inputs, hidden, layers, 1)
    params = initialize_parameters(layout, rng, dtype=np.float32)
    grad = np.zeros_like(params)
    network = RecurrentNetwork(layout, device="cuda")
    optimizer = Adam(params.size, learning_rate=1e-3, dtype=np.float32)
    x = rng.normal(size=(batch, steps, inputs)).astype(np.float32)
    y = rng.normal(size=(batch, 1)).astype(np.float32)
    train_step(network, optimizer, params, grad, x, y)  # compile and allocate
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        train_step(network, optimizer, params, grad, x, y)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _torch(cell, batch, steps, inputs, hidden, layers, repeats):
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    device = torch.device("cuda")
    recurrent = module(inputs, hidden, layers, batch_first=True).to(device)
    head = torch.nn.Linear(hidden, 1).to(device)
    optimizer = torch.optim.Adam([*recurrent.parameters(), *head.parameters()], lr=1e-3)
    x = torch.randn(batch, steps, inputs, device=device)
    y = torch.randn(batch, 1, device=device)

    def step():
        optimizer.zero_grad()
        output, _ = recurrent(x)
        loss = torch.nn.functional.mse_loss(head(output[:, -1]), y)
        loss.backward()
        optimizer.step()

    step()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
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
    parser.add_argument("--models", type=int, default=16, help="K of the many-small-models row")
    parser.add_argument("--smoke", action="store_true", help="one tiny config, one repeat (for the simulator)")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    resolve_device("cuda")  # a clear error when no GPU (or simulator) is usable
    shapes, cells, repeats, models = SHAPES, CELLS, args.repeats, args.models
    if args.smoke:
        shapes, cells, repeats, models = [(4, 3, 1, 2, 1)], ("gru",), 1, 2
    rows = []
    for cell in cells:
        for batch, steps, inputs, hidden, layers in shapes:
            ours = _ours(cell, batch, steps, inputs, hidden, layers, repeats)
            peer = _torch(cell, batch, steps, inputs, hidden, layers, repeats)
            rows.append((f"{cell} B{batch} T{steps} I{inputs} H{hidden} L{layers}", ours, peer))
            print(rows[-1], flush=True)
    small = (4, 3, 1, 2, 1) if args.smoke else (32, 48, 1, 32, 1)
    ours = models * _ours("gru", *small, repeats)
    peer = _torch("gru", *small, repeats)
    rows.append((f"{models} x gru B{small[0]} T{small[1]} H{small[3]}, sequential", ours, None if peer is None
                 else models * peer))  # fmt: skip
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {_device_name()} (host {platform.machine()}), rnnforecast "
        f"{__version__}; medians of {repeats} float32 training steps; ratio = PyTorch time / ours.",
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
