"""The user's names for the columns of long frames (``id_col``, ``time_col``, ``target_col``).

Inside the package a long frame always has the columns ``unique_id, ds, y``
(:data:`~rnnforecast.forecasting.panel.LONG_COLUMNS`). A forecaster built with
other names renames the user's frames to these at its public methods and its
long outputs back (:func:`user_columns`), so the user's ``store, date, sales``
go in and come out unchanged while nothing inside needs to know.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import pandas as pd

from .panel import LONG_COLUMNS

__all__ = ["check_columns", "to_internal", "to_user", "user_columns"]

P = ParamSpec("P")
R = TypeVar("R")


def check_columns(columns) -> tuple:
    """``(id_col, time_col, target_col)`` checked: three distinct strings, none another role's internal name."""
    if len(set(columns)) != 3 or not all(isinstance(c, str) and c for c in columns):
        raise ValueError(f"id_col, time_col and target_col must be three different column names, got {columns}")
    for name, internal in zip(columns, LONG_COLUMNS, strict=True):
        if name in LONG_COLUMNS and name != internal:
            raise ValueError(
                f"a column named {name!r} cannot play the role of {internal!r}: {name!r} is the package's name "
                f"for another role; rename it in your frame"
            )
    return tuple(columns)


def to_internal(frame, columns):
    """``frame`` with the user's long-frame columns renamed to ``unique_id, ds, y`` (other inputs unchanged)."""
    mapping = {user: internal for user, internal in zip(columns, LONG_COLUMNS, strict=True) if user != internal}
    if not mapping or not isinstance(frame, pd.DataFrame) or not {columns[0], columns[1]} <= set(frame.columns):
        return frame  # not a long frame in the user's names (a wide frame keeps its series' names)
    clashes = [internal for user, internal in mapping.items() if internal in frame.columns and user in frame.columns]
    if clashes:
        raise ValueError(
            f"the frame has both the columns {[c for c in mapping if mapping[c] in clashes]} and {clashes}; "
            "the package uses the latter names for id_col/time_col/target_col: rename one of them"
        )
    return frame.rename(columns=mapping)


def to_user(frame, columns):
    """A long output with ``unique_id, ds`` (and ``y``) renamed to the user's names."""
    if not isinstance(frame, pd.DataFrame):
        return frame
    mapping = {internal: user for user, internal in zip(columns, LONG_COLUMNS, strict=True) if user != internal}
    long = {LONG_COLUMNS[0], LONG_COLUMNS[1]} <= set(frame.columns)
    return frame.rename(columns=mapping) if mapping and long else frame


def user_columns(method: Callable[P, R]) -> Callable[P, R]:
    """Decorate a forecaster method: its ``y`` and ``X`` arrive renamed to the internal names, its frame leaves
    renamed to the user's (``self.id_col``, ``self.time_col``, ``self.target_col``)."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        names = ("id_col", "time_col", "target_col")  # absent on models pickled before these existed
        columns = check_columns(tuple(getattr(self, n, d) for n, d in zip(names, LONG_COLUMNS, strict=True)))
        if columns == LONG_COLUMNS:
            return method(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)
        for name in ("y", "X"):
            if name in bound.arguments:
                bound.arguments[name] = to_internal(bound.arguments[name], columns)
        result = method(*bound.args, **bound.kwargs)
        return result if result is self else to_user(result, columns)

    return wrapper
