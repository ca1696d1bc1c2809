"""Compiled numba kernels: arrays and scalars in, caller-provided buffers out.

Nothing in this package knows about estimators or pandas. Importing it compiles
nothing: each kernel compiles (or loads from numba's cache) on its first call.
:func:`get_kernels` is the one place that maps a device to its kernel module;
CUDA is imported only when ``"cuda"`` is asked for.
"""

from __future__ import annotations

from types import SimpleNamespace

__all__ = ["get_kernels"]

_RECURRENT = ("rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward", "gru_forward", "gru_backward")


def get_kernels(device: str) -> SimpleNamespace:
    """The recurrent layer kernels of a resolved ``device`` (``"cpu"`` or ``"cuda"``).

    Both devices offer the same names with the same arguments (a CPU kernel and
    its CUDA twin).

    Parameters
    ----------
    device : {"cpu", "cuda"}
        A device already resolved by :func:`rnnforecast.nn.device.resolve_device`.

    Returns
    -------
    kernels : types.SimpleNamespace
        ``device`` and the six functions ``rnn_forward``, ``rnn_backward``,
        ``lstm_forward``, ``lstm_backward``, ``gru_forward``, ``gru_backward``.
    """
    if device == "cuda":
        from . import cuda_gru, cuda_lstm, cuda_rnn

        modules = [cuda_rnn, cuda_rnn, cuda_lstm, cuda_lstm, cuda_gru, cuda_gru]
    elif device == "cpu":
        from . import cpu_gru, cpu_lstm, cpu_rnn

        modules = [cpu_rnn, cpu_rnn, cpu_lstm, cpu_lstm, cpu_gru, cpu_gru]
    else:
        raise ValueError(f"device must be 'cpu' or 'cuda' (resolve 'auto' first), got {device!r}")
    functions = {name: getattr(module, name) for name, module in zip(_RECURRENT, modules, strict=True)}
    return SimpleNamespace(device=device, **functions)
