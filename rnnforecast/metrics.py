"""Forecast accuracy metrics (NaN targets are ignored)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._typing import ArrayLike

__all__ = ["mae", "rmse", "smape", "mase", "coverage", "mase_scale", "default_season_length", "seasonal_naive"]


def _pair(actual, forecast):
    actual = np.asarray(actual, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if actual.shape != forecast.shape:
        raise ValueError(f"actual and forecast shapes differ: {actual.shape} vs {forecast.shape}")
    keep = np.isfinite(actual)
    return actual[keep], forecast[keep]


def mae(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute error.

    Parameters
    ----------
    actual : array-like
        Observed values (NaN entries are ignored).
    forecast : array-like
        Forecasts, shaped as ``actual``.

    Returns
    -------
    value : float
        NaN when ``actual`` has no finite value.

    Examples
    --------
    >>> mae([1.0, 2.0, float("nan")], [2.0, 2.0, 0.0])
    0.5
    """
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f))) if len(a) else np.nan


def rmse(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Root mean squared error.

    Parameters
    ----------
    actual : array-like
        Observed values (NaN entries are ignored).
    forecast : array-like
        Forecasts, shaped as ``actual``.

    Returns
    -------
    value : float
        NaN when ``actual`` has no finite value.
    """
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2))) if len(a) else np.nan


def smape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200; 0/0 counts as 0).

    Parameters
    ----------
    actual : array-like
        Observed values (NaN entries are ignored).
    forecast : array-like
        Forecasts, shaped as ``actual``.

    Returns
    -------
    value : float
        NaN when ``actual`` has no finite value.

    Examples
    --------
    >>> smape([100.0], [110.0])
    9.523809523809524
    """
    a, f = _pair(actual, forecast)
    if not len(a):
        return np.nan
    denominator = np.abs(a) + np.abs(f)
    ratio = np.divide(2.0 * np.abs(a - f), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(100.0 * ratio.mean())


def mase_scale(history: ArrayLike, season_length: int = 1) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (the MASE denominator).

    Parameters
    ----------
    history : array-like
        Training values, in time order.
    season_length : int, default=1
        Season of the naive forecast (1: the last value).

    Returns
    -------
    scale : float
    """
    history = np.asarray(history, dtype=np.float64)
    if len(history) <= season_length:
        raise ValueError(f"MASE needs more than season_length={season_length} training values, got {len(history)}")
    differences = np.abs(history[season_length:] - history[:-season_length])
    differences = differences[np.isfinite(differences)]
    return float(differences.mean()) if len(differences) else np.nan


def mase(actual: ArrayLike, forecast: ArrayLike, history: ArrayLike, season_length: int = 1) -> float:
    """Mean absolute scaled error: MAE over the in-sample seasonal-naive MAE of ``history``.

    Parameters
    ----------
    actual : array-like
        Observed values (NaN entries are ignored).
    forecast : array-like
        Forecasts, shaped as ``actual``.
    history : array-like
        Training values before the forecast, in time order.
    season_length : int, default=1
        Season of the scaling naive forecast.

    Returns
    -------
    value : float

    Examples
    --------
    >>> mase([3.0, 4.0], [3.0, 3.0], history=[1.0, 2.0, 3.0])
    0.5
    """
    scale = mase_scale(history, season_length)
    return mae(actual, forecast) / scale if scale > 0 else np.nan


def coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actual values inside ``[lower, upper]``.

    Parameters
    ----------
    actual : array-like
        Observed values (NaN entries are ignored).
    lower : array-like
        Lower bounds, shaped as ``actual``.
    upper : array-like
        Upper bounds, shaped as ``actual``.

    Returns
    -------
    share : float
    """
    a, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    return float(np.mean((a >= lo) & (a <= hi))) if len(a) else np.nan


def default_season_length(freq: str | pd.DateOffset | None) -> int:
    """Seasonal period used by MASE and the seasonal naive forecast by default.

    Hourly: 24 (a day); daily: 7 (a week); business days: 5; weekly: 52;
    monthly: 12; quarterly: 4; anything else (and integer time): 1.

    Parameters
    ----------
    freq : pandas offset or None
        Frequency of the time index (None for integer time).

    Returns
    -------
    season_length : int

    Examples
    --------
    >>> import pandas as pd
    >>> default_season_length(pd.tseries.frequencies.to_offset("h"))
    24
    """
    if freq is None:
        return 1
    name = freq.rule_code if hasattr(freq, "rule_code") else str(freq)
    name = name.split("-")[0].upper()
    table = {"H": 24, "D": 7, "B": 5, "W": 52, "M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4}
    if name in ("MIN", "T"):
        return 60 * 24 // max(1, getattr(freq, "n", 1))
    return table.get(name, 1) if getattr(freq, "n", 1) == 1 else 1


def seasonal_naive(history: ArrayLike, horizon: int, season_length: int = 1) -> np.ndarray:
    """Repeat the last season: forecast ``y[t + k] = y[t + k - m * ceil(k / m)]``.

    Parameters
    ----------
    history : array-like
        Values up to the forecast origin ``t``, in time order.
    horizon : int
        Steps to forecast.
    season_length : int, default=1
        Season ``m`` (1: the last value, a random walk).

    Returns
    -------
    forecast : ndarray of shape (horizon,)

    Examples
    --------
    >>> seasonal_naive([1.0, 2.0, 3.0, 4.0], horizon=3, season_length=2).tolist()
    [3.0, 4.0, 3.0]
    """
    history = np.asarray(history, dtype=np.float64)
    if len(history) < season_length:
        raise ValueError(f"seasonal naive needs at least season_length={season_length} values")
    k = np.arange(1, horizon + 1)
    return history[len(history) - 1 + k - season_length * np.ceil(k / season_length).astype(int)]


def summarize(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Mean of the metric columns of a backtest metrics frame by ``by``."""
    metrics = [c for c in ("mae", "rmse", "smape", "mase", "coverage") if c in frame.columns]
    return frame.groupby(by, sort=False)[metrics].mean()
