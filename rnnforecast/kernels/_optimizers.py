"""Fused optimizer updates over the flat parameter buffer."""

from __future__ import annotations

import math

from ._jit import kernel

__all__ = ["adam_update"]


@kernel
def adam_update(params, grad, first_moment, second_moment, step, learning_rate, beta1, beta2, epsilon, weight_decay):
    """One Adam step (Kingma & Ba, 2015), in place, element by element.

    With ``g = grad + weight_decay * params`` (L2 penalty, as ``torch.optim.Adam``)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        params -= lr * (m / (1 - beta1**step)) / (sqrt(v / (1 - beta2**step)) + eps)

    Parameters
    ----------
    params, grad, first_moment, second_moment : ndarray (P,)
        Same dtype; ``params`` and both moments are updated in place.
    step : int
        1-based step count (for the bias corrections).
    learning_rate, beta1, beta2, epsilon, weight_decay : float
    """
    # Scalars stay float64; each element is computed in float64 and stored in the
    # buffer's dtype (the update is a tiny fraction of a training step).
    step_size = learning_rate / (1.0 - beta1**step)
    inv_root2 = 1.0 / math.sqrt(1.0 - beta2**step)
    for p in range(params.size):
        g = grad[p] + weight_decay * params[p]
        m = beta1 * first_moment[p] + (1.0 - beta1) * g
        v = beta2 * second_moment[p] + (1.0 - beta2) * g * g
        first_moment[p] = m
        second_moment[p] = v
        params[p] -= step_size * m / (math.sqrt(v) * inv_root2 + epsilon)
