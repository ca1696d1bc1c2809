"""benchmarks/bench_many.py: K models trained together are bit-identical to one-by-one fits, and reported."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_many  # noqa: E402


def test_models_trained_together_match_one_by_one_and_the_section_is_written(tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    bench_many.main(["--models", "3", "--threads", "1", "2", "--repeats", "1", "--write", str(results)])
    text = results.read_text()
    assert "<!-- bench_many -->" in text and "| together (`train_jobs`) | 2 |" in text
    assert "NO" not in text.split("| weights bit-identical |")[1]  # every way gave the reference weights
    assert "inside the compiled kernels" in capsys.readouterr().out
