"""A smoke run of the wide accuracy benchmark (benchmarks/bench_wide.py) on two origins of the stock."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_wide  # noqa: E402


def test_parse_config_reads_python_literals():
    assert bench_wide.parse_config("noshrink:shrinkage=None,max_iter=5,cell='lstm'") == (
        "noshrink",
        {"shrinkage": None, "max_iter": 5, "cell": "lstm"},
    )
    assert bench_wide.parse_config("default") == ("default", {})


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_wide_protocol_scores_models_against_the_better_naive(tmp_path):
    results = tmp_path / "RESULTS.md"
    argv = ["--series", "stock", "--seeds", "0", "--origins", "2", "--config", "fast:max_iter=3,hidden_size=4"]
    bench_wide.main([*argv, "--write", str(results)])
    text = results.read_text()
    assert "<!-- bench_wide -->" in text and "| stock | fast |" in text
    naive_row = next(line for line in text.splitlines() if line.startswith("| stock | naive"))
    assert "| 1.000 |" in naive_row  # the naive forecast is the better naive here (season 1): score 1 by definition
