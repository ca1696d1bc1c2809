"""Training rows gathered on demand, so a training set never has to exist as one array.

A global model of a thousand series reads millions of overlapping windows; stored
as an ``(n_windows, length, channels)`` array they would need gigabytes, although
they are cut from a few megabytes of series. :class:`GatheredRows` stands in for
that array in the training engine: ``rows[indices]`` (or ``rows[start:stop]``)
asks its source for just those rows, the way a mini-batch, the validation
windows or a moment estimate need them. The source is any object with
``gather(indices) -> ndarray`` (the forecasting tier's panel windows); a
:class:`Standardize` transform, applied batch by batch, gives the scaled float32
rows the networks read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GatheredRows", "Standardize", "evenly_spaced", "feature_moments"]

#: Windows gathered at a time by :func:`feature_moments`.
MOMENT_CHUNK = 1024

#: Rows gathered at a time when a whole set is materialised (``np.asarray``) or scanned.
CHUNK_ROWS = 1024


@dataclass(frozen=True)
class Standardize:
    """``((rows - mean) / scale).astype(dtype)``, the regressor's input (or target) scaling."""

    mean: np.ndarray
    scale: np.ndarray
    dtype: np.dtype

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale).astype(self.dtype)


class GatheredRows:
    """An array-like of ``n_rows`` rows of shape ``row_shape`` that its ``source`` gathers on demand.

    Parameters
    ----------
    source : object
        Has ``gather(indices) -> ndarray (len(indices), *row_shape)``.
    n_rows : int
        Number of rows.
    row_shape : tuple of int
        Shape of one row.
    transform : callable, optional
        Applied to every gathered block (e.g. :class:`Standardize`).
    dtype : numpy dtype, default=float64
        Dtype of the rows after ``transform``.
    """

    def __init__(self, source, n_rows, row_shape, transform=None, dtype=np.float64):
        self.source = source
        self.n_rows = int(n_rows)
        self.row_shape = tuple(row_shape)
        self.transform = transform
        self.dtype = np.dtype(dtype)

    @property
    def shape(self) -> tuple:
        return (self.n_rows, *self.row_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.row_shape)

    @property
    def nbytes(self) -> int:
        """Bytes the rows would take as one array (what gathering avoids)."""
        return self.n_rows * int(np.prod(self.row_shape)) * self.dtype.itemsize

    def __len__(self) -> int:
        return self.n_rows

    def __getitem__(self, key) -> np.ndarray:
        indices = np.arange(self.n_rows)[key] if isinstance(key, slice) else np.asarray(key, dtype=np.intp)
        if indices.ndim != 1:
            raise IndexError("gathered rows are indexed by a slice or a 1-D array of positions")
        return self.take(indices) if len(indices) > CHUNK_ROWS else self._gather(indices)

    def _gather(self, indices) -> np.ndarray:
        rows = self.source.gather(indices)
        return rows if self.transform is None else self.transform(rows)

    def with_transform(self, transform, dtype) -> GatheredRows:
        """The same rows, passed through ``transform`` (producing ``dtype``)."""
        return GatheredRows(self.source, self.n_rows, self.row_shape, transform, dtype)

    def take(self, indices) -> np.ndarray:
        """``self[indices]``, gathered :data:`CHUNK_ROWS` rows at a time into one array (bounded temporaries)."""
        indices = np.asarray(indices, dtype=np.intp)
        out = np.empty((len(indices), *self.row_shape), dtype=self.dtype)
        for start in range(0, len(indices), CHUNK_ROWS):
            out[start : start + CHUNK_ROWS] = self._gather(indices[start : start + CHUNK_ROWS])
        return out

    def __array__(self, dtype=None, copy=None):
        """Materialise every row (chunk by chunk); only for engines that need one array (the CUDA fleet)."""
        out = self.take(np.arange(self.n_rows))
        return out if dtype is None else out.astype(dtype, copy=False)


def evenly_spaced(n: int, limit: int | None) -> np.ndarray:
    """``limit`` positions spread evenly over ``range(n)`` (all of them when ``n <= limit`` or no limit)."""
    if limit is None or n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.intp))


def _carry_sum(total, block):
    """``block.sum(axis=0)`` continued from ``total`` (numpy adds the rows of a 2-D block one after another)."""
    return block.sum(axis=0) if total is None else np.concatenate([total[None], block]).sum(axis=0)


def feature_moments(rows: GatheredRows, indices, weight):
    """Weighted mean and standard deviation of every feature over the steps of the windows ``rows[indices]``.

    The same numbers, bit for bit, as the weighted moments of the array
    ``rows[indices].reshape(-1, n_features)`` with each window's weight repeated
    over its steps (``np.average``), computed :data:`MOMENT_CHUNK` windows at a
    time so memory stays bounded: numpy reduces the rows of a 2-D array with
    several columns one after another, so a running sum carried from chunk to
    chunk adds in the same order. A single feature (a 1-D reduction, which
    numpy sums pairwise) is reduced in one block; it is small.

    Parameters
    ----------
    rows : GatheredRows
        Windows ``(n, steps, n_features)``.
    indices : ndarray of int
        The windows to use.
    weight : ndarray (n,)
        Weight of every window of ``rows``.

    Returns
    -------
    mean, std : ndarray (n_features,)
        ``std`` is 1 where a feature is constant.
    """
    indices = np.asarray(indices, dtype=np.intp)
    steps, n_features = rows.row_shape
    step_weight = np.repeat(weight[indices], steps)
    total = step_weight.sum()
    chunk = len(indices) if n_features == 1 else MOMENT_CHUNK
    blocks = [indices[i : i + chunk] for i in range(0, len(indices), chunk)]

    def weights_of(block):
        return np.repeat(weight[block], steps)[:, None]

    running = None
    for block in blocks:
        running = _carry_sum(running, rows[block].reshape(-1, n_features) * weights_of(block))
    mean = running / total
    running = None
    for block in blocks:
        deviation = rows[block].reshape(-1, n_features) - mean
        np.square(deviation, out=deviation)
        np.multiply(deviation, weights_of(block), out=deviation)
        running = _carry_sum(running, deviation)
    std = np.sqrt(running / total)
    return mean, np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
