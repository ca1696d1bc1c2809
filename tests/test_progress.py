"""Progress under a real pseudo-terminal (a bar redrawn in place), in logs (lines) and for many models."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import textwrap

import pytest

from rnnforecast.nn.progress import TaskProgress, live_display, task_verbosity


def _run_in_pty(script: str) -> str:
    """Run ``script`` with standard error on a pseudo-terminal; what the terminal received."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a real terminal has a size
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    received = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    process.wait(timeout=120)
    os.close(master)
    assert process.returncode == 0, received.decode(errors="replace")
    return received.decode(errors="replace")


FIT = textwrap.dedent(
    """
    import warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    from rnnforecast import RNNForecaster
    t = np.arange(300)
    y = pd.Series(10 + np.sin(t / 3.0), index=pd.date_range("2024-01-01", periods=300, freq="D"))
    RNNForecaster(horizon=3, n_steps=14, hidden_size=4, max_iter=6, n_iter_no_change=50, random_state=0,
                  verbose={verbose}).fit(y)
    """
)


def test_a_terminal_gets_a_live_bar_with_loss_validation_and_best_epoch():
    screen = _run_in_pty(FIT.format(verbose=1))
    assert "\r" in screen  # redrawn in place, not one line per epoch
    assert "6/6" in screen and "loss=" in screen and "validation=" in screen and "best=" in screen


def test_verbose_2_prints_one_line_per_epoch_even_on_a_terminal():
    screen = _run_in_pty(FIT.format(verbose=2))
    lines = [line for line in screen.replace("\r", "\n").splitlines() if line.startswith("epoch ")]
    assert len(lines) == 6 and lines[-1].startswith("epoch 6/6  loss ")


def test_per_series_fits_count_models_and_hide_their_epochs():
    script = FIT.replace("RNNForecaster(", "RNNForecaster(scope='local', ").replace(
        "fit(y)", "fit(pd.DataFrame({{'a': y, 'b': y * 2, 'c': y + 1}}))"
    )
    screen = _run_in_pty(script.format(verbose=1))
    assert "series fitted" in screen and "3/3" in screen and "loss=" not in screen
    logged = subprocess.run([sys.executable, "-c", script.format(verbose=1)], capture_output=True, text=True)
    assert logged.stderr.strip().splitlines() == [
        "series fitted: 1/3 done (a)", "series fitted: 2/3 done (b)", "series fitted: 3/3 done (c)"
    ]  # fmt: skip


def test_task_verbosity_and_a_closed_stream():
    assert task_verbosity(1, 1) == (0, 1) and task_verbosity(1, 5) == (1, 0) and task_verbosity(2, 5) == (2, 2)
    assert task_verbosity(0, 5) == (0, 0)

    class Closed:
        def isatty(self):
            raise ValueError("I/O operation on closed file")

    assert live_display(Closed()) is False


def test_task_progress_lines(capsys):
    with TaskProgress(2, 2, "backtest refits") as progress:
        assert list(progress.iterate(iter(["x", "y"]))) == ["x", "y"]
    assert capsys.readouterr().err.splitlines() == ["backtest refits: 1/2 done", "backtest refits: 2/2 done"]


@pytest.mark.parametrize("verbose", [0, False])
def test_silent_levels(verbose, capsys):
    with TaskProgress(3, verbose) as progress:
        progress.advance()
    assert capsys.readouterr().err == ""
