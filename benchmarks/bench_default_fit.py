"""The default forecaster's cost: a fit of 3,000 hourly points (seconds, peak memory) and its compile time.

The accuracy issue bounds the default fit of a 3,000-point hourly series (at most
twice the time it took when the issue was filed); the kernel issue bounds the
cold compile of one default fit + predict (15 s) and the first-fit overhead
with a warm cache (1 s). This script measures all three on real data (the
first 3,000 hours of the bundled Shanghai temperature), each in a fresh process:

* ``cold``: an empty numba cache (``NUMBA_CACHE_DIR`` in a temporary folder), one
  fit + predict; compile time = that first fit + predict minus a steady one;
* ``warm``: the same cache, now filled, in a new process: first fit + predict
  minus a steady one;
* ``steady``: the median of ``--repeats`` further fits in that process, and the
  peak of traced Python memory (``tracemalloc``) during one of them.

Run with ``PYTHONPATH`` pointing at another checkout to measure that one::

    python benchmarks/bench_default_fit.py [--repeats 3] [--threads 1]
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

PROBE = textwrap.dedent(
    """
    import json, time, tracemalloc, warnings
    started = time.perf_counter()
    from rnnforecast import RNNForecaster
    from rnnforecast.demo import DEMO_SERIES, load_demo_series
    imported = time.perf_counter() - started
    y = load_demo_series("weather_hourly").iloc[:3000]
    options = {{k: v for k, v in DEMO_SERIES["weather_hourly"].options.items() if k != "max_train_size"}}
    warnings.simplefilter("ignore")

    def once():
        t0 = time.perf_counter()
        RNNForecaster(horizon=24, random_state=0, n_jobs={threads}, **options).fit(y).predict()
        return time.perf_counter() - t0

    first = once()
    steady = sorted(once() for _ in range({repeats}))
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps(dict(import_seconds=imported, first=first, steady=steady[len(steady) // 2], peak_mb=peak / 2**20)))
    """
)


def probe(env, repeats, threads):
    """Run :data:`PROBE` in a fresh process with ``env``; its JSON result."""
    output = subprocess.run(
        [sys.executable, "-c", PROBE.format(repeats=repeats, threads=threads)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="steady fits timed after the first (median)")
    parser.add_argument("--threads", type=int, default=1, help="n_jobs of the forecaster")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = probe(env, args.repeats, args.threads)
        warm = probe(env, args.repeats, args.threads)
    print(f"machine: {platform.machine()} {platform.processor()}, {os.cpu_count()} cores, n_jobs={args.threads}")
    print(f"default fit + predict of 3,000 hourly points: {warm['steady']:.2f} s (median of {args.repeats})")
    print(f"peak traced memory of one fit + predict: {warm['peak_mb']:.1f} MB")
    print(f"cold compile (empty cache): {cold['first'] - cold['steady']:.1f} s")
    overhead = warm["first"] - warm["steady"]
    print(f"warm-cache first fit overhead: {overhead:.2f} s (import {warm['import_seconds']:.2f} s)")
    return cold, warm


if __name__ == "__main__":
    main()
