"""Kernel benchmark: rnnforecast vs PyTorch CPU, same process, same thread count.

For every cell and every configuration of DESIGN section 5 it times, in float32,

* forward only (prediction of the linear head on the last step), and
* one training step: forward + MSE on a linear head + backward + Adam,

for rnnforecast and for ``torch.nn.{LSTM,GRU,RNN}`` at 1 and 2 threads, and
reports medians, the ratio (torch time / rnnforecast time), and the achieved
GFLOP/s of our training step against a float32 GEMM rate measured in the same run.
It also measures, in fresh subprocesses, the cold-compile time of everything one
training step + prediction needs and the first-call overhead with a warm cache.

The peephole LSTM has no PyTorch module; its rows compare against ``nn.LSTM``
(the closest fused peer, which does slightly less work).

Usage::

    python benchmarks/bench_kernels.py                 # full table, printed
    python benchmarks/bench_kernels.py --write benchmarks/RESULTS.md
    python benchmarks/bench_kernels.py --quick         # a few configs, for a smoke run
    python benchmarks/bench_kernels.py --peers ../kpeers/bin/python --write benchmarks/RESULTS.md

``--peers PYTHON`` (an environment with torch, jax and tensorflow-cpu: ``benchmarks/peers.sh
--kernels``) times ours, PyTorch, JAX and Keras 3 each in its own persistent process
(``peer_kernels.py``) pinned to the same cores, block by block in rotation, and reports the
ratio against the fastest peer (section ``bench_kernels_peers``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import peer_kernels  # noqa: E402
from _results import write_section  # noqa: E402

from rnnforecast.nn.layout import initialize_parameters, make_layout  # noqa: E402
from rnnforecast.nn.network import RecurrentNetwork  # noqa: E402
from rnnforecast.nn.optimizers import Adam  # noqa: E402
from rnnforecast.nn.threads import thread_scope  # noqa: E402
from rnnforecast.nn.training import train_step  # noqa: E402

GATES = peer_kernels.GATES
CELLS = ["lstm", "gru", "rnn", "peephole"]


def configs(quick: bool):
    """DESIGN section 5: B64 T48, I in {1, 8}, H in {32, 64, 128}, L in {1, 2}; and B256 T168 I8 H128."""
    small = [
        dict(batch=64, steps=48, inputs=i, hidden=h, layers=l) for l in (1, 2) for i in (1, 8) for h in (32, 64, 128)
    ]
    large = [dict(batch=256, steps=168, inputs=8, hidden=128, layers=1)]
    if quick:
        return [dict(batch=64, steps=48, inputs=8, hidden=64, layers=1)]
    return small + large


def median_seconds(function, min_repeats=5, min_total=0.4, warmup=2):
    for _ in range(warmup):
        function()
    times = []
    started = time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - started < min_total:
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
        if len(times) >= 200:
            break
    return float(np.median(times))


def training_flops(cell, config):
    """Nominal GEMM flops of one training step: 3x the forward products (fwd, dW, dX/dH)."""
    g, h, n, t = GATES[cell], config["hidden"], config["batch"], config["steps"]
    total = 0
    for k in range(config["layers"]):
        width = config["inputs"] if k == 0 else h
        total += 2 * g * h * (width + h) * n * t
    return 3 * total


class Ours:
    def __init__(self, cell, config, seed=0):
        rng = np.random.default_rng(seed)
        self.layout = make_layout(cell, config["inputs"], config["hidden"], config["layers"], 1)
        self.params = initialize_parameters(self.layout, rng)
        self.grad = np.zeros_like(self.params)
        self.network = RecurrentNetwork(self.layout)
        self.optimizer = Adam(self.params.size)
        self.x = rng.standard_normal((config["batch"], config["steps"], config["inputs"])).astype(np.float32)
        self.y = rng.standard_normal((config["batch"], 1)).astype(np.float32)

    def forward(self):
        self.network.forward(self.params, self.x)

    def train(self):
        train_step(self.network, self.optimizer, self.params, self.grad, self.x, self.y)


def gemm_rate(n_threads, size=512):
    """float32 GEMM GFLOP/s of NumPy's BLAS at this thread count (the ceiling we compare with)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    out = np.empty_like(a)
    with threadpool_limits(limits=n_threads, user_api="blas"):
        seconds = median_seconds(lambda: np.matmul(a, b, out=out), min_repeats=10, min_total=1.0)
    return 2 * size**3 / seconds / 1e9


def machine_info():
    import llvmlite
    import numba
    import scipy
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "rnnforecast_threads": "Python thread pool over nogil numba kernels (rnnforecast.nn.threads.run_chunks)",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "blas": [
            f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture')} ({Path(lib['filepath']).name})"
            for lib in threadpool_info()
            if lib.get("user_api") == "blas"
        ],
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_parallel"] = torch.__config__.parallel_info().splitlines()[0]
    except ImportError:
        info["torch"] = "not installed"
    return info


COMPILE_PROBE = textwrap.dedent(
    """
    import json, time
    t0 = time.perf_counter()
    import numpy as np
    from rnnforecast.nn.threads import thread_scope
    from rnnforecast.nn.layout import initialize_parameters, make_layout
    from rnnforecast.nn.network import RecurrentNetwork
    from rnnforecast.nn.optimizers import Adam
    from rnnforecast.nn.training import train_step
    t_import = time.perf_counter() - t0
    layout = make_layout("{cell}", 8, 64, 1, 1)
    params = initialize_parameters(layout, np.random.default_rng(0))
    grad = np.zeros_like(params)
    network = RecurrentNetwork(layout)
    optimizer = Adam(params.size)
    x = np.random.default_rng(1).standard_normal((64, 48, 8)).astype(np.float32)
    y = x[:, -1, :1].copy()
    def work():
        with thread_scope(-1):
            train_step(network, optimizer, params, grad, x, y)
            network.forward(params, x[:5])
    t0 = time.perf_counter(); work(); first = time.perf_counter() - t0
    t0 = time.perf_counter(); work(); second = time.perf_counter() - t0
    print(json.dumps(dict(import_seconds=t_import, first=first, steady=second)))
    """
)


CORETYPE_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from bench_kernels import Ours, gemm_rate, median_seconds
    from rnnforecast.nn.threads import thread_scope
    from threadpoolctl import threadpool_info
    config = dict(batch=64, steps=48, inputs=8, hidden=64, layers=1)
    result = dict(gemm_gflops=gemm_rate(1))
    with thread_scope(1):
        for cell in ("lstm", "gru"):
            result[cell + "_train_ms"] = 1e3 * median_seconds(Ours(cell, config).train)
    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    result["architecture"] = sorted({{str(lib.get("architecture")) for lib in blas}})
    print(json.dumps(result))
    """
)


def coretype_comparison():
    """GEMM rate and two training steps under the default and ``OPENBLAS_CORETYPE=Haswell`` (1 thread)."""
    results = {}
    for label, value in (("default", None), ("Haswell", "Haswell")):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("OPENBLAS_CORETYPE", None)
        if value:
            env["OPENBLAS_CORETYPE"] = value
        output = subprocess.run(
            [sys.executable, "-c", CORETYPE_PROBE.format(root=str(Path(__file__).parent))],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        ).stdout
        results[label] = json.loads(output.strip().splitlines()[-1])
    return results


def compile_times(cell):
    """Cold compile (empty cache) and warm-cache first call, each in a fresh process."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        results = []
        for _ in range(2):
            output = subprocess.run(
                [sys.executable, "-c", COMPILE_PROBE.format(cell=cell)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
    cold, warm = results
    return {
        "cold_compile_s": cold["first"] - cold["steady"],
        "warm_first_call_overhead_s": warm["first"] - warm["steady"],
        "import_s": warm["import_seconds"],
    }


def run(quick, threads):
    import torch

    rows = []
    for n_threads in threads:
        torch.set_num_threads(n_threads)
        ceiling = gemm_rate(n_threads)
        for config in configs(quick):
            for cell in CELLS:
                ours = Ours(cell, config)
                torch_train, torch_forward = peer_kernels.BUILDERS["torch"](cell, config, n_threads)
                with thread_scope(n_threads):
                    ours_fwd = median_seconds(ours.forward)
                    ours_train = median_seconds(ours.train)
                theirs_fwd = median_seconds(torch_forward)
                theirs_train = median_seconds(torch_train)
                gflops = training_flops(cell, config) / ours_train / 1e9
                row = dict(
                    threads=n_threads,
                    cell=cell,
                    **config,
                    ours_fwd_ms=ours_fwd * 1e3,
                    torch_fwd_ms=theirs_fwd * 1e3,
                    fwd_ratio=theirs_fwd / ours_fwd,
                    ours_train_ms=ours_train * 1e3,
                    torch_train_ms=theirs_train * 1e3,
                    train_ratio=theirs_train / ours_train,
                    gflops=gflops,
                    gemm_gflops=ceiling,
                    gemm_fraction=gflops / ceiling,
                )
                rows.append(row)
                print(
                    f"{n_threads}T {cell:8s} B{config['batch']} T{config['steps']} I{config['inputs']} "
                    f"H{config['hidden']} L{config['layers']}: fwd {row['ours_fwd_ms']:.2f} vs "
                    f"{row['torch_fwd_ms']:.2f} ms ({row['fwd_ratio']:.2f}x), train {row['ours_train_ms']:.2f} vs "
                    f"{row['torch_train_ms']:.2f} ms ({row['train_ratio']:.2f}x), {gflops:.0f} GFLOP/s "
                    f"= {100 * row['gemm_fraction']:.0f}% of GEMM {ceiling:.0f}",
                    flush=True,
                )
    return rows


PEERS = ("torch", "jax", "keras")


class Worker:
    """A persistent ``peer_kernels.py`` process of one framework, pinned to ``cores``."""

    def __init__(self, python, framework, threads, cores):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.framework = framework
        self.process = subprocess.Popen(
            [python, str(Path(__file__).with_name("peer_kernels.py")), framework, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
        hello = json.loads(self.process.stdout.readline() or '{"ready": false, "error": "no answer"}')
        self.version = hello.get("version") if hello.get("ready") else None
        if self.version is None:
            print(f"{framework}: not available ({hello.get('error')})", flush=True)
            self.close()

    def time(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["ms"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write('{"quit": true}\n')
            self.process.stdin.flush()
            self.process.wait(timeout=60)


def peer_rotation(peers_python, threads, quick, blocks, cells, min_total=0.3):
    """Ours and every available peer, each in its own process on the same cores, timed block by block in turn.

    Per configuration, cell and mode, each block asks every framework for the median of its calls over
    ``min_total`` seconds, in an order rotated from block to block. The ratio of a block is the fastest
    peer's time over ours; the row reports the median over blocks, and each framework's median time.
    """
    cores = set(range(threads))
    workers = [Worker(sys.executable, "ours", threads, cores)]
    workers += [Worker(peers_python, name, threads, cores) for name in PEERS]
    workers = [w for w in workers if w.version is not None]
    versions = {w.framework: w.version for w in workers}
    print("frameworks:", versions, flush=True)
    rows = []
    try:
        for config in (c for c in configs(quick) if c["inputs"] == 8):
            for cell in cells:
                row = dict(threads=threads, cell=cell, **config)
                for mode in ("train", "predict"):
                    times = {w.framework: [] for w in workers}
                    request = dict(cell=cell, **config, mode=mode, min_total=min_total)
                    for block in range(blocks):
                        shift = block % len(workers)
                        for worker in workers[shift:] + workers[:shift]:
                            times[worker.framework].append(worker.time(request))
                    peers = [name for name in times if name != "ours"]
                    ratios = [min(times[p][b] for p in peers) / times["ours"][b] for b in range(blocks)]
                    medians = {name: float(np.median(values)) for name, values in times.items()}
                    best = min(peers, key=medians.get)
                    row.update(
                        {f"{mode}_{name}_ms": value for name, value in medians.items()},
                        **{
                            f"{mode}_best": best,
                            f"{mode}_best_ms": medians[best],
                            f"{mode}_ratio": float(np.median(ratios)),
                        },
                    )
                rows.append(row)
                print(
                    f"{threads}T {cell:8s} B{config['batch']} T{config['steps']} H{config['hidden']} "
                    f"L{config['layers']}: train {row['train_ours_ms']:.2f} ms vs {row['train_best']} "
                    f"{row['train_best_ms']:.2f} ({row['train_ratio']:.2f}x), predict "
                    f"{row['predict_ours_ms']:.2f} vs {row['predict_best']} "
                    f"{row['predict_best_ms']:.2f} ({row['predict_ratio']:.2f}x)",
                    flush=True,
                )
    finally:
        for worker in workers:
            worker.close()
    return rows, versions


def ceiling(row, mode, gemm_gflops):
    """The largest ratio over the fastest peer that a kernel running at the machine's GEMM rate could reach.

    The peer does at least the nominal GEMM arithmetic of the cell (:func:`training_flops`; a third of it
    for prediction); a kernel doing the same arithmetic at ``gemm_gflops`` (a large square sgemm, which the
    per-step products of a recurrence, a few dozen columns wide, never reach) takes
    ``flops / gemm_gflops``. Below 1.5 the target needs less arithmetic than the peer does, not a faster kernel.
    """
    flops = training_flops(row["cell"], row) / (1 if mode == "train" else 3)
    return row[f"{mode}_best_ms"] * 1e-3 * gemm_gflops * 1e9 / flops


def peer_markdown(rows, versions, info, command, blocks, min_total=0.3):
    """The table of ``peer_rotation`` rows against the fastest peer, with each row's :func:`ceiling`."""
    lines = [
        "# Kernels against the fastest peer (`benchmarks/bench_kernels.py --peers`)",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} on {info['cpu']} ({info['cores']} cores), "
        f"float32, NumPy GEMM {info.get('gemm_gflops', float('nan')):.0f} GFLOP/s at 1 thread. Each framework "
        "runs in its own persistent process, all pinned to the same cores, asked in turn for",
        f"the median time of its calls over {min_total:g} s, {blocks} blocks in rotated order; ratio = median "
        "over blocks of (fastest peer's time / ours), **bold at 1.5x and above** (the issue's target). "
        "Frameworks: " + ", ".join(f"{name} {version}" for name, version in versions.items()) + ". JAX: jitted "
        "`lax.scan` cell, jitted value-and-grad + Adam; Keras 3 on TensorFlow: `tf.function(jit_compile=True)` "
        "forward and train step. Peephole rows time the peers' LSTM (no peer has a peephole cell). "
        "Ceiling = the ratio a kernel doing the cell's nominal GEMM arithmetic at the machine's large-GEMM "
        "rate would reach against that peer (`ceiling` in the script): where it is under 1.5, no kernel doing "
        "the peer's arithmetic can reach the target.",
        "",
        "| threads | cell | B T I H L | train ours (ms) | fastest peer (ms) | ratio | ceiling | predict ours (ms) "
        "| fastest peer (ms) | ratio | ceiling |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rates = info.get("gemm_gflops_by_threads", {})

    def ratio(value):
        return f"**{value:.2f}**" if value >= 1.5 else f"{value:.2f}"

    for r in rows:
        shape = f"{r['batch']} {r['steps']} {r['inputs']} {r['hidden']} {r['layers']}"
        rate = rates.get(r["threads"], info.get("gemm_gflops", float("nan")))
        lines.append(
            f"| {r['threads']} | {r['cell']} | {shape} | {r['train_ours_ms']:.3f} | {r['train_best']} "
            f"{r['train_best_ms']:.3f} | {ratio(r['train_ratio'])} | {ceiling(r, 'train', rate):.2f} | "
            f"{r['predict_ours_ms']:.3f} | {r['predict_best']} {r['predict_best_ms']:.3f} | "
            f"{ratio(r['predict_ratio'])} | {ceiling(r, 'predict', rate):.2f} |"
        )
    lines.append("")
    return "\n".join(lines)


def target_checks(rows, compile_rows):
    """DESIGN section 5 targets: one line per target with the worst row and every miss."""

    def small(r):
        return r["batch"] == 64

    checks = [
        (
            "LSTM training, H <= 64 (B64)",
            2.5,
            "train_ratio",
            lambda r: r["cell"] == "lstm" and small(r) and r["hidden"] <= 64,
        ),
        (
            "LSTM training, H = 128 (B64)",
            1.3,
            "train_ratio",
            lambda r: r["cell"] == "lstm" and small(r) and r["hidden"] == 128,
        ),
        ("LSTM training, large config", 2.5, "train_ratio", lambda r: r["cell"] == "lstm" and not small(r)),
        ("GRU and RNN training, all configs", 4.0, "train_ratio", lambda r: r["cell"] in ("gru", "rnn")),
        ("forward, all cells, H <= 64", 2.0, "fwd_ratio", lambda r: r["hidden"] <= 64),
        ("GFLOP/s >= 70% of GEMM, H >= 64", 0.70, "gemm_fraction", lambda r: r["hidden"] >= 64),
    ]
    lines = ["| target | threshold | rows meeting it | worst row |", "|---|---|---|---|"]
    for label, threshold, key, select in checks:
        chosen = [r for r in rows if select(r)]
        if not chosen:
            continue
        good = sum(r[key] >= threshold for r in chosen)
        worst = min(chosen, key=lambda r: r[key])
        lines.append(
            f"| {label} | {threshold:g} | {good}/{len(chosen)} | {worst[key]:.2f} ({worst['threads']}T {worst['cell']} "
            f"B{worst['batch']} I{worst['inputs']} H{worst['hidden']} L{worst['layers']}) |"
        )
    for cell, values in compile_rows.items():
        lines.append(
            f"| cold compile {cell} <= 15 s; warm first call <= 1 s | 15 / 1 | "
            f"{'yes' if values['cold_compile_s'] <= 15 and values['warm_first_call_overhead_s'] <= 1 else 'no'} | "
            f"{values['cold_compile_s']:.1f} s / {values['warm_first_call_overhead_s']:.2f} s |"
        )
    return lines


def markdown(rows, compile_rows, info, command, coretypes=None):
    lines = [
        "# Kernel benchmark results",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}. Float32; medians of repeated runs in one process;",
        "ratio = PyTorch time / rnnforecast time (higher is better for us). One training step = forward +",
        "MSE on a linear head (last step) + backward through time + Adam. GFLOP/s counts the nominal GEMM",
        "work of the training step (3x the forward products) and is compared with NumPy's float32 GEMM",
        "(512x512x512) measured in the same run at the same thread count. Peephole rows compare with",
        "`torch.nn.LSTM` (PyTorch has no peephole LSTM).",
        "",
        "## Machine",
        "",
    ]
    for key, value in info.items():
        lines.append(f"- {key}: {value}")
    lines += [
        "",
        "## Compile and start-up (fresh processes, LSTM/GRU/RNN/peephole H64 training step + predict)",
        "",
        "| cell | cold compile (s) | warm-cache first-call overhead (s) | import (s) |",
        "|---|---|---|---|",
    ]
    for cell, values in compile_rows.items():
        lines.append(
            f"| {cell} | {values['cold_compile_s']:.1f} | {values['warm_first_call_overhead_s']:.2f} | "
            f"{values['import_s']:.2f} |"
        )
    if coretypes:
        lines += [
            "",
            "## OPENBLAS_CORETYPE (fresh processes, 1 thread, B64 T48 I8 H64 L1)",
            "",
            "| OPENBLAS_CORETYPE | BLAS kernels | GEMM GFLOP/s | LSTM train (ms) | GRU train (ms) |",
            "|---|---|---|---|---|",
        ]
        for label, values in coretypes.items():
            lines.append(
                f"| {label} | {', '.join(map(str, values['architecture']))} | {values['gemm_gflops']:.0f} | "
                f"{values['lstm_train_ms']:.2f} | {values['gru_train_ms']:.2f} |"
            )
    lines += ["", "## Against the targets of DESIGN section 5", ""] + target_checks(rows, compile_rows)
    lines += [
        "",
        "## Timings",
        "",
        "| threads | cell | B | T | I | H | L | fwd ours (ms) | fwd torch (ms) | fwd ratio | train ours (ms) "
        "| train torch (ms) | train ratio | GFLOP/s | % of GEMM |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['threads']} | {r['cell']} | {r['batch']} | {r['steps']} | {r['inputs']} | {r['hidden']} | "
            f"{r['layers']} | {r['ours_fwd_ms']:.2f} | {r['torch_fwd_ms']:.2f} | {r['fwd_ratio']:.2f} | "
            f"{r['ours_train_ms']:.2f} | {r['torch_train_ms']:.2f} | {r['train_ratio']:.2f} | "
            f"{r['gflops']:.0f} | {100 * r['gemm_fraction']:.0f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one configuration only")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--write", type=Path, help="write the Markdown table here")
    parser.add_argument("--no-compile", action="store_true", help="skip the subprocess compile-time probes")
    parser.add_argument(
        "--peers",
        metavar="PYTHON",
        help="Python of an environment with torch, jax and tensorflow (benchmarks/peers.sh --kernels): time "
        "every framework in its own pinned process, in rotation, against the fastest peer",
    )
    parser.add_argument("--blocks", type=int, default=5, help="rotation blocks per row (with --peers)")
    parser.add_argument("--cells", nargs="+", default=CELLS, choices=CELLS, help="cells to time (with --peers)")
    args = parser.parse_args(argv)
    if args.peers:
        info = machine_info()
        info["gemm_gflops"] = gemm_rate(1)
        info["gemm_gflops_by_threads"] = {n: (info["gemm_gflops"] if n == 1 else gemm_rate(n)) for n in args.threads}
        rows, versions = [], {}
        for n_threads in args.threads:
            found, versions = peer_rotation(args.peers, n_threads, args.quick, args.blocks, args.cells)
            rows += found
        command = "python benchmarks/bench_kernels.py --peers PYTHON" + (" --quick" if args.quick else "")
        text = peer_markdown(rows, versions, info, command, args.blocks)
        print(text)
        if args.write:
            write_section(args.write, "bench_kernels_peers", text)
            print(f"wrote {args.write}")
        return rows
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("bench_kernels.py needs PyTorch as the peer: pip install torch==2.13.0")
    info = machine_info()
    print(json.dumps(info, indent=1))
    compile_rows = {}
    coretypes = None
    if not args.no_compile:
        for cell in CELLS:
            compile_rows[cell] = compile_times(cell)
            print(cell, compile_rows[cell], flush=True)
        coretypes = coretype_comparison()
        print("OPENBLAS_CORETYPE", coretypes, flush=True)
    rows = run(args.quick, args.threads)
    command = "python benchmarks/bench_kernels.py" + (" --quick" if args.quick else "")
    text = markdown(rows, compile_rows, info, command, coretypes)
    if args.write:
        write_section(args.write, "bench_kernels", text)
        print(f"wrote {args.write}")
    return rows


if __name__ == "__main__":
    main()
