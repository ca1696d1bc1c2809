"""Calendar features: smooth encodings of the position of a time stamp in its cycles."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CYCLE_DAYS", "calendar_features", "long_cycles"]

_DAY = pd.Timedelta(days=1)
#: Length in days of the cycle each calendar column encodes (by its name's prefix).
CYCLE_DAYS = {"hour": 1.0, "weekday": 7.0, "weekend": 7.0, "year": 365.25}


def _cycle(name, position, period):
    angle = 2.0 * np.pi * np.asarray(position, dtype=np.float64) / period
    return {f"{name}_sin": np.sin(angle), f"{name}_cos": np.cos(angle)}


def calendar_features(index: pd.Index, freq=None) -> pd.DataFrame:
    """Sine/cosine encodings of the cycles that the sampling frequency can resolve.

    Sub-daily data gets the hour of the day, the day of the week and a weekend
    flag; daily and business-daily data the day of the week and of the year;
    weekly and coarser data the time of the year. Integer (non-date) indexes
    have no calendar and give zero columns.

    Parameters
    ----------
    index : DatetimeIndex or RangeIndex
    freq : pandas offset or str, optional
        Sampling frequency (default: ``index.freq`` or inferred).

    Returns
    -------
    features : pandas.DataFrame indexed like ``index``, values in [-1, 1]

    Examples
    --------
    >>> import pandas as pd
    >>> features = calendar_features(pd.date_range("2024-01-01", periods=3, freq="h"))
    >>> list(features.columns)
    ['hour_sin', 'hour_cos', 'weekday_sin', 'weekday_cos', 'weekend']
    >>> features["hour_cos"].round(3).tolist()
    [1.0, 0.966, 0.866]
    """
    if not isinstance(index, pd.DatetimeIndex):
        return pd.DataFrame(index=index)
    step = _step(index, freq)
    columns = {}
    if step < _DAY:
        columns.update(_cycle("hour", index.hour + index.minute / 60.0, 24.0))
    if step <= _DAY:
        columns.update(_cycle("weekday", index.day_of_week, 7.0))
    if step < _DAY:
        columns["weekend"] = (index.day_of_week >= 5).astype(np.float64)
    if step >= _DAY:
        columns.update(_cycle("year", index.day_of_year - 1, 365.25))
    return pd.DataFrame(columns, index=index)


def _step(index: pd.DatetimeIndex, freq) -> pd.Timedelta:
    """Typical spacing of the time stamps (business days count as one day)."""
    freq = freq if freq is not None else index.freq
    if freq is not None:
        offset = pd.tseries.frequencies.to_offset(freq)
        try:
            return pd.Timedelta(offset.nanos)
        except ValueError:  # calendar offsets (B, W, MS, ...) have no fixed length
            return pd.Timedelta(pd.Timestamp("2001-01-01") + offset - pd.Timestamp("2001-01-01"))
    if len(index) >= 2:
        return pd.Timedelta(np.sort(np.diff(index.to_numpy()))[(len(index) - 1) // 2])
    return _DAY


def long_cycles(index: pd.Index, freq, season_length: int) -> list[str]:
    """The calendar columns of ``index`` whose cycle is longer than ``season_length`` steps.

    A seasonal-naive forecast repeats the value one season ago, which shares the
    phase of every cycle that fits in the season a whole number of times (the
    hour of the day in last week's same half-hour); the longer cycles (the time
    of the year under a daily series' last value, the day of the week under
    yesterday's same hour) are what a correction of it can learn from a calendar.

    Parameters
    ----------
    index : DatetimeIndex or RangeIndex
        Time stamps of the series (integer indexes have no calendar).
    freq : pandas offset or str, optional
        Sampling frequency (default: ``index.freq`` or inferred).
    season_length : int
        Season of the seasonal-naive base, in steps.

    Returns
    -------
    columns : list of str
        Names among :func:`calendar_features`' columns, in its order.

    Examples
    --------
    >>> import pandas as pd
    >>> long_cycles(pd.date_range("2024-01-01", periods=3, freq="D"), None, 1)
    ['weekday_sin', 'weekday_cos', 'year_sin', 'year_cos']
    >>> long_cycles(pd.date_range("2024-01-01", periods=3, freq="h"), None, 24)
    ['weekday_sin', 'weekday_cos', 'weekend']
    >>> long_cycles(pd.date_range("2024-01-01", periods=3, freq="30min"), None, 336)
    []
    """
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return []
    season_days = season_length * (_step(index, freq) / _DAY)
    columns = calendar_features(index[:1], freq if freq is not None else _step(index, None)).columns
    return [c for c in columns if CYCLE_DAYS[c.split("_")[0]] > season_days]
