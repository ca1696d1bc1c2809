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

With ``shrinkage="auto"`` a second expert joins the network: a linear
correction of the base (:mod:`rnnforecast.forecasting.linear`). The held-out
windows then choose both weights of each step together
(:func:`choose_weights`, a grid over each expert's weight), under the same
pooled evidence test against the baseline. (A nested test that admits the
network only where it beats the linear expert's own best by two standard
errors was measured and not kept: on Seattle daily temperature it dropped a
network 9 % better than the ridge, 1.035 against 1.003.)

Measured before this choice, on the wide protocol (``benchmarks/bench_wide.py``):
a "one-standard-error rule" per step (the smallest weight within one standard
error of the best) cut good corrections by a third, since the error curve is
flat near its optimum, and cost 5 % on daily weather; a separate evidence test
per step zeroed single steps at random (daily weather 6.5 % worse).
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "WEIGHT_GRID", "EVIDENCE", "HeldOut", "Calibration", "calibrate", "choose_correction_weight", "choose_weights",
    "spread_factors", "spread_quantiles", "seasonal_naive_windows", "shrink_forecasts", "shrink_quantiles",
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
    return choose_weights(np.asarray(correction)[None], target, blocks)[0]


def choose_weights(corrections, target, blocks):
    """Per forecast step, the weight of each expert's correction that held-out windows support.

    ``forecast_k = naive_k + sum_e weights[e, k] * corrections[e, :, k]``: for
    each step, the combination of weights on :data:`WEIGHT_GRID` (each expert's
    from 0 to 1) with the lowest held-out absolute error. The weights are kept
    only if, pooled over the steps, they beat the baseline (every weight 0) by
    more than :data:`EVIDENCE` standard errors over the blocks.

    Parameters
    ----------
    corrections : ndarray of shape (n_experts, n_windows, horizon)
        Each expert's forecast minus the seasonal-naive one, in each window's scale units.
    target : ndarray of shape (n_windows, horizon)
        Actual value minus the seasonal-naive forecast, in the same units.
    blocks : ndarray of shape (n_windows,)
        Block of each window (windows of one block have overlapping targets).

    Returns
    -------
    weights : ndarray of shape (n_experts, horizon)
        0 everywhere where the evidence is too weak or fewer than two blocks give it.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> signal, noise = rng.normal(size=(2, 400, 1))
    >>> weights = choose_weights(np.stack([noise, signal]), signal, np.arange(400))  # the second expert is right
    >>> weights.ravel().tolist()
    [0.0, 1.0]
    """
    corrections = np.asarray(corrections, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    n_experts, n_windows, horizon = corrections.shape
    weights = np.zeros((n_experts, horizon))
    _, block_of = np.unique(blocks, return_inverse=True)
    if n_windows == 0 or block_of.max() < 1:
        return weights
    usable = np.isfinite(corrections).all(axis=0) & np.isfinite(target)
    corrections, target = np.where(usable, corrections, 0.0), np.where(usable, target, 0.0)
    grid = np.array(list(itertools.product(WEIGHT_GRID, repeat=n_experts)))  # (G, E); row 0 is all zeros
    gain = np.zeros(n_windows)
    best = np.zeros((n_experts, horizon))
    for k in range(horizon):  # one step at a time: (W, G) errors, not (W, H, G)
        errors = np.abs(target[:, k : k + 1] - corrections[:, :, k].T @ grid.T)
        choice = int(np.argmin(errors.sum(axis=0)))  # the combination with the least held-out error
        best[:, k] = grid[choice]
        gain += errors[:, 0] - errors[:, choice]
    # Evidence, pooled over the steps: how much the best weights beat the baseline, block by block.
    counts = np.bincount(block_of, weights=usable.sum(axis=1))
    block_means = np.bincount(block_of, weights=gain)[counts > 0] / counts[counts > 0]
    if len(block_means) < 2:
        return weights
    standard_error = block_means.std(ddof=1) / np.sqrt(len(block_means))
    if block_means.mean() > EVIDENCE * standard_error:
        weights = best
    return weights


def shrink_quantiles(quantiles, naive, weight, median, offset=None):
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
    offset : ndarray of shape (n_windows, horizon) or None, default=None
        A further correction added to the median in data units (the weighted
        linear correction, :mod:`rnnforecast.forecasting.linear`).

    Returns
    -------
    shrunk : ndarray of shape (n_windows, n_quantiles, horizon)
        ``quantiles - (1 - weight) * (median forecast - naive) + offset``: the median becomes
        ``naive + weight * (median - naive) + offset`` and the spread around it is kept.
    """
    shift = (1.0 - weight)[None, :] * (quantiles[:, median, :] - naive)
    if offset is not None:
        shift = shift - offset
    return quantiles - shift[:, None, :]


def shrink_forecasts(forecasts, windows, weight, season_length, median, offset=None):
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
    offset : ndarray of shape (n_windows, horizon) or None, default=None
        Added to every quantile after the shrinkage (see :func:`shrink_quantiles`).

    Returns
    -------
    shrunk : ndarray of shape (n_windows, n_quantiles, horizon)
    """
    if weight is None:
        return forecasts
    horizon = forecasts.shape[2]
    weight = weight[np.minimum(np.arange(horizon), len(weight) - 1)]
    naive = seasonal_naive_windows(windows, horizon, season_length)
    return shrink_quantiles(forecasts, naive, weight, median, offset)


class HeldOut(NamedTuple):
    """One series' held-out windows: the network's forecasts and what happened."""

    quantiles: np.ndarray  # (W, Q, horizon) sorted quantile forecasts, unshrunk, in data units
    scales: np.ndarray  # (W,) normalisation scale of each window
    naive: np.ndarray  # (W, horizon) seasonal-naive forecasts
    actual: np.ndarray  # (W, horizon) observed values
    blocks: np.ndarray  # (W,) block of each window (overlapping targets share one)
    linear: np.ndarray | None = None  # (W, horizon) the linear correction in data units, or None


class Calibration(NamedTuple):
    """What the held-out windows decide: conformal scores, correction weight and quantile spreads."""

    scores: np.ndarray  # (W, horizon) absolute errors of the (shrunk) median over each window's scale
    weight: np.ndarray | None  # (horizon,) share of the correction kept per step, or None
    spreads: np.ndarray | None  # (Q, horizon) factor on each quantile's distance from the median, or None
    linear_weight: np.ndarray | None = None  # (horizon,) share of the linear correction added per step, or None


def spread_factors(quantiles, actual, scales, levels):
    """Per quantile level and forecast step, the factor on its distance from the median that held-out windows support.

    Conformalised quantile spreads. For each symmetric pair of levels
    ``(tau, 1 - tau)`` with ``tau < 0.5`` and each step, every held-out window
    scores ``s = max((m - y) / (m - q_tau), (y - m) / (q_{1-tau} - m))`` (``m``
    the median forecast, ``y`` the observed value); the pair's factor is the
    ``ceil((n + 1) * (1 - 2 tau))``-th smallest of the ``n`` scores (split
    conformal prediction), so that ``m +- factor * (q - m)`` covers about
    ``1 - 2 tau`` of the held-out values. A level without a partner is
    calibrated on its own side alike. The median (the point forecast) never
    moves, so a drift of the held-out period does not shift the forecast;
    only the spread, which the quantile heads learned over the whole history,
    is rescaled to the errors of the forecast actually made: wider where it
    was shrunk to the seasonal-naive base (whose errors the heads never saw)
    or where recent errors are larger, narrower where the heads are too wide.

    Parameters
    ----------
    quantiles : ndarray of shape (n_windows, n_quantiles, horizon)
        Sorted quantile forecasts (after shrinkage) in data units.
    actual : ndarray of shape (n_windows, horizon)
        Observed values (NaN where missing: left out of that step).
    scales : ndarray of shape (n_windows,)
        Normalisation scale of each window: spreads below a thousandth of it
        count as that much (a zero spread would make any error infinitely large).
    levels : ndarray of shape (n_quantiles,)
        Sorted quantile levels, including 0.5.

    Returns
    -------
    factors : ndarray of shape (n_quantiles, horizon)
        Non-negative; 1 at the median, and at steps without observations.

    Examples
    --------
    >>> import numpy as np
    >>> actual = np.arange(-9.0, 10.0).reshape(19, 1)  # -9 .. 9
    >>> quantiles = np.tile(np.array([-1.0, 0.0, 1.0])[None, :, None], (19, 1, 1))  # heads that are 9x too narrow
    >>> spread_factors(quantiles, actual, np.ones(19), np.array([0.1, 0.5, 0.9])).ravel().tolist()
    [8.0, 1.0, 8.0]
    """
    levels = np.round(np.asarray(levels, dtype=np.float64), 12)
    median = int(np.searchsorted(levels, 0.5))
    centre = quantiles[:, median, :]  # (W, H)
    floor = 1e-3 * scales[:, None]
    above = (actual - centre)[:, None, :] / np.maximum(quantiles - centre[:, None, :], floor[:, None, :])
    below = (centre - actual)[:, None, :] / np.maximum(centre[:, None, :] - quantiles, floor[:, None, :])
    factors = np.ones(quantiles.shape[1:])
    for j, tau in enumerate(levels):
        if tau == 0.5:
            continue
        partner = np.flatnonzero(levels == np.round(1.0 - tau, 12))
        if len(partner):
            low, high = min(j, partner[0]), max(j, partner[0])
            scores, coverage = np.maximum(below[:, low], above[:, high]), levels[high] - levels[low]
        else:
            scores, coverage = (above[:, j], tau) if tau > 0.5 else (below[:, j], 1.0 - tau)
        for k in range(quantiles.shape[2]):
            observed = scores[np.isfinite(scores[:, k]), k]
            n = len(observed)
            if n:
                rank = min(math.ceil((n + 1) * coverage), n)
                factors[j, k] = max(float(np.sort(observed)[rank - 1]), 0.0)
    return factors


def spread_quantiles(quantiles, factors, median):
    """Quantile forecasts with each one's distance from the median multiplied by ``factors``.

    Parameters
    ----------
    quantiles : ndarray of shape (n_windows, n_quantiles, horizon)
        Sorted quantile forecasts in data units.
    factors : ndarray of shape (n_quantiles, n_factors) or None
        From :func:`spread_factors`; steps past ``n_factors`` (recursive
        models forecasting further than trained) take the last one. None
        leaves ``quantiles`` unchanged.
    median : int
        Position of the median among the quantiles.

    Returns
    -------
    spread : ndarray of shape (n_windows, n_quantiles, horizon)
        Sorted; the median is unchanged.
    """
    if factors is None:
        return quantiles
    horizon = quantiles.shape[2]
    factors = factors[:, np.minimum(np.arange(horizon), factors.shape[1] - 1)]
    centre = quantiles[:, median : median + 1, :]
    return np.sort(centre + factors[None] * (quantiles - centre), axis=1)


def calibrate(parts, median, shrink, baseline_only=False, levels=None):
    """Conformal scores, correction weight and quantile spreads from the held-out windows of every series.

    Parameters
    ----------
    parts : list of HeldOut
        Per series.
    median : int
        Position of the median among the quantiles.
    shrink : bool
        Choose the correction weights (:func:`choose_weights`): the network's, and
        the linear correction's where every part has one; otherwise both are None.
    baseline_only : bool, default=False
        With ``shrink``: the weights are 0 at every step whatever the windows say
        (the history holds no evidence of a correction worth learning, see
        :mod:`rnnforecast.forecasting.predictability`).
    levels : ndarray of shape (n_quantiles,) or None, default=None
        Quantile levels: conformalise the spread of the shrunk quantile
        forecasts (:func:`spread_factors`); None leaves it as the heads give it.

    Returns
    -------
    calibration : Calibration
        ``scores`` (n_windows, horizon): absolute errors of the (shrunk) median
        over each window's scale; ``weight`` (horizon,) or None; ``spreads``
        (n_quantiles, horizon) or None; ``linear_weight`` (horizon,) or None.
    """
    weight = linear_weight = None
    if shrink:
        scale = [p.scales[:, None] for p in parts]
        experts = [np.concatenate([(p.quantiles[:, median] - p.naive) / s for p, s in zip(parts, scale, strict=True)])]
        if all(p.linear is not None for p in parts):
            experts.append(np.concatenate([p.linear / s for p, s in zip(parts, scale, strict=True)]))
        target = np.concatenate([(p.actual - p.naive) / s for p, s in zip(parts, scale, strict=True)])
        if baseline_only:
            weights = np.zeros((len(experts), target.shape[1]))
        else:
            weights = choose_weights(np.stack(experts), target, np.concatenate([p.blocks for p in parts]))
        weight = weights[0]
        linear_weight = weights[1] if len(experts) > 1 else None
        parts = [
            p._replace(
                quantiles=shrink_quantiles(
                    p.quantiles, p.naive, weight, median, None if linear_weight is None else linear_weight * p.linear
                )
            )
            for p in parts
        ]
    scores = np.concatenate([np.abs(p.actual - p.quantiles[:, median]) / p.scales[:, None] for p in parts])
    spreads = None
    if levels is not None:
        spreads = spread_factors(
            np.concatenate([p.quantiles for p in parts]),
            np.concatenate([p.actual for p in parts]),
            np.concatenate([p.scales for p in parts]),
            levels,
        )
    return Calibration(scores, weight, spreads, linear_weight)
