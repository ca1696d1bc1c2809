"""Where the recurrent kernels run: ``"cpu"`` (numba ``@njit``) or ``"cuda"`` (numba.cuda twins).

Nothing here imports CUDA until a CUDA device is asked for: ``device="cpu"``
(the default everywhere) never loads ``numba.cuda``.
"""

from __future__ import annotations

from types import SimpleNamespace

__all__ = ["DEVICES", "resolve_device", "recurrent_kernels"]

DEVICES = ("cpu", "cuda", "auto")


def _cuda_problem() -> str | None:
    """Why CUDA cannot be used here, or None when it can (a GPU, or numba's simulator)."""
    try:
        from numba import cuda
    except ImportError as error:  # pragma: no cover - numba always ships a cuda module or numba-cuda does
        return f"numba.cuda cannot be imported ({error})"
    try:
        if cuda.is_available():
            return None
    except Exception as error:  # noqa: BLE001 - driver errors come in many types
        return f"the CUDA driver failed: {error}"
    return "no NVIDIA GPU with a working CUDA driver was found"


def resolve_device(device: str) -> str:
    """``"cpu"`` or ``"cuda"`` for a requested ``device``; a clear error when CUDA is asked for and absent.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    if device == "cpu":
        return "cpu"
    problem = _cuda_problem()
    if problem is None:
        return "cuda"
    if device == "auto":
        return "cpu"
    raise ValueError(
        f"device='cuda' was requested but {problem}. Install the CUDA extra (pip install 'rnnforecast[cuda]') on a "
        "machine with an NVIDIA GPU, or use device='cpu' (or 'auto')"
    )


def recurrent_kernels(device: str) -> SimpleNamespace:
    """The recurrent layer kernels of ``device`` (same names and arguments on both)."""
    if device == "cuda":
        from .kernels import cuda_recurrent as module
    else:
        from .kernels import cpu_gru, cpu_lstm, cpu_rnn

        module = SimpleNamespace(
            rnn_forward=cpu_rnn.rnn_forward, rnn_backward=cpu_rnn.rnn_backward,
            lstm_forward=cpu_lstm.lstm_forward, lstm_backward=cpu_lstm.lstm_backward,
            gru_forward=cpu_gru.gru_forward, gru_backward=cpu_gru.gru_backward,
        )  # fmt: skip
    return SimpleNamespace(
        device=device, rnn_forward=module.rnn_forward, rnn_backward=module.rnn_backward,
        lstm_forward=module.lstm_forward, lstm_backward=module.lstm_backward,
        gru_forward=module.gru_forward, gru_backward=module.gru_backward,
    )  # fmt: skip
