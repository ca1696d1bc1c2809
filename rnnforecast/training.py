"""One training step: forward, loss, backward, optimizer update.

This is the unit the benchmarks time (DESIGN section 5); the full training
engine (batches, schedules, early stopping) is built on it.
"""

from __future__ import annotations

import numpy as np

from .losses import LOSSES

__all__ = ["train_step"]


def train_step(network, optimizer, params, grad, x, y, *, loss="squared_error", rng=None):
    """Take one optimizer step on the batch ``(x, y)``; return the loss before it.

    Parameters
    ----------
    network : RecurrentNetwork
    optimizer : object with ``step(params, grad)``
    params, grad : ndarray (P,)
        Flat parameters (updated in place) and a gradient buffer.
    x : ndarray (N, T, I)
    y : ndarray, shape of the network output
    loss : str, default="squared_error"
        Name in :data:`rnnforecast.losses.LOSSES`.
    rng : numpy.random.Generator, optional
        For dropout masks; dropout is applied only when given.

    Returns
    -------
    loss_value : float
    """
    prediction = network.forward(params, x, training=rng is not None, rng=rng)
    value, d_prediction = LOSSES[loss](prediction, np.asarray(y, dtype=params.dtype))
    network.backward(params, d_prediction, grad)
    optimizer.step(params, grad)
    return value
