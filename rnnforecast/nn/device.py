"""Where the recurrent kernels run: ``"cpu"`` (numba ``@njit``) or ``"cuda"`` (numba.cuda twins).

Estimators resolve their ``device`` parameter once per ``fit`` (into the fitted
``device_``); the kernels of a resolved device come from
:func:`rnnforecast.kernels.get_kernels`. Nothing here imports CUDA until a CUDA
device is asked for: ``device="cpu"`` (the default everywhere) never loads
``numba.cuda``.
"""

from __future__ import annotations

__all__ = ["DEVICES", "resolve_device"]

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
