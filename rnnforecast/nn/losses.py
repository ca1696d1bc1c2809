"""Losses on the network output: value and gradient with respect to the output.

Every loss has the signature ``loss(prediction, target, sample_weight=None, **options)``
and returns ``(value, gradient)``:

* ``prediction`` and ``target`` have the same shape ``(N, ...)``;
* the value is the weighted mean over samples of the mean over the other axes,
  ``sum_i w_i mean_j l_ij / sum_i w_i`` (unit weights give the plain mean, as
  ``torch.nn.MSELoss()``); sample weights are non-negative with a positive sum;
* the gradient has the prediction's shape and dtype.

:data:`LOSSES` maps names to functions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["squared_error", "absolute_error", "huber", "pinball", "LOSSES"]


def _weights(prediction, sample_weight):
    """Per-element weights ``w_i / (sum w * elements per sample)`` broadcastable to ``prediction``."""
    n_samples = prediction.shape[0]
    per_sample = prediction.size // max(n_samples, 1)
    if sample_weight is None:
        return np.float64(1.0 / prediction.size)
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {weight.shape}")
    total = weight.sum()
    if not np.all(weight >= 0) or not total > 0:
        raise ValueError("sample_weight must be non-negative with a positive sum")
    return (weight / (total * per_sample)).reshape((n_samples,) + (1,) * (prediction.ndim - 1))


def _finish(elementwise, derivative, weights, dtype):
    value = float(np.sum(elementwise * weights))
    return value, (derivative * weights).astype(dtype, copy=False)


def squared_error(prediction, target, sample_weight=None):
    """Mean squared error; gradient ``2 (prediction - target)`` times the weights.

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = squared_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    >>> value, gradient.tolist()
    (2.5, [1.0, 2.0])
    """
    residual = np.asarray(prediction, dtype=np.float64) - target
    return _finish(residual**2, 2.0 * residual, _weights(residual, sample_weight), prediction.dtype)


def absolute_error(prediction, target, sample_weight=None):
    """Mean absolute error; gradient ``sign(prediction - target)`` (0 at 0) times the weights.

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = absolute_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    >>> value, gradient.tolist()
    (1.5, [0.5, 0.5])
    """
    residual = np.asarray(prediction, dtype=np.float64) - target
    return _finish(np.abs(residual), np.sign(residual), _weights(residual, sample_weight), prediction.dtype)


def huber(prediction, target, sample_weight=None, delta=1.0):
    """Huber loss: ``r**2 / 2`` for ``|r| <= delta``, else ``delta * (|r| - delta / 2)``.

    As ``torch.nn.HuberLoss(delta=delta)``.

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = huber(np.array([0.5, 3.0]), np.array([0.0, 0.0]))
    >>> value, gradient.tolist()
    (1.3125, [0.25, 0.5])
    """
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta!r}")
    residual = np.asarray(prediction, dtype=np.float64) - target
    small = np.abs(residual) <= delta
    elementwise = np.where(small, 0.5 * residual**2, delta * (np.abs(residual) - 0.5 * delta))
    derivative = np.where(small, residual, delta * np.sign(residual))
    return _finish(elementwise, derivative, _weights(residual, sample_weight), prediction.dtype)


def pinball(prediction, target, sample_weight=None, quantile=0.5):
    """Pinball (quantile) loss ``max(q r, (q - 1) r)`` with ``r = target - prediction``.

    ``quantile`` is a float in (0, 1) or an array broadcastable to the prediction
    (one quantile per output column, for joint quantile heads).

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = pinball(np.array([1.0, 1.0]), np.array([3.0, 0.0]), quantile=0.9)
    >>> round(value, 6), gradient.round(6).tolist()
    (0.95, [-0.45, 0.05])
    """
    quantile = np.asarray(quantile, dtype=np.float64)
    if not np.all((quantile > 0) & (quantile < 1)):
        raise ValueError("quantile must lie strictly between 0 and 1")
    residual = np.asarray(target, dtype=np.float64) - prediction
    elementwise = np.maximum(quantile * residual, (quantile - 1.0) * residual)
    derivative = np.where(residual > 0, -quantile, np.where(residual < 0, 1.0 - quantile, 0.0))
    return _finish(elementwise, derivative, _weights(residual, sample_weight), prediction.dtype)


LOSSES = {
    "squared_error": squared_error,
    "absolute_error": absolute_error,
    "huber": huber,
    "pinball": pinball,
}
