"""Data-driven sizes of a forecaster's windows: the lookback and the season of the seasonal-naive base."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["default_lookback", "season_candidates", "choose_season"]

_LOOKBACK_DAYS = {"sub-daily": 7, "daily": 56, "business": 60}


def default_lookback(freq) -> int:
    """Lookback used when ``n_steps=None``: one week of sub-daily steps (at most 336), 56 days, 60 business days,
    24 weekly/monthly steps, or 24 steps of integer time.

    Examples
    --------
    >>> import pandas as pd
    >>> default_lookback(pd.tseries.frequencies.to_offset("h")), default_lookback(None)
    (168, 24)
    """
    if freq is None:
        return 24
    if isinstance(freq, pd.offsets.BusinessDay):
        return _LOOKBACK_DAYS["business"]
    try:
        step = pd.Timedelta(freq.nanos)
    except ValueError:  # weeks, months, quarters, years
        return 24
    day = pd.Timedelta(days=1)
    if step < day:
        return int(min(336, _LOOKBACK_DAYS["sub-daily"] * day // step))
    return _LOOKBACK_DAYS["daily"] if step == day else 24


def season_candidates(freq, n_steps) -> list[int]:
    """Seasons ``season_length=None`` chooses from: 1, and a day and a week of steps when they fit in ``n_steps``.

    Examples
    --------
    >>> import pandas as pd
    >>> hourly = pd.tseries.frequencies.to_offset("h")
    >>> season_candidates(hourly, 168), season_candidates(hourly, 48), season_candidates(pd.offsets.BDay(), 60)
    ([1, 24, 168], [1, 24], [1, 5])
    """
    if freq is None:
        return [1]
    if isinstance(freq, pd.offsets.BusinessDay):
        return [1, 5] if n_steps >= 5 else [1]
    try:
        step = pd.Timedelta(freq.nanos)
    except ValueError:  # weekly and coarser: no sub-period cycle to use
        return [1]
    candidates = [1]
    for period in (pd.Timedelta(days=1), pd.Timedelta(days=7)):
        season = int(period // step)
        if season > 1 and period % step == pd.Timedelta(0) and season <= n_steps:
            candidates.append(season)
    return candidates


def choose_season(values, candidates, n_ahead) -> int:
    """The candidate season whose seasonal-naive forecast has the lowest scaled error on the training series.

    The error of each series is the mean absolute error over forecast steps
    ``1..n_ahead`` from every origin, divided by the series' mean absolute change
    so that series count equally.
    """
    best, best_error = candidates[0], np.inf
    k = np.arange(1, n_ahead + 1)
    for season in candidates:
        lag = season * np.ceil(k / season).astype(np.intp)  # base of step k is y[t + k - lag]
        total = 0.0
        for series in values:
            origins = np.arange(max(lag.max() - k.min(), 0), len(series) - n_ahead)
            if not len(origins):
                continue
            targets = series[origins[:, None] + k]
            bases = series[origins[:, None] + k - lag]
            scale = np.mean(np.abs(np.diff(series))) or 1.0
            total += np.mean(np.abs(targets - bases)) / scale
        if total < best_error:
            best, best_error = season, total
    return int(best)
