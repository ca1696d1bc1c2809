"""Optimizers over the flat parameter buffer, with PyTorch's semantics.

Each optimizer keeps its state in arrays shaped like the buffer and updates the
buffer in place (Adam with one fused compiled loop; SGD and RMSprop with a few
vectorised NumPy operations). ``learning_rate`` is a plain attribute, so
schedules can change it between steps. :data:`OPTIMIZERS` maps names to classes;
:func:`clip_grad_norm` rescales a gradient to a maximum global norm.
"""

from __future__ import annotations

import numpy as np

from ..kernels._optimizers import adam_update

__all__ = ["Adam", "SGD", "RMSprop", "clip_grad_norm", "OPTIMIZERS"]


def _check_common(learning_rate, weight_decay):
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")


def clip_grad_norm(grad: np.ndarray, max_norm: float) -> float:
    """Scale ``grad`` in place so that its Euclidean norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the factor is
    ``min(1, max_norm / (norm + 1e-6))``. Returns the norm before clipping (may be
    ``inf``/``nan``, which the caller should treat as divergence).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.array([3.0, 4.0])
    >>> clip_grad_norm(g, 1.0)
    5.0
    >>> [round(float(v), 4) for v in g]
    [0.6, 0.8]
    """
    norm = float(np.sqrt(np.dot(grad.astype(np.float64), grad.astype(np.float64))))
    if np.isfinite(norm) and norm > max_norm:
        grad *= grad.dtype.type(max_norm / (norm + 1e-6))
    return norm


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
            params,
            grad,
            self.first_moment,
            self.second_moment,
            self.steps,
            self.learning_rate,
            self.beta1,
            self.beta2,
            self.epsilon,
            self.weight_decay,
        )


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    With ``g = grad + weight_decay * params``: ``buf = g`` on the first step, then
    ``buf = momentum * buf + g``; the step uses ``g + momentum * buf`` (Nesterov)
    or ``buf``; ``params -= learning_rate * step``.

    Examples
    --------
    >>> import numpy as np
    >>> params = np.array([1.0, 1.0])
    >>> optimizer = SGD(2, learning_rate=0.5, momentum=0.9)
    >>> optimizer.step(params, np.array([1.0, -1.0]))
    >>> params.tolist()
    [0.5, 1.5]
    """

    def __init__(self, size, learning_rate=1e-2, momentum=0.0, nesterov=False, weight_decay=0.0, dtype=np.float32):
        _check_common(learning_rate, weight_decay)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.buffer = np.zeros(size, dtype)
        self.steps = 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` in place from ``grad``."""
        g = grad + params * params.dtype.type(self.weight_decay) if self.weight_decay else grad
        if self.momentum:
            if self.steps == 0:
                self.buffer[...] = g
            else:
                self.buffer *= self.buffer.dtype.type(self.momentum)
                self.buffer += g
            g = g + self.buffer * self.buffer.dtype.type(self.momentum) if self.nesterov else self.buffer
        params -= params.dtype.type(self.learning_rate) * g
        self.steps += 1


class RMSprop:
    """RMSprop, as ``torch.optim.RMSprop`` (not centred, no momentum).

    With ``g = grad + weight_decay * params``: ``v = alpha * v + (1 - alpha) g**2``
    and ``params -= learning_rate * g / (sqrt(v) + epsilon)``.

    Examples
    --------
    >>> import numpy as np
    >>> params = np.array([1.0])
    >>> RMSprop(1, learning_rate=0.1, alpha=0.0).step(params, np.array([2.0]))
    >>> [round(float(v), 6) for v in params]
    [0.9]
    """

    def __init__(self, size, learning_rate=1e-2, alpha=0.99, epsilon=1e-8, weight_decay=0.0, dtype=np.float32):
        _check_common(learning_rate, weight_decay)
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha!r}")
        self.learning_rate = float(learning_rate)
        self.alpha = float(alpha)
        self.epsilon = float(epsilon)
        self.weight_decay = float(weight_decay)
        self.square_average = np.zeros(size, dtype)
        self.steps = 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` in place from ``grad``."""
        g = grad + params * params.dtype.type(self.weight_decay) if self.weight_decay else grad
        dtype = self.square_average.dtype.type
        self.square_average *= dtype(self.alpha)
        self.square_average += dtype(1.0 - self.alpha) * g * g
        params -= dtype(self.learning_rate) * g / (np.sqrt(self.square_average) + dtype(self.epsilon))
        self.steps += 1


OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}
