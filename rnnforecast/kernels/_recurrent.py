"""Building blocks shared by the recurrent kernels of every cell.

Chunk layout
------------
The batch is split into ``C`` fixed-width chunks of ``B`` samples that threads
process independently. Within a chunk, arrays are *time-major, feature rows,
batch fastest*, so everything one step touches is one contiguous block::

    x       (C, T, I, B)        layer input
    y       (C, T, H, B)        layer output h_1 .. h_T
    stacked (C, T + 1, K, B)    S_t = [x_t; h_{t-1}; 1],  K = I + H + 1
    gates   (C, T, R, B)        pre-activations of every step
    d_gates (C, R, B)           gradient of one step's pre-activations

(A feature-major ``stacked``/``d_gates``, which would turn the weight gradient of
all steps into one GEMM, was measured slower: the cell loops then read and write
rows scattered across megabytes.)

where::

    C = number of batch chunks     B = chunk width (samples per chunk)
    I = input size                 H = hidden size
    T = sequence length            R = rows of the packed weight matrix

Packed weights
--------------
Each step is **one GEMM** ``gates_t = W S_t`` with ``W = [W_ih | W_hh | b]`` of
shape ``(R, K)``: the input projection, the recurrent product and the bias in
one call. For RNN and LSTM cells ``R = G*H`` and ``b = b_ih + b_hh``. A GRU needs
``W_hn h + b_hn`` apart from ``W_in x + b_in`` (the reset gate multiplies only
the former), so its ``W`` has four blocks ``r, z, n_x, n_h`` (``R = 4H``) with
zeros where ``n_x`` would see ``h`` and ``n_h`` would see ``x``. The CPU GRU
kernel skips those zero blocks (three GEMMs per step instead of one); the CUDA
kernels multiply the whole matrix.

Backward is two GEMMs per step: ``dS_t = W^T dG_t`` (gradients of ``x_t`` and
``h_{t-1}``) and ``dW += dG_t S_t^T``.

Layer parameters (a contiguous slice of the flat buffer, PyTorch layout)::

    weight_ih (G*H, I) | weight_hh (G*H, H) | bias_ih (G*H) | bias_hh (G*H) | [peepholes (3*H)]
"""

from __future__ import annotations

from ._blas import NO_TRANS, TRANS, gemm
from ._jit import kernel

__all__ = [
    "SUMMED",
    "GRU_SPLIT",
    "packed_rows",
    "layer_offsets",
    "pack_weights",
    "unpack_gradients",
    "load_sequence",
    "step_product",
    "step_gradients",
    "carry_gradients",
    "reduce_chunks",
    "finish_gradients",
]

# How a cell's two projections are packed into W.
SUMMED = 0  # gates = W_ih x + b_ih + W_hh h + b_hh   (RNN, LSTM)
GRU_SPLIT = 1  # r, z summed; n_x = W_in x + b_in and n_h = W_hn h + b_hn apart


@kernel
def packed_rows(kind, gates, hidden):
    """Rows ``R`` of the packed weight matrix."""
    if kind == GRU_SPLIT:
        return 4 * hidden
    return gates * hidden


@kernel
def layer_offsets(gate_rows, input_size, hidden_size):
    """Offsets of ``weight_ih, weight_hh, bias_ih, bias_hh, extras`` in a layer slice."""
    w_ih = 0
    w_hh = w_ih + gate_rows * input_size
    b_ih = w_hh + gate_rows * hidden_size
    b_hh = b_ih + gate_rows
    extras = b_hh + gate_rows
    return w_ih, w_hh, b_ih, b_hh, extras


@kernel
def pack_weights(params, kind, gates, input_size, hidden, packed):
    """Fill ``packed (R, K)`` with ``[W_ih | W_hh | b]`` from the PyTorch-layout slice."""
    rows = gates * hidden
    w_ih, w_hh, b_ih, b_hh, _ = layer_offsets(rows, input_size, hidden)
    packed[:] = 0
    last = input_size + hidden
    for r in range(rows):
        # GRU: the n rows of W_hh/b_hh go to the separate n_h block.
        split = kind == GRU_SPLIT and r >= 2 * hidden
        for i in range(input_size):
            packed[r, i] = params[w_ih + r * input_size + i]
        target = r + hidden if split else r
        for j in range(hidden):
            packed[target, input_size + j] = params[w_hh + r * hidden + j]
        if split:
            packed[r, last] = params[b_ih + r]
            packed[target, last] = params[b_hh + r]
        else:
            packed[r, last] = params[b_ih + r] + params[b_hh + r]


@kernel
def unpack_gradients(packed_grad, kind, gates, input_size, hidden, grad):
    """Write the PyTorch-layout gradients of ``W_ih, W_hh, b_ih, b_hh`` from ``dW (R, K)``."""
    rows = gates * hidden
    w_ih, w_hh, b_ih, b_hh, _ = layer_offsets(rows, input_size, hidden)
    last = input_size + hidden
    for r in range(rows):
        split = kind == GRU_SPLIT and r >= 2 * hidden
        source = r + hidden if split else r
        for i in range(input_size):
            grad[w_ih + r * input_size + i] = packed_grad[r, i]
        for j in range(hidden):
            grad[w_hh + r * hidden + j] = packed_grad[source, input_size + j]
        grad[b_ih + r] = packed_grad[r, last]
        grad[b_hh + r] = packed_grad[source, last]


@kernel
def load_sequence(x, h0, stacked, c):
    """Fill ``stacked[c]``: ``x_t`` rows for every step, the row of ones, and ``h0``."""
    steps, input_size, width = x.shape[1], x.shape[2], x.shape[3]
    hidden = h0.shape[1]
    ones_row = input_size + hidden
    for t in range(steps + 1):
        if t < steps:
            for i in range(input_size):
                for b in range(width):
                    stacked[c, t, i, b] = x[c, t, i, b]
        for b in range(width):
            stacked[c, t, ones_row, b] = 1
    for j in range(hidden):
        for b in range(width):
            stacked[c, 0, input_size + j, b] = h0[c, j, b]


@kernel
def step_product(packed, stacked, gates, c, t):
    """``gates[c, t] = W @ S_t`` (one GEMM)."""
    rows, depth = packed.shape
    width = stacked.shape[3]
    gemm(
        NO_TRANS, NO_TRANS, rows, width, depth, 1.0,
        packed, 0, depth,
        stacked, (c * stacked.shape[1] + t) * depth * width, width,
        0.0, gates, (c * gates.shape[1] + t) * rows * width, width,
    )  # fmt: skip


@kernel
def step_gradients(packed, stacked, d_gates, c, t, input_size, need_dx, weight_parts, d_stacked):
    """Backward GEMMs of one step for chunk ``c``.

    ``weight_parts[c] += dG_t @ S_t^T`` (overwritten when ``t`` is the last step)
    and ``d_stacked[c] = W^T @ dG_t``, only its ``h`` rows (``I .. I+H-1``) unless
    ``need_dx``. ``d_gates`` is ``(C, R, B)``, ``weight_parts`` ``(C, R, K)``,
    ``d_stacked`` ``(C, K, B)``.
    """
    rows, depth = packed.shape
    width = stacked.shape[3]
    first_step = t == stacked.shape[1] - 2
    gemm(
        NO_TRANS, TRANS, rows, depth, width, 1.0,
        d_gates, c * rows * width, width,
        stacked, (c * stacked.shape[1] + t) * depth * width, width,
        0.0 if first_step else 1.0, weight_parts, c * rows * depth, depth,
    )  # fmt: skip
    first = 0 if need_dx else input_size
    gemm(
        TRANS, NO_TRANS, depth - 1 - first, width, rows, 1.0,
        packed, first, depth,
        d_gates, c * rows * width, width,
        0.0, d_stacked, (c * depth + first) * width, width,
    )  # fmt: skip


@kernel
def carry_gradients(d_stacked, c, t, input_size, accumulate, need_dx, dh, dx):
    """Move ``dS_t`` into ``dh[c]`` (``dL/dh_{t-1}``, added when ``accumulate``) and ``dx[c, t]``."""
    hidden, width = dh.shape[1], dh.shape[2]
    for j in range(hidden):
        if accumulate:
            for b in range(width):
                dh[c, j, b] += d_stacked[c, input_size + j, b]
        else:
            for b in range(width):
                dh[c, j, b] = d_stacked[c, input_size + j, b]
    if need_dx:
        for i in range(input_size):
            for b in range(width):
                dx[c, t, i, b] = d_stacked[c, i, b]


@kernel
def reduce_chunks(parts, out):
    """``out[p] = sum_c parts[c, p]`` in chunk order (thread-count independent).

    ``parts`` is ``(C, ...)`` and ``out`` has the shape of ``parts[0]``; both
    C-contiguous.
    """
    n_chunks = parts.shape[0]
    flat_parts = parts.reshape(n_chunks, -1)
    flat_out = out.reshape(-1)
    for p in range(flat_out.size):
        flat_out[p] = flat_parts[0, p]
    for c in range(1, n_chunks):
        for p in range(flat_out.size):
            flat_out[p] += flat_parts[c, p]


@kernel
def finish_gradients(weight_parts, kind, gates, input_size, hidden, packed_grad, grad):
    """Sum the chunks' packed-weight gradients in order and write them in PyTorch layout."""
    reduce_chunks(weight_parts, packed_grad)
    unpack_gradients(packed_grad, kind, gates, input_size, hidden, grad)
