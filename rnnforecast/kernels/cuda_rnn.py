"""CUDA twin of the Elman RNN kernels (tanh and ReLU): forward and backward through time, one layer.

Same arguments and outputs as :mod:`rnnforecast.kernels.cpu_rnn` (see
:mod:`rnnforecast.kernels._cuda_recurrent` for how a block runs a chunk).
"""

from __future__ import annotations

from numba import cuda

from ._cuda_recurrent import RNN_RELU, RNN_TANH, backward_steps, copy_state, forward_steps, load_sequence, threads_for

__all__ = ["rnn_forward", "rnn_backward"]


@cuda.jit
def _rnn_forward(packed, x, h0, cell, exact, stacked, gates, y, first):
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    load_sequence(x, h0, stacked, c, tid, n_threads)
    cuda.syncthreads()
    forward_steps(cell, packed[0], 0, packed, exact, stacked, gates, y, y, c, tid, n_threads)


def rnn_forward(packed, x, h0, relu, exact, stacked, gates, y, first, stop):
    """CUDA twin of :func:`rnnforecast.kernels.cpu_rnn.rnn_forward` (same arguments and outputs)."""
    if stop > first:
        threads = threads_for(packed.shape[0], packed.shape[1], x.shape[3])
        cell = RNN_RELU if relu else RNN_TANH
        _rnn_forward[stop - first, threads](packed, x, h0, cell, exact, stacked, gates, y, first)


@cuda.jit
def _rnn_backward(packed, cell, stacked, y, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first):
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    copy_state(dh_last, dh0, c, tid, n_threads)
    cuda.syncthreads()
    backward_steps(cell, packed[0], 0, packed, False, stacked, y, y, y, dy, need_dx, d_gates, d_stacked,
                    weight_parts, d_gates, dx, dh0, dh0, c, tid, n_threads)  # fmt: skip


def rnn_backward(packed, relu, stacked, y, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first,
                 stop):  # fmt: skip
    """CUDA twin of :func:`rnnforecast.kernels.cpu_rnn.rnn_backward`."""
    if stop > first:
        threads = threads_for(packed.shape[0], packed.shape[1], y.shape[3])
        cell = RNN_RELU if relu else RNN_TANH
        _rnn_backward[stop - first, threads](
            packed, cell, stacked, y, dy, dh_last, need_dx, d_gates, d_stacked, weight_parts, dx, dh0, first
        )
