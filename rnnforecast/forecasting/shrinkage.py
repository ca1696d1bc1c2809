"""Validated shrinkage of the network's correction toward the seasonal-naive baseline.

The forecaster's network forecasts a correction to a seasonal-naive base. After
training, :func:`choose_correction_weight` decides, per forecast step, how much
of that correction to keep, from the held-out (most recent) windows:

    forecast_k = naive_k + w_k * (network_k - naive_k),   0 <= w_k <= 1.

For each step it finds the weight with the lowest held-out mean absolute error
on a grid from 0 to 1. Those weights are kept only if, pooled over the steps,
they beat the baseline (every weight 0) by more than :data:`EVIDENCE` standard
errors; otherwise every weight is 0 and the forecast is the seasonal-naive one:
on a random walk the forecast collapses to the random walk, while where the
network helps it keeps its gain. Errors of windows whose targets overlap are
correlated, so the standard error is computed over blocks of windows (one block
per series and ``horizon`` consecutive origins), not over windows.

Measured before this choice, on the wide protocol (``benchmarks/bench_wide.py``):
a "one-standard-error rule" per step (the smallest weight within one standard
error of the best) cut good corrections by a third, since the error curve is
flat near its optimum, and cost 5 % on daily weather; a separate evidence test
per step zeroed single steps at random (daily weather 6.5 % worse).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "WEIGHT_GRID", "EVIDENCE", "HeldOut", "calibrate", "choose_correction_weight", "seasonal_naive_windows",
    "shrink_forecasts", "shrink_quantiles",
]  # fmt: skip

#: Candidate weights of the correction.
WEIGHT_GRID = np.linspace(0.0, 1.0, 21)
#: Standard errors by which the best weight must beat the baseline (weight 0) to be kept.
EVIDENCE = 2.0


def seasonal_naive_windows(windows, horizon, season_length):
    """Seasonal-naive forecasts from the end of each window.

    Parameters
    ----------
    windows : ndarray of shape (n_windows, n_steps)
        The last ``n_steps`` observations before each origin.
    horizon : int
        Steps to forecast.
    season_length : int
        Season of the naive forecast; a season longer than the window falls back to 1 (the last value).

    Returns
    -------
    naive : ndarray of shape (n_windows, horizon)

    Examples
    --------
    >>> import numpy as np
    >>> seasonal_naive_windows(np.array([[1.0, 2.0, 3.0, 4.0]]), 3, 2).tolist()
    [[3.0, 4.0, 3.0]]
    """
    n_steps = windows.shape[1]
    season = season_length if season_length <= n_steps else 1
    return windows[:, n_steps - season + np.arange(horizon) % season]


def choose_correction_weight(correction, target, blocks):
    """Per forecast step, the share of the network's correction that held-out windows support.

    Parameters
    ----------
    correction : ndarray of shape (n_windows, horizon)
        Network median minus the seasonal-naive forecast, in each window's scale units.
    target : ndarray of shape (n_windows, horizon)
        Actual value minus the seasonal-naive forecast, in the same units.
    blocks : ndarray of shape (n_windows,)
        Block of each window (windows of one block have overlapping targets).

    Returns
    -------
    weight : ndarray of shape (horizon,)
        Values on :data:`WEIGHT_GRID`; 0 where fewer than two blocks give evidence.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.normal(size=(200, 1))
    >>> signal = rng.normal(size=(200, 1))
    >>> blocks = np.arange(200)
    >>> float(choose_correction_weight(signal, signal + 0.1 * noise, blocks)[0])  # a correction that helps
    1.0
    >>> float(choose_correction_weight(signal, noise, blocks)[0])  # a correction that is noise
    0.0
    """
    correction = np.asarray(correction, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    n_windows, horizon = correction.shape
    weight = np.zeros(horizon)
    _, block_of = np.unique(blocks, return_inverse=True)
    if n_windows == 0 or block_of.max() < 1:
        return weight
    usable = np.isfinite(correction) & np.isfinite(target)
    correction, target = np.where(usable, correction, 0.0), np.where(usable, target, 0.0)
    errors = np.abs(target[:, :, None] - WEIGHT_GRID[None, None, :] * correction[:, :, None])  # (W, H, G)
    best = np.argmin(errors.sum(axis=0), axis=1)  # per step, the weight with the least held-out error
    # Evidence, pooled over the steps: how much the best weights beat the baseline, block by block.
    gain = (errors[:, :, 0] - errors[:, np.arange(horizon), best]).sum(axis=1)
    counts = np.bincount(block_of, weights=usable.sum(axis=1))
    block_means = np.bincount(block_of, weights=gain)[counts > 0] / counts[counts > 0]
    if len(block_means) < 2:
        return weight
    standard_error = block_means.std(ddof=1) / np.sqrt(len(block_means))
    if block_means.mean() > EVIDENCE * standard_error:
        weight = WEIGHT_GRID[best]
    return weight


def shrink_quantiles(quantiles, naive, weight, median):
    """Move every quantile forecast by the shrinkage of its median.

    Parameters
    ----------
    quantiles : ndarray of shape (n_windows, n_quantiles, horizon)
        Sorted quantile forecasts in data units.
    naive : ndarray of shape (n_windows, horizon)
        Seasonal-naive forecasts of the same windows.
    weight : ndarray of shape (horizon,)
        Share of the correction kept per step.
    median : int
        Position of the median among the quantiles.

    Returns
    -------
    shrunk : ndarray of shape (n_windows, n_quantiles, horizon)
        ``quantiles - (1 - weight) * (median forecast - naive)``: the median becomes
        ``naive + weight * (median - naive)`` and the spread around it is kept.
    """
    shift = (1.0 - weight)[None, :] * (quantiles[:, median, :] - naive)
    return quantiles - shift[:, None, :]


def shrink_forecasts(forecasts, windows, weight, season_length, median):
    """Quantile forecasts from ``windows`` after shrinkage by ``weight`` (None: unchanged).

    Parameters
    ----------
    forecasts : ndarray of shape (n_windows, n_quantiles, horizon)
        Sorted quantile forecasts in data units.
    windows : ndarray of shape (n_windows, n_steps)
        The observations before each origin (the seasonal-naive base comes from them).
    weight : ndarray of shape (n_weights,) or None
        Share of the correction kept per step; steps past ``n_weights`` (recursive
        models forecasting further than trained) take the last one.
    season_length : int
        Season of the seasonal-naive base.
    median : int
        Position of the median among the quantiles.

    Returns
    -------
    shrunk : ndarray of shape (n_windows, n_quantiles, horizon)
    """
    if weight is None:
        return forecasts
    horizon = forecasts.shape[2]
    weight = weight[np.minimum(np.arange(horizon), len(weight) - 1)]
    return shrink_quantiles(forecasts, seasonal_naive_windows(windows, horizon, season_length), weight, median)


class HeldOut(NamedTuple):
    """One series' held-out windows: the network's forecasts and what happened."""

    quantiles: np.ndarray  # (W, Q, horizon) sorted quantile forecasts, unshrunk, in data units
    scales: np.ndarray  # (W,) normalisation scale of each window
    naive: np.ndarray  # (W, horizon) seasonal-naive forecasts
    actual: np.ndarray  # (W, horizon) observed values
    blocks: np.ndarray  # (W,) block of each window (overlapping targets share one)


def calibrate(parts, median, shrink, baseline_only=False):
    """Conformal scores and correction weight from the held-out windows of every series.

    Parameters
    ----------
    parts : list of HeldOut
        Per series.
    median : int
        Position of the median among the quantiles.
    shrink : bool
        Choose the correction weight (:func:`choose_correction_weight`); otherwise None.
    baseline_only : bool, default=False
        With ``shrink``: the weight is 0 at every step whatever the windows say
        (the history holds no evidence of a correction worth learning, see
        :mod:`rnnforecast.forecasting.predictability`).

    Returns
    -------
    scores : ndarray of shape (n_windows, horizon)
        Absolute errors of the (shrunk) median over each window's scale.
    weight : ndarray of shape (horizon,) or None
    """
    weight = None
    if shrink:
        scale = [p.scales[:, None] for p in parts]
        correction = np.concatenate([(p.quantiles[:, median] - p.naive) / s for p, s in zip(parts, scale, strict=True)])
        target = np.concatenate([(p.actual - p.naive) / s for p, s in zip(parts, scale, strict=True)])
        if baseline_only:
            weight = np.zeros(correction.shape[1])
        else:
            weight = choose_correction_weight(correction, target, np.concatenate([p.blocks for p in parts]))
        parts = [p._replace(quantiles=shrink_quantiles(p.quantiles, p.naive, weight, median)) for p in parts]
    scores = np.concatenate([np.abs(p.actual - p.quantiles[:, median]) / p.scales[:, None] for p in parts])
    return scores, weight
