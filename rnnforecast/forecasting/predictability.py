"""Is there anything to forecast beyond the seasonal-naive base? Evidence over the whole training history.

The validated shrinkage (:mod:`rnnforecast.forecasting.shrinkage`) judges the
network on its held-out windows, the most recent ones. On a price series those
windows sit in one market regime: a year-long rally makes the network's drift
look like skill on every held-out block, and the next quarter's fall makes it
a loss (S&P 500, December 2018: 11-20 % worse than the random walk). One recent
period cannot tell a drift that will persist from one that will not; the whole
history can.

:func:`fold_gains` asks a question the network cannot answer about itself
without refits: does a *linear* correction of the base, fitted on the rest of
the history, beat the base on each of :data:`N_FOLDS` contiguous periods? A
ridge regression of the next ``horizon`` deviations from the seasonal-naive
forecast on the window's past values (relative to its last value, in units of
the series' mean absolute change) is cheap; windows within one lookback and
horizon of a held-out period are left out of its training. :func:`predictable`
accepts the evidence when the mean relative gain over the periods exceeds
:data:`~rnnforecast.forecasting.shrinkage.EVIDENCE` standard errors. When it
does not (prices, where the best linear correction of the random walk loses
as often as it wins), the forecaster keeps the seasonal-naive forecast
whatever the held-out windows say.

A linear model is a proxy for the network: it sees the same window, and the
predictable structure of the series kinds this package targets (the
persistence of weather anomalies, weekday and holiday effects on traffic
relative to last week) is largely linear in it. Where the proxy finds nothing
over decades of history, a network that "finds" something in the last year
finds noise or a passing regime.
"""

from __future__ import annotations

import numpy as np

from .linear import RIDGE, ridge_coefficients
from .shrinkage import seasonal_naive_windows

__all__ = ["N_FOLDS", "MAX_WINDOWS", "GATE_EVIDENCE", "RIDGE", "fold_gains", "predictable"]

#: Contiguous periods of the history the linear correction is tested on.
N_FOLDS = 5
#: Windows used at most (over all series), evenly spaced in time: bounds the cost on long panels.
MAX_WINDOWS = 6000
#: Standard errors by which the mean fold gain must exceed 0 for the history to admit a correction.
GATE_EVIDENCE = 1.0


def _series_windows(values, n_steps, horizon, season_length, n_windows):
    """Features (W, n_steps + 1), targets (W, horizon) and fold of each window of one series."""
    values = np.asarray(values, dtype=np.float64)
    origins = np.arange(n_steps - 1, len(values) - horizon)
    if len(origins) < N_FOLDS:
        return None
    if len(origins) > n_windows:
        origins = origins[np.linspace(0, len(origins) - 1, n_windows).astype(np.intp)]
    windows = values[origins[:, None] + np.arange(1 - n_steps, 1)]
    steps = np.abs(np.diff(values))
    steps = steps[np.isfinite(steps)]
    scale = float(steps.mean()) if len(steps) and steps.mean() > 0 else 1.0
    base = seasonal_naive_windows(windows, horizon, season_length)
    targets = (values[origins[:, None] + np.arange(1, horizon + 1)] - base) / scale
    features = np.column_stack([(windows - windows[:, -1:]) / scale, np.ones(len(origins))])
    folds = (np.arange(len(origins)) * N_FOLDS) // len(origins)
    # A training window must not see a held-out period's values (lookback) or targets (horizon).
    margin = int(np.ceil((n_steps + horizon) * len(origins) / max(1, origins[-1] - origins[0] + 1)))
    ok = np.isfinite(features).all(axis=1) & np.isfinite(targets).all(axis=1)
    return features[ok], targets[ok], folds[ok], np.arange(len(origins))[ok], margin


def fold_gains(values, n_steps, horizon, season_length):
    """Relative gain of a linear correction of the seasonal-naive base on each of :data:`N_FOLDS` periods.

    Parameters
    ----------
    values : list of ndarray
        Training values of each series (no missing values needed; windows with some are skipped).
    n_steps : int
        Lookback of the forecaster's windows.
    horizon : int
        Steps forecast from each window.
    season_length : int
        Season of the seasonal-naive base.

    Returns
    -------
    gains : ndarray of shape (N_FOLDS,)
        ``1 - MAE(corrected) / MAE(base)`` on each period (pooled over series);
        empty when the series are too short to hold out periods.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> walk = np.cumsum(rng.normal(size=3000))
    >>> bool(predictable(fold_gains([walk], 24, 5, 1)))  # nothing beats the random walk
    False
    >>> t = np.arange(3000)
    >>> cycle = np.sin(2 * np.pi * t / 24) + np.convolve(rng.normal(size=3000), np.ones(48) / 8, "same")
    >>> bool(predictable(fold_gains([cycle], 48, 12, 24)))  # persistent anomalies around a daily cycle
    True
    """
    per_series = max(N_FOLDS * 4, MAX_WINDOWS // max(1, len(values)))
    parts = [_series_windows(v, n_steps, horizon, season_length, per_series) for v in values]
    parts = [p for p in parts if p is not None and len(p[0])]
    if not parts:
        return np.empty(0)
    base_errors, model_errors = np.zeros(N_FOLDS), np.zeros(N_FOLDS)
    for fold in range(N_FOLDS):
        train_x, train_y, test_x, test_y = [], [], [], []
        for features, targets, folds, position, margin in parts:
            held = np.flatnonzero(folds == fold)
            if not len(held):
                continue
            near = (position >= position[held[0]] - margin) & (position <= position[held[-1]] + margin)
            train_x.append(features[~near])
            train_y.append(targets[~near])
            test_x.append(features[held])
            test_y.append(targets[held])
        if not test_x:
            return np.empty(0)
        a, b = np.concatenate(train_x), np.concatenate(train_y)
        if len(a) < N_FOLDS:  # the held-out period and its margins cover (nearly) the whole history
            return np.empty(0)
        coef = ridge_coefficients(a, b, RIDGE)
        if coef is None:
            return np.empty(0)
        x, y = np.concatenate(test_x), np.concatenate(test_y)
        base_errors[fold] = np.abs(y).sum()
        model_errors[fold] = np.abs(y - x @ coef).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        gains = np.where(base_errors > 0, 1.0 - model_errors / base_errors, 0.0)
    return gains


def predictable(gains):
    """Whether the fold gains show a correction worth learning: mean gain above GATE_EVIDENCE standard errors.

    Parameters
    ----------
    gains : ndarray
        From :func:`fold_gains`; an empty array (too little history to tell) counts as predictable,
        leaving the decision to the held-out windows alone.

    Returns
    -------
    bool
    """
    gains = np.asarray(gains, dtype=np.float64)
    if len(gains) < 2:
        return True
    standard_error = gains.std(ddof=1) / np.sqrt(len(gains))
    return bool(gains.mean() > GATE_EVIDENCE * standard_error and gains.mean() > 0)
