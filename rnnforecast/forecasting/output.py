"""Shape a forecaster's arrays into the pandas objects users get back (and read future exogenous rows)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .panel import LONG_COLUMNS, check_same_time_kind, series_exog

__all__ = [
    "Tail", "PlainStateMixin", "future_exog", "point_frame", "quantile_frame", "interval_frame",
    "interval_from_quantiles",
]  # fmt: skip


class Tail(NamedTuple):
    """The last window of a fitted series: what ``predict`` starts from."""

    values: np.ndarray
    exog: np.ndarray | None
    index: pd.Index


class PlainStateMixin:
    """Pickle a fitted forecaster's frequency and last windows as plain values (no pandas objects).

    So skops can save the model as well as pickle; loading turns them back into a
    pandas offset and :class:`Tail` rows.
    """

    def __getstate__(self):
        state = super().__getstate__()
        if "freq_" in state:
            state["freq_"] = None if self.freq_ is None else self.freq_.freqstr
        if "_tails" in state:
            state["_tails"] = [(t.values, t.exog, np.asarray(t.index)) for t in self._tails]
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("freq_"), str):
            state["freq_"] = pd.tseries.frequencies.to_offset(state["freq_"])
        if "_tails" in state:
            state["_tails"] = [Tail(values, exog, pd.Index(index)) for values, exog, index in state["_tails"]]
        super().__setstate__(state)


def future_exog(X, series_id, future: pd.Index, columns: list, layout: str) -> np.ndarray:
    """Rows of ``X`` for the forecast time stamps of one series: ndarray (len(future), len(columns))."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    X = series_exog(X, series_id, layout)
    check_same_time_kind(future, X.index)
    absent_columns = [c for c in columns if c not in X.columns]
    if absent_columns:
        raise ValueError(f"X lacks the future-known columns {absent_columns}")
    if X.index.has_duplicates:
        raise ValueError("X has duplicate timestamps")
    missing = ~future.isin(X.index)
    if missing.any():
        raise ValueError(
            f"X has no rows for {int(missing.sum())} of the {len(future)} forecast time stamps of series "
            f"{series_id!r} (first missing: {future[missing][0]}); give X one row per future step"
        )
    rows = X.loc[future, columns]
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(rows[c])]
    if bad:
        raise TypeError(f"X has non-numeric columns {bad}")
    values = rows.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("X has NaN or infinite values in the forecast rows; future-known columns must be complete")
    return values


def _long(forecaster, blocks, columns) -> pd.DataFrame:
    """One long frame of every series' table (built at once: fast for thousands of series)."""
    unique_id, ds, _ = LONG_COLUMNS
    futures = [future for future, _ in blocks]
    stamps = futures[0].append(futures[1:]) if len(futures) > 1 else futures[0]
    ids = pd.Index(forecaster.series_ids_).repeat([len(f) for f in futures])  # keeps the ids' dtype
    frame = pd.DataFrame(np.concatenate([np.asarray(table) for _, table in blocks]), columns=columns)
    frame.insert(0, ds, stamps)
    frame.insert(0, unique_id, ids)
    return frame


def point_frame(forecaster, forecasts) -> pd.Series | pd.DataFrame:
    """Median forecasts ``[(future index, values (horizon,)), ...]`` in the layout of the fitted ``y``."""
    if forecaster.layout_ == "series":
        future, values = forecasts[0]
        return pd.Series(values, index=future, name=forecaster.name_)
    if forecaster.layout_ == "wide":
        first = forecasts[0][0]
        if all(future.equals(first) for future, _ in forecasts):  # one clock: one block
            return pd.DataFrame(np.column_stack([v for _, v in forecasts]), index=first, columns=forecaster.series_ids_)
        columns = zip(forecaster.series_ids_, forecasts, strict=True)
        return pd.DataFrame({key: pd.Series(values, index=future) for key, (future, values) in columns})
    return _long(forecaster, [(f, v[:, None]) for f, v in forecasts], ["forecast"])


def quantile_frame(forecaster, tables, levels) -> pd.DataFrame:
    """Quantile tables ``[(future index, ndarray (horizon, Q)), ...]``: one column per level."""
    columns = [float(level) for level in levels]
    if forecaster.layout_ == "series":
        future, table = tables[0]
        return pd.DataFrame(table, index=future, columns=columns)
    return _long(forecaster, tables, columns)


def interval_frame(forecaster, rows) -> pd.DataFrame:
    """Intervals ``[(future index, ndarray (3, horizon) = forecast, lower, upper), ...]``."""
    columns = ["forecast", "lower", "upper"]
    if forecaster.layout_ == "series":
        future, table = rows[0]
        return pd.DataFrame(table.T, index=future, columns=columns)
    return _long(forecaster, [(f, t.T) for f, t in rows], columns)


def interval_from_quantiles(bounds: pd.DataFrame) -> pd.DataFrame:
    """``forecast, lower, upper`` from a three-level quantile frame (lower, median, upper)."""
    levels = [c for c in bounds.columns if isinstance(c, float)]
    renamed = bounds.rename(columns=dict(zip(levels, ["lower", "forecast", "upper"], strict=True)))
    keys = [c for c in renamed.columns if c in LONG_COLUMNS[:2]]
    return renamed[keys + ["forecast", "lower", "upper"]]
