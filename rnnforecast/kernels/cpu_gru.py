"""GRU layer: forward and backward through time on the CPU.

Equations (PyTorch's ``nn.GRU``; gate blocks ``r, z, n``)::

    a_r = W_ir x_t + b_ir + W_hr h_{t-1} + b_hr      a_z likewise
    n_x = W_in x_t + b_in,   n_h = W_hn h_{t-1} + b_hn
    r_t = sigmoid(a_r),   z_t = sigmoid(a_z)
    n_t = tanh(n_x + r_t * n_h)
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}            (stored: ``y``)

The step's pre-activations ``[a_r; a_z; n_x; n_h]`` (``4H`` rows) come from the
GRU-split packed matrix (see :mod:`rnnforecast.kernels._recurrent` for the
layouts), whose ``n_x`` rows are zero over ``h`` and ``n_h`` rows zero over
``x``. Each step runs three GEMMs that skip those zero blocks (``r, z`` over all
of ``S_t``, ``n_x`` over ``x_t``, ``n_h`` over ``[h_{t-1}; 1]``; the cell adds
``b_in``), a quarter less GEMM work than one GEMM over the whole packed matrix:
measured 1.04-1.29x faster forward and 1.07-1.36x backward at H = 32-128
(B64 T48 I8, 1 thread, both OpenBLAS core types), so it is used at every size.
Forward overwrites ``a_r, a_z, n_x`` with ``r, z, n``, which backward reads
instead of recomputing them.
"""

from __future__ import annotations

from ._activations import like, sigmoid, tanh
from ._blas import NO_TRANS, TRANS, gemm
from ._jit import kernel
from ._recurrent import carry_gradients, load_sequence

__all__ = ["gru_forward", "gru_backward"]


@kernel
def _split_product(packed, stacked, gates, c, t):
    """``gates[c, t]`` without the zero blocks: ``r, z`` from ``S_t``, ``n_x`` from ``x_t`` (no ``b_in``), ``n_h``."""
    rows, depth = packed.shape
    hidden = rows // 4
    input_size = depth - hidden - 1
    width = stacked.shape[3]
    s = (c * stacked.shape[1] + t) * depth * width
    g = (c * gates.shape[1] + t) * rows * width
    gemm(
        NO_TRANS, NO_TRANS, 2 * hidden, width, depth, 1.0,
        packed, 0, depth, stacked, s, width, 0.0, gates, g, width,
    )  # fmt: skip
    gemm(
        NO_TRANS, NO_TRANS, hidden, width, input_size, 1.0,
        packed, 2 * hidden * depth, depth, stacked, s, width, 0.0, gates, g + 2 * hidden * width, width,
    )  # fmt: skip
    gemm(
        NO_TRANS, NO_TRANS, hidden, width, hidden + 1, 1.0,
        packed, 3 * hidden * depth + input_size, depth,
        stacked, s + input_size * width, width, 0.0, gates, g + 3 * hidden * width, width,
    )  # fmt: skip


@kernel
def _split_gradients(packed, stacked, d_gates, c, t, need_dx, weight_parts, d_stacked):
    """The backward GEMMs of one step (as ``_recurrent.step_gradients``) without the zero blocks.

    ``weight_parts[c]`` gets ``dG S_t^T`` on the blocks that exist (the zero
    blocks are never written nor read) and ``b_in``'s gradient as the batch sum
    of ``dG_nx``; ``d_stacked[c]`` gets ``W^T dG`` on the ``h`` rows, and the
    ``x`` rows when ``need_dx``.
    """
    rows, depth = packed.shape
    hidden = rows // 4
    input_size = depth - hidden - 1
    width = stacked.shape[3]
    beta = 0.0 if t == stacked.shape[1] - 2 else 1.0  # the first backward step overwrites
    s = (c * stacked.shape[1] + t) * depth * width
    dg = c * rows * width
    parts = c * rows * depth
    nx, nh = 2 * hidden, 3 * hidden
    gemm(
        NO_TRANS, TRANS, 2 * hidden, depth, width, 1.0,
        d_gates, dg, width, stacked, s, width, beta, weight_parts, parts, depth,
    )  # fmt: skip
    gemm(
        NO_TRANS, TRANS, hidden, input_size, width, 1.0,
        d_gates, dg + nx * width, width, stacked, s, width, beta, weight_parts, parts + nx * depth, depth,
    )  # fmt: skip
    gemm(
        NO_TRANS, TRANS, hidden, hidden + 1, width, 1.0,
        d_gates, dg + nh * width, width, stacked, s + input_size * width, width,
        beta, weight_parts, parts + nh * depth + input_size, depth,
    )  # fmt: skip
    for j in range(hidden):
        total = d_gates[c, nx + j, 0]
        for b in range(1, width):
            total += d_gates[c, nx + j, b]
        if beta == 0.0:
            weight_parts[c, nx + j, depth - 1] = total
        else:
            weight_parts[c, nx + j, depth - 1] += total
    first = 0 if need_dx else input_size
    gemm(
        TRANS, NO_TRANS, depth - 1 - first, width, 2 * hidden, 1.0,
        packed, first, depth, d_gates, dg, width, 0.0, d_stacked, (c * depth + first) * width, width,
    )  # fmt: skip
    gemm(
        TRANS, NO_TRANS, hidden, width, hidden, 1.0,
        packed, nh * depth + input_size, depth, d_gates, dg + nh * width, width,
        1.0, d_stacked, (c * depth + input_size) * width, width,
    )  # fmt: skip
    if need_dx:
        gemm(
            TRANS, NO_TRANS, input_size, width, hidden, 1.0,
            packed, nx * depth, depth, d_gates, dg + nx * width, width, 1.0, d_stacked, c * depth * width, width,
        )  # fmt: skip


@kernel
def _forward_step(exact, packed, gates, stacked, y, c, t):
    # Constant flags make each inlined copy of the loop branch-free (vectorised).
    if exact:
        _forward_rows(True, packed, gates, stacked, y, c, t)
    else:
        _forward_rows(False, packed, gates, stacked, y, c, t)


@kernel(inline=True)
def _forward_rows(exact, packed, gates, stacked, y, c, t):
    hidden, width = y.shape[2], y.shape[3]
    h_row = stacked.shape[2] - 1 - hidden
    bias_column = packed.shape[1] - 1
    for j in range(hidden):
        b_in = packed[2 * hidden + j, bias_column]  # the n_x GEMM covers x_t only
        for b in range(width):
            h_prev = stacked[c, t, h_row + j, b]
            r = sigmoid(gates[c, t, j, b], exact)
            z = sigmoid(gates[c, t, hidden + j, b], exact)
            n = tanh(gates[c, t, 2 * hidden + j, b] + b_in + r * gates[c, t, 3 * hidden + j, b], exact)
            h = n + z * (h_prev - n)
            # Keep r, z, n for backward (n_h stays: backward needs it).
            gates[c, t, j, b] = r
            gates[c, t, hidden + j, b] = z
            gates[c, t, 2 * hidden + j, b] = n
            y[c, t, j, b] = h
            stacked[c, t + 1, h_row + j, b] = h


@kernel
def gru_forward(packed, x, h0, exact, stacked, gates, y, first, stop):
    """Run one GRU layer over whole sequences, for the batch chunks ``first .. stop - 1``.

    Parameters
    ----------
    packed : ndarray (4H, I + H + 1)
        GRU-split packed weights (see ``_recurrent.pack_weights``).
    x : ndarray (C, T, I, B)
        Layer input in chunk layout.
    h0 : ndarray (C, H, B)
        Initial hidden state.
    exact : bool
        Use libm ``tanh`` instead of the rational approximation.
    stacked : ndarray (C, T + 1, I + H + 1, B)
        Output: ``S_t = [x_t; h_{t-1}; 1]`` (kept for backward).
    gates : ndarray (C, T, 4H, B)
        Output: ``[r; z; n; n_h]`` of every step (kept for backward).
    y : ndarray (C, T, H, B)
        Output: hidden states ``h_1 .. h_T``.
    first, stop : int
        Range of chunks to process (threads take disjoint ranges).
    """
    steps = x.shape[1]
    for c in range(first, stop):
        load_sequence(x, h0, stacked, c)
        for t in range(steps):
            _split_product(packed, stacked, gates, c, t)
            _forward_step(exact, packed, gates, stacked, y, c, t)


@kernel
def _backward_step(gates, stacked, dy, dh, d_gates, c, t):
    """One reverse step; on return ``dh[c]`` holds the direct part ``z * dL/dh_t``."""
    hidden, width = dh.shape[1], dh.shape[2]
    h_row = stacked.shape[2] - 1 - hidden
    one = like(1.0, dh[0, 0, 0])
    for j in range(hidden):
        for b in range(width):
            h_prev = stacked[c, t, h_row + j, b]
            n_h = gates[c, t, 3 * hidden + j, b]
            r = gates[c, t, j, b]
            z = gates[c, t, hidden + j, b]
            n = gates[c, t, 2 * hidden + j, b]
            grad_h = dh[c, j, b] + dy[c, t, j, b]
            d_n = grad_h * (one - z) * (one - n * n)
            d_gates[c, j, b] = d_n * n_h * r * (one - r)
            d_gates[c, hidden + j, b] = grad_h * (h_prev - n) * z * (one - z)
            d_gates[c, 2 * hidden + j, b] = d_n
            d_gates[c, 3 * hidden + j, b] = d_n * r
            dh[c, j, b] = grad_h * z


@kernel
def gru_backward(
    packed, stacked, gates,
    dy, dh_last, need_dx,
    d_gates, d_stacked, weight_parts, dx, dh0, first, stop,
):  # fmt: skip
    """Backward through time for :func:`gru_forward`.

    Parameters
    ----------
    packed, stacked, gates
        As given to and produced by :func:`gru_forward`.
    dy : ndarray (C, T, H, B)
        Gradient of the loss with respect to every output ``h_t``.
    dh_last : ndarray (C, H, B)
        Gradient with respect to the final state ``h_T``.
    need_dx : bool
        Compute ``dx``.
    d_gates : ndarray (C, 4H, B)
        Workspace: gradient of one step's pre-activations.
    d_stacked : ndarray (C, I + H + 1, B)
        Workspace: gradient of one step's ``S_t``.
    weight_parts : ndarray (C, 4H, I + H + 1)
        Output: per-chunk gradient of the packed weights (summed afterwards by
        ``_recurrent.finish_gradients``); the zero blocks of ``packed`` are left
        as they are (zeros from allocation) and never read.
    dx : ndarray (C, T, I, B)
        Output: gradient with respect to ``x`` when ``need_dx``.
    dh0 : ndarray (C, H, B)
        Output: gradient with respect to ``h0``.
    first, stop : int
        Range of chunks to process.
    """
    steps = gates.shape[1]
    hidden = dh0.shape[1]
    input_size = stacked.shape[2] - hidden - 1
    for c in range(first, stop):
        dh0[c] = dh_last[c]
        for t in range(steps - 1, -1, -1):
            _backward_step(gates, stacked, dy, dh0, d_gates, c, t)
            _split_gradients(packed, stacked, d_gates, c, t, need_dx, weight_parts, d_stacked)
            carry_gradients(d_stacked, c, t, input_size, True, need_dx, dh0, dx)
