"""CUDA twin of the GRU kernels: forward and backward through time, one layer.

Same arguments and outputs as :mod:`rnnforecast.kernels.cpu_gru` (see
:mod:`rnnforecast.kernels._cuda_recurrent` for how a block runs a chunk).
"""

from __future__ import annotations

from numba import cuda

from ._cuda_recurrent import GRU, backward_steps, copy_state, forward_steps, load_sequence, threads_for

__all__ = ["gru_forward", "gru_backward"]


@cuda.jit
def _gru_forward(packed, x, h0, exact, stacked, gates, y, first):
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    load_sequence(x, h0, stacked, c, tid, n_threads)
    cuda.syncthreads()
    forward_steps(GRU, packed[0], 0, packed, exact, stacked, gates, y, y, c, tid, n_threads)


def gru_forward(packed, x, h0, exact, stacked, gates, y, first, stop):
    """CUDA twin of :func:`rnnforecast.kernels.cpu_gru.gru_forward` (same arguments and outputs)."""
    if stop > first:
        threads = threads_for(packed.shape[0], packed.shape[1], x.shape[3])
        _gru_forward[stop - first, threads](packed, x, h0, exact, stacked, gates, y, first)


@cuda.jit
def _gru_backward(packed, stacked, gates, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first):
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    copy_state(dh_last, dh0, c, tid, n_threads)
    cuda.syncthreads()
    backward_steps(GRU, packed[0], 0, packed, False, stacked, gates, dy, dy, dy, need_dx, d_gates, d_stacked,
                    weight_parts, d_gates, dx, dh0, dh0, c, tid, n_threads)  # fmt: skip


def gru_backward(packed, stacked, gates, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first,
                 stop):  # fmt: skip
    """CUDA twin of :func:`rnnforecast.kernels.cpu_gru.gru_backward`."""
    if stop > first:
        threads = threads_for(packed.shape[0], packed.shape[1], dh0.shape[2])
        _gru_backward[stop - first, threads](
            packed, stacked, gates, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first
        )
