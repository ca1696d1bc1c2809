"""CUDA twin of the LSTM and peephole LSTM kernels: forward and backward through time, one layer.

Same arguments and outputs as :mod:`rnnforecast.kernels.cpu_lstm` (see
:mod:`rnnforecast.kernels._cuda_recurrent` for how a block runs a chunk).
"""

from __future__ import annotations

from numba import cuda

from ._cuda_recurrent import (
    LSTM,
    PEEPHOLE,
    backward_steps,
    copy_state,
    fill,
    forward_steps,
    load_sequence,
    threads_for,
)
from ._recurrent import layer_offsets

__all__ = ["lstm_forward", "lstm_backward"]


@cuda.jit
def _lstm_forward(params, peep, packed, x, h0, c0, cell, exact, stacked, gates, cells, y, first):
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    load_sequence(x, h0, stacked, c, tid, n_threads)
    copy_state(c0, cells[:, 0], c, tid, n_threads)
    cuda.syncthreads()
    forward_steps(cell, params, peep, packed, exact, stacked, gates, cells, y, c, tid, n_threads)


def lstm_forward(params, packed, x, h0, c0, peephole, exact, stacked, gates, cells, y, first, stop):
    """CUDA twin of :func:`rnnforecast.kernels.cpu_lstm.lstm_forward` (same arguments and outputs)."""
    if stop > first:
        peep = layer_peephole(x.shape[2], h0.shape[1]) if peephole else 0
        threads = threads_for(packed.shape[0], packed.shape[1], x.shape[3])
        cell = PEEPHOLE if peephole else LSTM
        _lstm_forward[stop - first, threads](params, peep, packed, x, h0, c0, cell, exact, stacked, gates, cells,
                                             y, first)  # fmt: skip


def layer_peephole(input_size, hidden):
    """Offset of the peephole weights in a layer's parameters (after the four PyTorch tensors)."""
    return layer_offsets(4 * hidden, input_size, hidden)[4]


@cuda.jit
def _lstm_backward(params, peep, packed, cell, exact, stacked, gates, cells, dy, dh_last, dc_last, need_dx,
                   d_gates, d_stacked, weight_parts, peep_sums, dx, dh0, dc0, first):  # fmt: skip
    c, tid, n_threads = first + cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    copy_state(dh_last, dh0, c, tid, n_threads)
    copy_state(dc_last, dc0, c, tid, n_threads)
    if cell == PEEPHOLE:
        fill(peep_sums, c, 0.0, tid, n_threads)
    cuda.syncthreads()
    backward_steps(cell, params, peep, packed, exact, stacked, gates, cells, dy, dy, need_dx, d_gates, d_stacked,
                    weight_parts, peep_sums, dx, dh0, dc0, c, tid, n_threads)  # fmt: skip


def lstm_backward(params, packed, peephole, exact, stacked, gates, cells, dy, dh_last, dc_last, need_dx,
                  d_gates, d_stacked, weight_parts, peep_sums, dx, dh0, dc0, first, stop):  # fmt: skip
    """CUDA twin of :func:`rnnforecast.kernels.cpu_lstm.lstm_backward`."""
    if stop > first:
        hidden = dh0.shape[1]
        peep = layer_peephole(stacked.shape[2] - hidden - 1, hidden) if peephole else 0
        threads = threads_for(packed.shape[0], packed.shape[1], dh0.shape[2])
        cell = PEEPHOLE if peephole else LSTM
        _lstm_backward[stop - first, threads](
            params, peep, packed, cell, exact, stacked, gates, cells, dy, dh_last, dc_last, need_dx,
            d_gates, d_stacked, weight_parts, peep_sums, dx, dh0, dc0, first,
        )  # fmt: skip
