"""Sliding windows of a series: the bridge from a time series to scikit-learn's ``X, y``."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from ._typing import ArrayLike

__all__ = ["make_windows"]


def _as_2d_values(data, name):
    if isinstance(data, pd.DataFrame):
        non_numeric = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
        if non_numeric:
            raise TypeError(f"{name} has non-numeric columns {non_numeric}; encode or drop them first")
        return data.to_numpy(dtype=np.float64), data.index
    if isinstance(data, pd.Series):
        if not pd.api.types.is_numeric_dtype(data):
            raise TypeError(f"{name} must be numeric, got dtype {data.dtype}")
        return data.to_numpy(dtype=np.float64)[:, None], data.index
    try:
        values = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be numeric: {error}") from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got {values.ndim} dimensions")
    return values, None


def make_windows(
    series: ArrayLike | pd.Series, n_steps: int, horizon: int = 1, exog: ArrayLike | pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray, pd.Index | np.ndarray]:
    """Cut a series into ``(window, next horizon values)`` pairs for a regressor.

    Window ``i`` holds the ``n_steps`` observations ending at position
    ``i + n_steps - 1`` (with the exogenous columns of the same time steps) and
    its target is the next ``horizon`` values of the series. Rows are in time
    order, so ``TimeSeriesSplit(gap=horizon - 1)`` keeps every test target out
    of the training windows.

    Parameters
    ----------
    series : array-like of shape (n_times,) or pandas Series
        The target series (numeric, no NaN, evenly spaced).
    n_steps : int
        Lookback: observations per window.
    horizon : int, default=1
        Number of future values to predict (direct multi-output).
    exog : array-like of shape (n_times, n_exog) or DataFrame, optional
        Past exogenous columns, aligned with ``series``; a window contains their
        values at the window's own time steps (nothing from the future).

    Returns
    -------
    X : ndarray of shape (n_windows, n_steps * (1 + n_exog))
        Windows flattened step by step: ``[y_t, exog_t..., y_t+1, exog_t+1..., ...]``;
        use ``RNNRegressor(n_steps=n_steps)``.
    y : ndarray of shape (n_windows,) if ``horizon == 1`` else (n_windows, horizon)
    target_index : pandas Index or ndarray of shape (n_windows,)
        Label (or position, for NumPy input) of each window's first target.

    Examples
    --------
    >>> import numpy as np
    >>> X, y, index = make_windows(np.arange(6.0), n_steps=3, horizon=2)
    >>> X.tolist()
    [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]
    >>> y.tolist()
    [[3.0, 4.0], [4.0, 5.0]]
    >>> index.tolist()
    [3, 4]
    """
    for name, value in (("n_steps", n_steps), ("horizon", horizon)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    values, index = _as_2d_values(series, "series")
    if values.shape[1] != 1:
        raise ValueError(f"series must have one column, got {values.shape[1]}; pass other columns as exog")
    target = values[:, 0]
    columns = [values]
    if exog is not None:
        exog_values, exog_index = _as_2d_values(exog, "exog")
        if len(exog_values) != len(target):
            raise ValueError(f"exog has {len(exog_values)} rows but series has {len(target)}; align them first")
        if index is not None and exog_index is not None and not exog_index.equals(index):
            raise ValueError("exog's index differs from series' index; align them (e.g. exog.reindex(series.index))")
        columns.append(exog_values)
    data = np.hstack(columns)
    if not np.isfinite(data).all():
        where = "series" if not np.isfinite(target).all() else "exog"
        raise ValueError(f"{where} contains NaN or infinite values; fill or drop them before windowing")
    n_windows = len(target) - n_steps - horizon + 1
    if n_windows < 1:
        raise ValueError(
            f"series has {len(target)} observations: too short for n_steps={n_steps} plus horizon={horizon} "
            f"(needs at least {n_steps + horizon})"
        )
    starts = np.arange(n_windows)
    X = data[starts[:, None] + np.arange(n_steps)].reshape(n_windows, -1)
    y = target[starts[:, None] + n_steps + np.arange(horizon)]
    positions = starts + n_steps
    target_index = index[positions] if index is not None else positions
    return X, (y[:, 0] if horizon == 1 else y), target_index
