"""Warnings that point at the user's line, not at the package's internals. No numba here.

A warning raised deep in training (the epoch budget ran out, the loss diverged)
is only useful where the user can act on it: at their ``fit``, ``backtest`` or
``GridSearchCV.fit`` call. :func:`warn_at_caller` walks up the stack past every
frame of rnnforecast, scikit-learn and joblib and attributes the warning to the
first frame beyond them, so Python's default filter also shows it once per
calling line instead of once per internal source line.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import warnings

__all__ = ["warn_at_caller", "internal_frame", "deferred_warnings"]

_DEFERRED = contextvars.ContextVar("rnnforecast_deferred_warnings", default=None)

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = [_PACKAGE + os.sep]
for _name in ("sklearn", "joblib"):
    _module = sys.modules.get(_name) or __import__(_name)
    _INTERNAL.append(os.path.dirname(os.path.abspath(_module.__file__)) + os.sep)


def internal_frame(filename: str) -> bool:
    """Whether code in ``filename`` belongs to rnnforecast, scikit-learn or joblib.

    Parameters
    ----------
    filename : str
        A frame's ``f_code.co_filename``.

    Returns
    -------
    bool
    """
    path = os.path.abspath(filename)
    return any(path.startswith(prefix) for prefix in _INTERNAL)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Issue ``message`` attributed to the first calling frame outside rnnforecast, scikit-learn and joblib.

    Parameters
    ----------
    message : str
        What happened and what to do about it.
    category : Warning subclass
        For example ``sklearn.exceptions.ConvergenceWarning``.
    """
    deferred = _DEFERRED.get()
    if deferred is not None:
        deferred.append((message, category))
        return
    frame, level = sys._getframe(1), 2
    while frame is not None and internal_frame(frame.f_code.co_filename):
        frame, level = frame.f_back, level + 1
    if frame is None:  # all internal (a worker thread or process): the outermost frame
        level -= 1
    warnings.warn(message, category, stacklevel=level)


@contextlib.contextmanager
def deferred_warnings():
    """Collect what :func:`warn_at_caller` would issue in this context, as ``(message, category)`` pairs.

    A worker thread has no user frame to point at; it collects its warnings so
    that the thread that waits for it issues them, at the user's line.

    Yields
    ------
    collected : list of tuple
        The deferred ``(message, category)`` pairs, in order.
    """
    collected = []
    token = _DEFERRED.set(collected)
    try:
        yield collected
    finally:
        _DEFERRED.reset(token)
