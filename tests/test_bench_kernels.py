"""benchmarks/bench_kernels.py: the ceiling column and the peer table's layout (no timing is asserted)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_kernels  # noqa: E402


def _row(cell="rnn", hidden=32, layers=1, threads=1, train_ms=3.0, predict_ms=1.0):
    return dict(
        threads=threads, cell=cell, batch=64, steps=48, inputs=8, hidden=hidden, layers=layers,
        train_ours_ms=train_ms / 2, train_best="jax", train_best_ms=train_ms, train_ratio=2.0,
        predict_ours_ms=predict_ms, predict_best="torch", predict_best_ms=predict_ms, predict_ratio=1.0,
    )  # fmt: skip


def test_ceiling_is_the_peer_time_over_the_time_at_the_gemm_rate():
    forward = 2 * 1 * 32 * (8 + 32) * 64 * 48  # one Elman layer: W (H, I + H) times 64 x 48 columns
    assert bench_kernels.training_flops("rnn", _row()) == 3 * forward
    assert bench_kernels.ceiling(_row(), "predict", 100.0) == pytest.approx(1e-3 * 100e9 / forward)
    assert bench_kernels.ceiling(_row(), "train", 100.0) == pytest.approx(3e-3 * 100e9 / (3 * forward))
    two_layers = _row(cell="lstm", hidden=64, layers=2)
    assert bench_kernels.training_flops("lstm", two_layers) == 3 * 2 * 4 * 64 * ((8 + 64) + (64 + 64)) * 64 * 48


def test_the_peer_table_shows_ratios_and_ceilings_per_thread_count():
    rows = [_row(threads=1), _row(threads=2, predict_ms=0.5)]
    info = dict(cpu="test CPU", cores=2, gemm_gflops=100.0, gemm_gflops_by_threads={1: 100.0, 2: 200.0})
    text = bench_kernels.peer_markdown(rows, {"ours": "0", "torch": "2"}, info, "cmd", blocks=3)
    lines = [line for line in text.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert len(lines) == 2 and all(line.count("|") == 12 for line in lines)
    one, two = (float(line.split("|")[11]) for line in lines)
    assert one == pytest.approx(two)  # half the time at twice the GEMM rate: the same ceiling
    assert "**2.00**" in lines[0] and "| 1.00 |" in lines[0]
