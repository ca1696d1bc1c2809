"""Windows gathered from a panel on demand: the training set of a global model without its memory.

A :class:`PanelStore` keeps the training series of a panel end to end in one
contiguous array (with per-series offsets, statistics, exogenous and calendar
rows). A window is named by its series and its origin; :meth:`PanelStore.windows`
cuts any set of windows from any series in one vectorised pass of
:func:`~rnnforecast.forecasting.features.cut_windows` on the flat array (each
window with its own series' statistics), so a mini-batch costs the batch, not
the panel. :class:`WindowIndex` lists every
training window in time order (the most recent last, for held-out windows), and
:func:`training_rows` wraps it as the lazy inputs and targets the training
engine reads (:class:`~rnnforecast.nn.rows.GatheredRows`).

Memory is the panel (8 bytes a value, plus exogenous and calendar columns) and
three integers per window, whatever the lookback: 1,000 hourly series of 2,000
points take about 16 MB of values and 50 MB of index, where their stored
windows would take 3 GB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..nn.rows import GatheredRows
from .features import WindowSpec, WindowStats, cut_targets, cut_windows, past_values, window_normalization

__all__ = ["PanelStore", "WindowIndex", "window_index", "training_rows"]


class PanelStore:
    """The series of a panel, end to end, with what a window of each needs.

    Parameters
    ----------
    values : list of ndarray (n_i,)
        Observed values of each series.
    exogs : list of ndarray (m_i, n_exog) or list of None
        Exogenous rows of each series; ``m_i >= n_i`` (rows after the
        observations hold future values, for forecasts).
    calendars : list of ndarray (m_i, n_calendar)
        Calendar features on the same rows (``m_i`` rows, even with no columns).
    scales : list of SeriesScale
        Training statistics of each series.
    spec : WindowSpec
        How windows are cut.
    """

    def __init__(self, values, exogs, calendars, scales, spec: WindowSpec):
        self.spec = spec
        self.lengths = np.array([len(v) for v in values], dtype=np.intp)
        rows = np.array([len(c) for c in calendars], dtype=np.intp)
        self.offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.intp)
        if np.array_equal(rows, self.lengths):
            self.values = np.concatenate(values).astype(np.float64, copy=False)
        else:  # zeros on the future rows (never read as observations)
            self.values = np.zeros(int(rows.sum()))
            for offset, series in zip(self.offsets, values, strict=True):
                self.values[offset : offset + len(series)] = series
        self.exog = np.concatenate(exogs) if exogs and exogs[0] is not None and exogs[0].shape[1] else None
        self.calendar = np.concatenate(calendars) if spec.has_future and spec.n_calendar else None
        n_exog = 0 if exogs[0] is None else exogs[0].shape[1]
        self.stats = WindowStats(
            np.array([s.mean for s in scales]),
            np.array([s.std for s in scales]),
            np.array([s.step for s in scales]),
            np.array([s.exog_mean for s in scales]).reshape(len(scales), n_exog),
            np.array([s.exog_std for s in scales]).reshape(len(scales), n_exog),
        )

    @property
    def n_series(self) -> int:
        return len(self.lengths)

    def _window_stats(self, series) -> WindowStats:
        s = self.stats
        return WindowStats(s.mean[series], s.std[series], s.step[series], s.exog_mean[series], s.exog_std[series])

    def _flat(self, series, origins):
        return self.offsets[np.asarray(series, dtype=np.intp)] + np.asarray(origins, dtype=np.intp)

    def past(self, series, origins) -> np.ndarray:
        """The ``n_steps`` values ending at each origin: ndarray (W, n_steps)."""
        return past_values(self.values, self._flat(series, origins), self.spec.n_steps)

    def ahead(self, series, origins, steps: int) -> np.ndarray:
        """The ``steps`` values after each origin: ndarray (W, steps)."""
        return self.values[self._flat(series, origins)[:, None] + np.arange(1, steps + 1)]

    def calendar_after(self, series, origins, columns) -> np.ndarray | None:
        """Calendar features ``columns`` (positions) of the first step after each origin: ndarray (W, len(columns)).

        None when the store holds no calendar rows or no columns are asked for.
        """
        if self.calendar is None or not len(columns):
            return None
        return self.calendar[self._flat(series, origins) + 1][:, np.asarray(columns, dtype=np.intp)]

    def windows(self, series, origins, raw=None):
        """Inputs, bases and scales of the windows ending at ``origins`` of ``series`` (:func:`cut_windows`).

        ``raw`` (W, n_steps) replaces the observed values of the windows (a
        recursive forecast appends its own forecasts).
        """
        series = np.asarray(series, dtype=np.intp)
        flat = self._flat(series, origins)
        raw = past_values(self.values, flat, self.spec.n_steps) if raw is None else raw
        return cut_windows(raw, self.exog, self.calendar, flat, self.spec, self._window_stats(series))

    def scales(self, series, origins, raw=None) -> np.ndarray:
        """Normalisation scales of the windows ending at ``origins`` of ``series``: ndarray (W,).

        ``raw`` (W, n_steps), the windows' values when the caller already has them (:meth:`past`).
        """
        series = np.asarray(series, dtype=np.intp)
        raw = past_values(self.values, self._flat(series, origins), self.spec.n_steps) if raw is None else raw
        return window_normalization(raw, self.spec, self._window_stats(series))[2]

    def targets(self, series, origins):
        """Normalised targets of those windows, ``(y[origin + k] - base[k]) / scale``: ndarray (W, n_ahead)."""
        series = np.asarray(series, dtype=np.intp)
        flat = self._flat(series, origins)
        raw = past_values(self.values, flat, self.spec.n_steps)
        _, bases, scales = window_normalization(raw, self.spec, self._window_stats(series))
        return cut_targets(self.values, flat, self.spec.n_ahead, bases, scales)


@dataclass(frozen=True)
class WindowIndex:
    """Every training window of a panel, in time order (ties by series): its series, origin and time."""

    series: np.ndarray  # (n_windows,) series of each window
    origins: np.ndarray  # (n_windows,) last observed position, within its series
    times: np.ndarray  # (n_windows,) origin on the panel's common clock

    def __len__(self) -> int:
        return len(self.origins)


def window_index(lengths, panel, spec: WindowSpec, freq) -> WindowIndex:
    """The :class:`WindowIndex` of training series of ``lengths`` (the last ``lengths[i]`` points of ``panel``).

    Parameters
    ----------
    lengths : sequence of int
        Training points of each series (after ``max_train_size``).
    panel : Panel
        The checked input (its time indexes place the series on one clock).
    spec : WindowSpec
        How windows are cut.
    freq : pandas offset or None
        Frequency of the time index.
    """
    reference = panel.index[0][0]
    first_time = min(_position(index[0], freq, reference) for index in panel.index)
    series, origins, times = [], [], []
    for i, length in enumerate(lengths):
        origin = np.arange(spec.n_steps - 1, length - spec.n_ahead)
        offset = len(panel.values[i]) - length
        times.append(_position(panel.index[i][offset], freq, reference) - first_time + origin)
        series.append(np.full(len(origin), i, dtype=np.int32))
        origins.append(origin.astype(np.int32))
    times = np.concatenate(times)
    order = np.argsort(times, kind="stable")
    return WindowIndex(np.concatenate(series)[order], np.concatenate(origins)[order], times[order])


class _Inputs:
    """Gathers the network inputs of windows of a :class:`WindowIndex`."""

    def __init__(self, store: PanelStore, index: WindowIndex):
        self.store, self.index = store, index

    def gather(self, rows):
        return self.store.windows(self.index.series[rows], self.index.origins[rows])[0]


class _Targets:
    """Gathers the normalised targets of windows, repeated once per quantile head."""

    def __init__(self, store: PanelStore, index: WindowIndex, n_heads: int):
        self.store, self.index, self.n_heads = store, index, n_heads

    def gather(self, rows):
        targets = self.store.targets(self.index.series[rows], self.index.origins[rows])
        return np.tile(targets, (1, self.n_heads))


def training_rows(store: PanelStore, index: WindowIndex, n_heads: int):
    """Lazy inputs ``(n_windows, length, channels)`` and targets ``(n_windows, n_ahead * n_heads)`` of ``index``."""
    spec = store.spec
    x = GatheredRows(_Inputs(store, index), len(index), (spec.length, spec.n_channels))
    y = GatheredRows(_Targets(store, index, n_heads), len(index), (spec.n_ahead * n_heads,))
    return x, y


def _position(timestamp, freq, reference) -> int:
    """Steps from ``reference`` to ``timestamp`` (for ordering windows of several series in time)."""
    if freq is None:
        return int(timestamp - reference)
    if isinstance(freq, pd.offsets.BusinessDay):
        return int(np.busday_count(reference.date(), timestamp.date()))
    try:
        return int((timestamp - reference) // pd.Timedelta(freq.nanos))
    except ValueError:
        return len(pd.date_range(reference, timestamp, freq=freq)) - 1
