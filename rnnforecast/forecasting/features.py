"""Network inputs and targets of a forecaster: windows cut from each series at chosen origins.

A window ending at origin ``t`` (the last observed step) holds, step by step,

====================  =============================================================
channel               value
====================  =============================================================
target                ``(y[s] - center) / scale`` for the ``n_steps`` past steps, 0 after
past exogenous        standardised values for past steps, 0 after
observed flag         1 for past steps, 0 for the future steps (only with future steps)
future exogenous      standardised values, past and future steps
calendar              sine/cosine encodings, past and future steps
baseline              ``(base[k] - center) / scale`` on future step ``k``, 0 before
                      (``"window"`` normalisation with a season longer than 1)
====================  =============================================================

Future steps (``n_future`` of them) are appended only when some channel is known
in the future, so the recurrent state has read the future calendar, exogenous
values and baseline when the head forecasts. Targets are
``(y[t + k] - base[k]) / scale`` for ``k = 1..n_ahead``.

The normalisation sets ``center``, ``base`` and ``scale``:

* ``"series"``: the series' training mean (as centre and base) and standard
  deviation;
* ``"window"``: the centre is the window's last value, the base of step ``k`` is
  the seasonal-naive forecast ``y[t + k - m ceil(k / m)]`` (the last value when
  the season ``m`` is 1), and the scale is the window's mean absolute
  step-to-step change (floored at a tenth of the series' typical change). The
  network thus learns a correction to the seasonal-naive forecast, invariant to
  the level and local volatility of the series: stock prices over thirty years,
  or traffic at 3 a.m. and at rush hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SeriesScale", "WindowSpec", "WindowStats", "series_scale", "past_values", "window_positions",
    "window_normalization", "assemble_windows", "cut_windows", "cut_targets", "exog_roles", "quantile_levels",
]  # fmt: skip

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
    season_length: int
    past_columns: np.ndarray  # indices of past-only exogenous columns
    future_columns: np.ndarray  # indices of future-known exogenous columns
    n_calendar: int

    @property
    def has_future(self) -> bool:
        return self.n_future > 0

    @property
    def has_baseline(self) -> bool:
        return self.normalize == "window" and self.season_length > 1

    @property
    def n_channels(self) -> int:
        if not self.has_future:
            return 1 + len(self.past_columns)
        extra = 1 + len(self.future_columns) + self.n_calendar + int(self.has_baseline)
        return 1 + len(self.past_columns) + extra

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


def past_values(values, origins, n_steps):
    """The ``n_steps`` values ending at each origin: ndarray (W, n_steps)."""
    return values[np.asarray(origins, dtype=np.intp)[:, None] + np.arange(1 - n_steps, 1)]


@dataclass(frozen=True)
class WindowStats:
    """Training statistics of each window's series, one row per window (or one row broadcast to all)."""

    mean: np.ndarray  # (W,)
    std: np.ndarray  # (W,)
    step: np.ndarray  # (W,)
    exog_mean: np.ndarray  # (W or 1, n_exog)
    exog_std: np.ndarray  # (W or 1, n_exog)

    @classmethod
    def of_series(cls, scale: SeriesScale, n_windows: int) -> WindowStats:
        """The statistics of ``n_windows`` windows of the one series ``scale`` describes."""
        return cls(
            np.full(n_windows, scale.mean),
            np.full(n_windows, scale.std),
            np.full(n_windows, scale.step),
            scale.exog_mean[None, :],
            scale.exog_std[None, :],
        )


def window_normalization(raw: np.ndarray, spec: WindowSpec, stats: WindowStats):
    """Centres (W,), bases (W, n_ahead) and scales (W,) of the windows ``raw`` (W, n_steps)."""
    if spec.normalize == "series":
        return stats.mean.copy(), np.repeat(stats.mean[:, None], spec.n_ahead, axis=1), stats.std.copy()
    centers = raw[:, -1].copy()
    k = np.arange(1, spec.n_ahead + 1)
    m = spec.season_length
    bases = raw[:, spec.n_steps - 1 + k - m * np.ceil(k / m).astype(np.intp)]
    local = np.abs(np.diff(raw, axis=1)).mean(axis=1) if spec.n_steps > 1 else stats.step.copy()
    return centers, bases, np.maximum(local, 0.1 * stats.step)


def window_positions(origins, spec: WindowSpec) -> np.ndarray:
    """Rows every window reads: the ``n_steps`` past steps and the ``n_future`` future ones, ndarray (W, length)."""
    return np.asarray(origins, dtype=np.intp)[:, None] + np.arange(1 - spec.n_steps, 1 + spec.n_future)


def assemble_windows(raw, exog_rows, calendar_rows, spec: WindowSpec, stats: WindowStats):
    """Inputs of windows from the rows they read (the one place the channels are laid out).

    Parameters
    ----------
    raw : ndarray (W, n_steps)
        Target values of each window.
    exog_rows : ndarray (W, length, n_exog) or None
        Exogenous values on the rows of :func:`window_positions`.
    calendar_rows : ndarray (W, length, n_calendar) or None
        Calendar features on the same rows (None without calendar channels).
    spec : WindowSpec
    stats : WindowStats
        The statistics of each window's series.

    Returns
    -------
    x : ndarray (W, spec.length, spec.n_channels)
    bases : ndarray (W, n_ahead)
    scales : ndarray (W,)
        Targets are ``(y - bases) / scales[:, None]``.
    """
    n_steps = spec.n_steps
    centers, bases, scales = window_normalization(raw, spec, stats)
    x = np.zeros((len(raw), spec.length, spec.n_channels))
    x[:, :n_steps, 0] = (raw - centers[:, None]) / scales[:, None]
    channel = 1
    if len(spec.past_columns):
        columns = spec.past_columns
        past = exog_rows[:, :n_steps, columns]
        x[:, :n_steps, channel : channel + len(columns)] = (past - stats.exog_mean[:, None, columns]) / stats.exog_std[
            :, None, columns
        ]
        channel += len(columns)
    if not spec.has_future:
        return x, bases, scales
    x[:, :n_steps, channel] = 1.0
    channel += 1
    if len(spec.future_columns):
        columns = spec.future_columns
        future = exog_rows[:, :, columns]
        x[:, :, channel : channel + len(columns)] = (future - stats.exog_mean[:, None, columns]) / stats.exog_std[
            :, None, columns
        ]
        channel += len(columns)
    if spec.n_calendar:
        x[:, :, channel : channel + spec.n_calendar] = calendar_rows
        channel += spec.n_calendar
    if spec.has_baseline:
        x[:, n_steps:, channel] = (bases[:, : spec.n_future] - centers[:, None]) / scales[:, None]
    return x, bases, scales


def cut_windows(raw, exog, calendar, origins, spec: WindowSpec, scale: SeriesScale | WindowStats):
    """Inputs of the windows ending at ``origins`` of one series (or of a panel's series laid end to end).

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
    scale : SeriesScale or WindowStats
        The series' statistics, or each window's (windows of several series).

    Returns
    -------
    x : ndarray (W, spec.length, spec.n_channels)
    bases : ndarray (W, n_ahead)
    scales : ndarray (W,)
        Targets are ``(y - bases) / scales[:, None]``.
    """
    positions = window_positions(origins, spec)
    exog_rows = exog[positions] if exog is not None and exog.shape[1] else None
    calendar_rows = calendar[positions] if spec.has_future and spec.n_calendar else None
    stats = scale if isinstance(scale, WindowStats) else WindowStats.of_series(scale, len(positions))
    return assemble_windows(raw, exog_rows, calendar_rows, spec, stats)


def cut_targets(values, origins, n_ahead, bases, scales):
    """Normalised targets ``(values[origin + k] - base[k]) / scale`` for ``k = 1..n_ahead``: ndarray (W, n_ahead)."""
    positions = np.asarray(origins, dtype=np.intp)[:, None] + np.arange(1, n_ahead + 1)
    return (values[positions] - bases[:, :n_ahead]) / scales[:, None]


def quantile_levels(quantiles):
    """The sorted, unique quantile levels of the heads, with the median (0.5) always among them."""
    levels = np.asarray([] if quantiles is None else quantiles, dtype=np.float64).ravel()
    if not np.all((levels > 0) & (levels < 1)):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {list(levels)}")
    return np.unique(np.append(levels, 0.5))


def exog_roles(names, past_exog, strategy):
    """Positions of the past-only and the future-known exogenous columns among ``names``.

    Parameters
    ----------
    names : list of str
        Columns of ``X``.
    past_exog : list of str or None
        Columns known only up to the forecast origin.
    strategy : {"direct", "recursive"}
        A recursive model needs every column in the future.

    Returns
    -------
    past_columns, future_columns : ndarray of int
    """
    past = [] if past_exog is None else list(past_exog)
    unknown = [name for name in past if name not in names]
    if unknown:
        raise ValueError(f"past_exog names columns {unknown} that X does not have (X has {names})")
    past_columns = np.array([i for i, name in enumerate(names) if name in past], dtype=np.intp)
    future_columns = np.array([i for i, name in enumerate(names) if name not in past], dtype=np.intp)
    if strategy == "recursive" and len(past_columns):
        raise ValueError(
            "strategy='recursive' needs every exogenous column to be known in the future; past-only columns "
            f"{past} need strategy='direct'"
        )
    return past_columns, future_columns
