"""K small same-shaped networks trained on the CPU: one by one against together (DESIGN section 5).

The target of the kernels issue: K = 16 GRU(32) models trained together on the
CPU >= 5x faster than 16 sequential fits, bit-identical to them. Each model is a
:class:`~rnnforecast.nn.jobs.TrainingJob` (its own seed, data and weights) of the
shape an ensemble member or a per-series model has (B64 T48, 512 windows, a
24-step head, a fixed number of epochs); the engine
(:func:`rnnforecast.nn.training.train_jobs`) trains them

* one by one: ``train_jobs([job])`` for each, at 1 thread;
* together: ``train_jobs(jobs)`` under ``thread_scope(threads)``, for each
  ``--threads`` count (side by side, one model per thread).

The script checks that every model's trained weights are bit-identical across
the ways, and profiles the one-by-one run to report the share of its time spent
inside the compiled kernels: with that share ``k``, no way of calling the same
kernels for K models at once can be faster than ``threads / k`` times the
one-by-one fits (the kernels' own work does not shrink when K models share a
call), which is the ceiling printed beside the measurement.

    python benchmarks/bench_many.py [--models 16] [--hidden 32] [--cell gru] [--threads 1 2] [--repeats 3]
        [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_section  # noqa: E402

from rnnforecast import __version__  # noqa: E402
from rnnforecast.nn.jobs import TrainingJob, TrainingOptions  # noqa: E402
from rnnforecast.nn.layout import initialize_parameters, make_layout  # noqa: E402
from rnnforecast.nn.network import RecurrentNetwork  # noqa: E402
from rnnforecast.nn.threads import thread_scope  # noqa: E402
from rnnforecast.nn.training import train_jobs  # noqa: E402

WINDOWS, STEPS, INPUTS, OUTPUTS, BATCH, EPOCHS = 512, 48, 1, 24, 64, 10


def make_jobs(models, cell, hidden):
    """``models`` training jobs of one shape, each with its own seed, data and initial weights."""
    jobs = []
    for k in range(models):
        rng = np.random.default_rng(k)
        layout = make_layout(cell, input_size=INPUTS, hidden_size=hidden, num_layers=1, output_size=OUTPUTS)
        params = initialize_parameters(layout, rng)
        x = rng.standard_normal((WINDOWS, STEPS, INPUTS)).astype(np.float32)
        y = rng.standard_normal((WINDOWS, OUTPUTS)).astype(np.float32)
        options = TrainingOptions(max_iter=EPOCHS, batch_size=BATCH, n_iter_no_change=EPOCHS + 1)
        jobs.append(TrainingJob(RecurrentNetwork(layout), params, x, y, rng, options=options))
    return jobs


def one_by_one(jobs):
    with thread_scope(1):
        for job in jobs:
            train_jobs([job])


def together(jobs, threads):
    with thread_scope(threads):
        train_jobs(jobs)


def timed(run, args, models, cell, hidden, repeats):
    """Median seconds of ``run(fresh jobs, *args)`` and the trained weights of the last run."""
    times = []
    for _ in range(repeats):
        jobs = make_jobs(models, cell, hidden)
        start = time.perf_counter()
        run(jobs, *args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), [job.params.copy() for job in jobs]


def kernel_share(models, cell, hidden):
    """Share of a one-by-one run's profiled time spent inside the compiled kernels (``rnnforecast/kernels``)."""
    jobs = make_jobs(models, cell, hidden)
    profile = cProfile.Profile()
    profile.enable()
    one_by_one(jobs)
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(entry[2] for entry in stats.values())
    inside = sum(entry[2] for (file, _, _), entry in stats.items() if f"rnnforecast{os.sep}kernels" in file)
    return inside / total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=16)
    parser.add_argument("--cell", default="gru", choices=["gru", "lstm", "rnn", "peephole"])
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # ConvergenceWarning: a fixed number of epochs is the point
    models, cell, hidden = args.models, args.cell, args.hidden
    with thread_scope(1):
        train_jobs(make_jobs(1, cell, hidden)[:1])  # compile
    base, reference = timed(one_by_one, (), models, cell, hidden, args.repeats)
    share = kernel_share(models, cell, hidden)
    rows = []
    for threads in args.threads:
        seconds, params = timed(together, (threads,), models, cell, hidden, args.repeats)
        identical = all(np.array_equal(a, b) for a, b in zip(reference, params, strict=True))
        rows.append((threads, seconds, identical))
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, rnnforecast "
        f"{__version__}; command: `python benchmarks/bench_many.py --models {models} --cell {cell} --hidden "
        f"{hidden} --threads {' '.join(map(str, args.threads))} --repeats {args.repeats}`. {models} {cell.upper()}"
        f"({hidden}) models, each {WINDOWS} windows of B{BATCH} T{STEPS} I{INPUTS}, a {OUTPUTS}-step head, "
        f"{EPOCHS} epochs, float32; median of {args.repeats} runs. One by one, "
        f"{share:.0%} of the profiled time is inside the compiled kernels.",
        "",
        "| how | threads | seconds | speed-up | ceiling (threads / kernel share) | weights bit-identical |",
        "|---|---|---|---|---|---|",
        f"| one by one | 1 | {base:.2f} | 1.00x | | (reference) |",
    ]
    for threads, seconds, identical in rows:
        lines.append(
            f"| together (`train_jobs`) | {threads} | {seconds:.2f} | {base / seconds:.2f}x | "
            f"{threads / share:.2f}x | {'yes' if identical else 'NO'} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, "bench_many", text)
    if not all(identical for _, _, identical in rows):
        sys.exit("trained weights differ between one-by-one and together")


if __name__ == "__main__":
    main()
