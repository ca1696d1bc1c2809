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


FAKE_PEER = """
import sys
import numpy as np
data = np.load(sys.argv[1])
values, cutoffs, horizon = data["values"], data["cutoffs"], int(data["horizon"])
mean = np.repeat(values[cutoffs][:, None], horizon, axis=1)  # the naive forecast, as a stand-in peer
np.savez(sys.argv[2], names=np.array(["Fake"]), Fake_mean=mean, Fake_lo=mean - 1e9, Fake_hi=mean + 1e9,
         Fake_seconds=1.0)
"""


def _run_with_fake_peer(tmp_path, monkeypatch, attribute, source, argv):
    """Run bench_wide on two origins of the stock with ``source`` as the peer script ``attribute``: the table."""
    script = tmp_path / f"fake_{attribute.lower()}.py"
    script.write_text(source)
    monkeypatch.setattr(bench_wide, attribute, script)
    monkeypatch.setattr(bench_wide, "PEER_CACHE", tmp_path / "cache")
    results = tmp_path / "RESULTS.md"
    bench_wide.main(["--series", "stock", "--origins", "2", *argv, "--write", str(results)])
    return results.read_text().splitlines()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_peers_run_in_their_own_process_on_the_same_origins(tmp_path, monkeypatch):
    argv = ["--seeds", "0", "--config", "fast:max_iter=3,hidden_size=4", "--peers", sys.executable]
    lines = _run_with_fake_peer(tmp_path, monkeypatch, "PEERS", FAKE_PEER, argv)
    naive = next(line for line in lines if line.startswith("| stock | naive"))
    fake = next(line for line in lines if line.startswith("| stock | Fake"))
    assert naive.split("|")[3:6] == fake.split("|")[3:6]  # same forecasts, same origins: the same score
    assert "| 1.000 | 0.5 |" in fake  # every point inside its huge interval; 1 s over 2 origins
    assert len(list((tmp_path / "cache").glob("stock-2-*.npz"))) == 1  # cached for the next configuration


def test_every_wide_series_loads_with_its_kind_and_horizon():
    from wide_series import WIDE_SERIES, load_wide_series

    kinds = {spec.kind for spec in WIDE_SERIES.values()}
    assert {"stock", "weather", "traffic", "load"} <= kinds
    for name, spec in WIDE_SERIES.items():
        series = load_wide_series(name)
        assert series.index.is_monotonic_increasing and not series.index.has_duplicates, name
        assert len(series) > 12 * spec.horizon + 500, name
        assert series.notna().mean() > 0.9, name


FAKE_RNN_PEER = """
import sys
import numpy as np
data = np.load(sys.argv[1])
values, cutoffs, horizon, seed = data["values"], data["cutoffs"], int(data["horizon"]), int(sys.argv[3])
mean = np.repeat(values[cutoffs][:, None], horizon, axis=1) + seed  # the naive forecast, off by the seed
name = f"fake[{seed}]"
np.savez(sys.argv[2], names=np.array([name]), **{name + "_mean": mean, name + "_lo": mean - 1e9,
         name + "_hi": mean + 1e9, name + "_seconds": 2.0})
"""


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_rnn_peer_runs_once_per_seed_into_one_row(tmp_path, monkeypatch):
    argv = ["--seeds", "0", "1", "--config", "none", "--rnn-peer", sys.executable]
    lines = _run_with_fake_peer(tmp_path, monkeypatch, "RNN_PEER", FAKE_RNN_PEER, argv)
    row = next(line for line in lines if "darts RNNModel" in line).split("|")
    seed0, seed1 = (float(v) for v in row[3].split("/"))
    assert seed0 == 1.0 and seed1 > 1.0  # seed 0 is the naive forecast; seed 1 is off by one
    assert float(row[5]) == pytest.approx(seed1 - seed0, abs=1e-3) and row[-2].strip() == "1.0"
    assert len(list((tmp_path / "cache").glob("stock-fake_rnn_peer-2-*.npz"))) == 2  # one per seed
