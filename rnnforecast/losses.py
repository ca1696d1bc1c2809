"""Losses on the network output: value and gradient with respect to the output.

Each loss takes ``(prediction, target)`` of the same shape and returns
``(value, gradient)``, the value averaged over every element (as
``torch.nn.MSELoss()`` does). :data:`LOSSES` maps names to functions; the training
engine grows this registry.
"""

from __future__ import annotations

import numpy as np

__all__ = ["squared_error", "LOSSES"]


def squared_error(prediction: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient ``2 (prediction - target) / n``.

    Examples
    --------
    >>> import numpy as np
    >>> value, gradient = squared_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    >>> value, gradient.tolist()
    (2.5, [1.0, 2.0])
    """
    residual = prediction - target
    value = float(np.mean(residual.astype(np.float64) ** 2))
    gradient = residual * residual.dtype.type(2.0 / residual.size)
    return value, gradient


LOSSES = {"squared_error": squared_error}
