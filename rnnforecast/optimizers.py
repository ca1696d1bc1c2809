"""Optimizers over the flat parameter buffer.

Each optimizer keeps its state in arrays shaped like the buffer and updates the
buffer in place with one fused compiled loop. :data:`OPTIMIZERS` maps names to
classes (the training engine grows this registry).
"""

from __future__ import annotations

import numpy as np

from .kernels._optimizers import adam_update

__all__ = ["Adam", "OPTIMIZERS"]


class Adam:
    """Adam with PyTorch's defaults and semantics (L2 ``weight_decay`` added to the gradient).

    Parameters
    ----------
    size : int
        Number of parameters.
    learning_rate : float, default=1e-3
    beta1, beta2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    weight_decay : float, default=0.0
    dtype : numpy dtype, default=float32
        Dtype of the moment buffers (that of the parameters).

    Examples
    --------
    >>> import numpy as np
    >>> params = np.array([1.0, -2.0], dtype=np.float32)
    >>> optimizer = Adam(params.size, learning_rate=0.1)
    >>> optimizer.step(params, np.array([0.5, -0.5], dtype=np.float32))
    >>> [round(float(value), 4) for value in params]
    [0.9, -1.9]
    """

    def __init__(
        self, size, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0, dtype=np.float32
    ):
        for name, value, low, high in (
            ("beta1", beta1, 0.0, 1.0),
            ("beta2", beta2, 0.0, 1.0),
        ):
            if not low <= value < high:
                raise ValueError(f"{name} must be in [{low}, {high}), got {value!r}")
        if learning_rate <= 0 or epsilon <= 0 or weight_decay < 0:
            raise ValueError("learning_rate and epsilon must be > 0 and weight_decay >= 0")
        self.learning_rate = float(learning_rate)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.epsilon = float(epsilon)
        self.weight_decay = float(weight_decay)
        self.first_moment = np.zeros(size, dtype)
        self.second_moment = np.zeros(size, dtype)
        self.steps = 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` in place from ``grad``."""
        self.steps += 1
        adam_update(
            params, grad, self.first_moment, self.second_moment, self.steps,
            self.learning_rate, self.beta1, self.beta2, self.epsilon, self.weight_decay,
        )  # fmt: skip


OPTIMIZERS = {"adam": Adam}
