"""Network inputs and targets of a forecaster: windows cut from each series at chosen origins.

A window ending at origin ``t`` (the last observed step) holds, step by step,

====================  =============================================================
channel               value
====================  =============================================================
target                ``(y[s] - center) / scale`` for the ``n_steps`` past steps, 0 after
past exogenous        standardised values for past steps, 0 after
observed flag         1 for past steps, 0 for the future steps (only with future channels)
future exogenous      standardised values, past and future steps
calendar              sine/cosine encodings, past and future steps
====================  =============================================================

Future steps (``n_future`` of them) are appended only when some channel is known
in the future, so the recurrent state has read the future calendar and exogenous
values when the head forecasts. Targets are ``(y[t + k] - center) / scale`` for
``k = 1..n_ahead``.

``center`` and ``scale`` depend on the normalisation: ``"series"`` uses the
series' mean and standard deviation (from training); ``"window"`` uses the last
observed value of the window and the mean absolute step-to-step change inside the
window (floored at a tenth of the series' typical change), which makes the model
invariant to the level and local volatility of the series: stock prices over
thirty years, or traffic at 3 a.m. and at rush hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SeriesScale", "WindowSpec", "series_scale", "past_values", "cut_windows", "cut_targets"]

NORMALIZATIONS = ("window", "series")


@dataclass(frozen=True)
class SeriesScale:
    """Training statistics of one series (and its exogenous columns)."""

    mean: float
    std: float
    step: float  # mean absolute change between consecutive observations
    exog_mean: np.ndarray
    exog_std: np.ndarray


@dataclass(frozen=True)
class WindowSpec:
    """Shape of the windows a forecaster's network reads."""

    n_steps: int
    n_ahead: int  # targets per window
    n_future: int  # future steps appended to each window (0 without future channels)
    normalize: str
    past_columns: np.ndarray  # indices of past-only exogenous columns
    future_columns: np.ndarray  # indices of future-known exogenous columns
    n_calendar: int

    @property
    def has_future(self) -> bool:
        return self.n_future > 0

    @property
    def n_channels(self) -> int:
        past = 1 + len(self.past_columns)
        return past + (1 + len(self.future_columns) + self.n_calendar if self.has_future else 0)

    @property
    def length(self) -> int:
        return self.n_steps + self.n_future


def _robust_std(values: np.ndarray) -> float:
    std = float(np.std(values))
    return std if std > 1e-12 * max(abs(float(np.mean(values))), 1.0) else 1.0


def series_scale(values: np.ndarray, exog: np.ndarray | None) -> SeriesScale:
    """Statistics of one training series; constant series get a unit scale."""
    steps = np.abs(np.diff(values))
    step = float(steps.mean()) if len(steps) and steps.mean() > 0 else _robust_std(values)
    if exog is None or exog.shape[1] == 0:
        exog_mean = exog_std = np.zeros(0)
    else:
        exog_mean = exog.mean(axis=0)
        exog_std = np.array([_robust_std(column) for column in exog.T])
    return SeriesScale(float(values.mean()), _robust_std(values), step, exog_mean, exog_std)


def _centers_and_scales(windows: np.ndarray, spec: WindowSpec, scale: SeriesScale):
    if spec.normalize == "series":
        n = len(windows)
        return np.full(n, scale.mean), np.full(n, scale.std)
    centers = windows[:, -1].copy()
    if windows.shape[1] > 1:
        local = np.abs(np.diff(windows, axis=1)).mean(axis=1)
    else:
        local = np.full(len(windows), scale.step)
    return centers, np.maximum(local, 0.1 * scale.step)


def past_values(values, origins, n_steps):
    """The ``n_steps`` values ending at each origin: ndarray (W, n_steps)."""
    return values[np.asarray(origins, dtype=np.intp)[:, None] + np.arange(1 - n_steps, 1)]


def cut_windows(raw, exog, calendar, origins, spec: WindowSpec, scale: SeriesScale):
    """Inputs of the windows ending at ``origins`` of one series.

    Parameters
    ----------
    raw : ndarray (W, n_steps)
        Target values of each window (:func:`past_values`, or values updated by a
        recursive forecast).
    exog : ndarray (m, n_exog) or None
        Exogenous values, ``m >= max(origins) + 1 + n_future`` when future columns
        exist (rows after the last observation hold future values).
    calendar : ndarray (m, n_calendar)
        Calendar features on the same rows as ``exog``.
    origins : ndarray of int (W,)
    spec : WindowSpec
    scale : SeriesScale

    Returns
    -------
    x : ndarray (W, spec.length, spec.n_channels)
    centers, scales : ndarray (W,)
        Normalisation of each window (targets are ``(y - center) / scale``).
    """
    origins = np.asarray(origins, dtype=np.intp)
    past_positions = origins[:, None] + np.arange(1 - spec.n_steps, 1)
    centers, scales = _centers_and_scales(raw, spec, scale)
    x = np.zeros((len(origins), spec.length, spec.n_channels))
    x[:, : spec.n_steps, 0] = (raw - centers[:, None]) / scales[:, None]
    channel = 1
    if len(spec.past_columns):
        past = exog[:, spec.past_columns]
        standard = (past - scale.exog_mean[spec.past_columns]) / scale.exog_std[spec.past_columns]
        x[:, : spec.n_steps, channel : channel + len(spec.past_columns)] = standard[past_positions]
        channel += len(spec.past_columns)
    if spec.has_future:
        x[:, : spec.n_steps, channel] = 1.0
        channel += 1
        positions = origins[:, None] + np.arange(1 - spec.n_steps, 1 + spec.n_future)
        if len(spec.future_columns):
            future = exog[:, spec.future_columns]
            standard = (future - scale.exog_mean[spec.future_columns]) / scale.exog_std[spec.future_columns]
            x[:, :, channel : channel + len(spec.future_columns)] = standard[positions]
            channel += len(spec.future_columns)
        if spec.n_calendar:
            x[:, :, channel:] = calendar[positions]
    return x, centers, scales


def cut_targets(values, origins, n_ahead, centers, scales):
    """Normalised targets ``(values[origin + k] - center) / scale`` for ``k = 1..n_ahead``: ndarray (W, n_ahead)."""
    positions = np.asarray(origins, dtype=np.intp)[:, None] + np.arange(1, n_ahead + 1)
    return (values[positions] - centers[:, None]) / scales[:, None]
