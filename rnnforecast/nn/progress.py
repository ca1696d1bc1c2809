"""Progress of long fits: a live bar on a terminal or in Jupyter, one line per step in a log, nothing at 0.

``verbose`` follows scikit-learn's habit of levels:

* ``0`` / ``False``: silent;
* ``1`` / ``True``: a tqdm bar (epoch, loss, validation loss, best epoch; or
  models done of total) when standard error is a terminal or a Jupyter kernel,
  and one line per epoch (or model) when it is a file or a pipe, so a log
  shows what a terminal would;
* ``2``: one line per epoch (or model) everywhere.

Lines and bars go to standard error, never standard output (which may carry a
forecast: ``rnnforecast forecast`` writes CSV there).
"""

from __future__ import annotations

import sys

__all__ = ["EpochProgress", "TaskProgress", "live_display", "task_verbosity"]


def live_display(stream=None) -> bool:
    """Whether ``stream`` (standard error) shows a live bar: a terminal, or a Jupyter kernel's output."""
    stream = sys.stderr if stream is None else stream
    if "ipykernel" in sys.modules and type(stream).__module__.startswith("ipykernel"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def task_verbosity(verbose, n_tasks: int) -> tuple[int, int]:
    """``(outer, inner)`` levels for ``n_tasks`` fits: one bar of models done, epoch lines only at level 2.

    A single task shows its epochs as it would alone; several show one bar
    (or line per model) of models done, and their epochs only with
    ``verbose=2`` (lines, which interleave readably where bars would not).
    """
    level = int(verbose or 0)
    if n_tasks <= 1:
        return 0, level
    return level, level if level >= 2 else 0


def _bar(total, unit, description):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, desc=description, leave=False, file=sys.stderr)


class _Progress:
    """Shared mechanics: a bar (live display, ``verbose == 1``), lines (``verbose >= 2`` or a log), or nothing."""

    unit = "step"

    def __init__(self, total: int, verbose, description: str | None = None):
        level = int(verbose or 0)
        self.total, self.description = total, description
        self.bar = _bar(total, self.unit, description) if level == 1 and live_display() else None
        self.lines = level >= 2 or (level == 1 and self.bar is None)

    def _line(self, text: str) -> None:
        print(text if self.description is None else f"{self.description}: {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class EpochProgress(_Progress):
    """One model's epochs: ``update(epoch, loss, validation_loss, best_epoch)`` after each."""

    unit = "epoch"

    def update(self, epoch: int, loss: float, validation=None, best_epoch=None) -> None:
        """Report epoch ``epoch`` (from 0) with its training loss, validation loss and the best epoch so far."""
        figures = {"loss": f"{loss:.4g}"}
        if validation is not None:
            figures["validation"] = f"{validation:.4g}"
        if best_epoch is not None:
            figures["best"] = str(best_epoch + 1)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(figures)
        elif self.lines:
            width = len(str(self.total))
            self._line(f"epoch {epoch + 1:>{width}}/{self.total}  " + "  ".join(f"{k} {v}" for k, v in figures.items()))


class TaskProgress(_Progress):
    """Models (per-series fits, backtest refits) done of a total: ``advance(label)`` after each."""

    unit = "model"

    def __init__(self, total: int, verbose, description: str = "models"):
        super().__init__(total, verbose, description)
        self.done = 0

    def advance(self, label=None) -> None:
        """Count one more task done (``label`` names it in the log lines)."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.refresh()  # a model is a slow event: draw every one (update alone is rate-limited)
        elif self.lines:
            self._line(f"{self.done}/{self.total} done" + ("" if label is None else f" ({label})"))

    def iterate(self, results, labels=None):
        """Yield ``results`` (e.g. joblib's generator), counting each one as it arrives."""
        for k, result in enumerate(results):
            self.advance(None if labels is None else labels[k])
            yield result
