"""LSTM and peephole LSTM layer: forward and backward through time on the CPU.

Equations (PyTorch's ``nn.LSTM``; gate blocks ``i, f, g, o``)::

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh            (stored: ``gates``)
    i_t = sigmoid(a_i + w_ci * c_{t-1})                      w_* = 0 without peepholes
    f_t = sigmoid(a_f + w_cf * c_{t-1})
    g_t = tanh(a_g)
    c_t = f_t * c_{t-1} + i_t * g_t                          (stored: ``cells``)
    o_t = sigmoid(a_o + w_co * c_t)
    h_t = o_t * tanh(c_t)                                    (stored: ``y``)

The peephole variant (Gers & Schmidhuber) adds the diagonal weights
``weight_ci, weight_cf, weight_co`` after the four PyTorch tensors of the layer.
Forward overwrites the pre-activations of each step with the activated gates
``i, f, g, o``, which backward reads (it recomputes only ``tanh(c_t)``). Array
layouts and the packed weight matrix ``W (4H, I+H+1)``: see
:mod:`rnnforecast.kernels._recurrent`; ``cells`` is ``(C, T + 1, H, B)`` with
``cells[:, 0] = c0``.
"""

from __future__ import annotations

from ._activations import like, sigmoid, tanh
from ._jit import kernel
from ._recurrent import (
    carry_gradients,
    layer_offsets,
    load_sequence,
    step_gradients,
    step_product,
)

__all__ = ["lstm_forward", "lstm_backward", "finish_peephole_gradients"]


@kernel
def _forward_step(params, peep, peephole, exact, gates, cells, stacked, y, c, t):
    # Four constant-flag copies of the loop, each branch-free (vectorised).
    if peephole:
        if exact:
            _forward_rows(params, peep, True, True, gates, cells, stacked, y, c, t)
        else:
            _forward_rows(params, peep, True, False, gates, cells, stacked, y, c, t)
    elif exact:
        _forward_rows(params, peep, False, True, gates, cells, stacked, y, c, t)
    else:
        _forward_rows(params, peep, False, False, gates, cells, stacked, y, c, t)


@kernel(inline=True)
def _forward_rows(params, peep, peephole, exact, gates, cells, stacked, y, c, t):
    hidden, width = y.shape[2], y.shape[3]
    h_row = stacked.shape[2] - 1 - hidden
    zero = like(0.0, params[0])
    for j in range(hidden):
        w_ci = params[peep + j] if peephole else zero
        w_cf = params[peep + hidden + j] if peephole else zero
        w_co = params[peep + 2 * hidden + j] if peephole else zero
        for b in range(width):
            c_prev = cells[c, t, j, b]
            i = sigmoid(gates[c, t, j, b] + w_ci * c_prev, exact)
            f = sigmoid(gates[c, t, hidden + j, b] + w_cf * c_prev, exact)
            g = tanh(gates[c, t, 2 * hidden + j, b], exact)
            c_new = f * c_prev + i * g
            o = sigmoid(gates[c, t, 3 * hidden + j, b] + w_co * c_new, exact)
            h = o * tanh(c_new, exact)
            # Keep the activated gates for backward (saves four activations there).
            gates[c, t, j, b] = i
            gates[c, t, hidden + j, b] = f
            gates[c, t, 2 * hidden + j, b] = g
            gates[c, t, 3 * hidden + j, b] = o
            cells[c, t + 1, j, b] = c_new
            y[c, t, j, b] = h
            stacked[c, t + 1, h_row + j, b] = h


@kernel
def lstm_forward(params, packed, x, h0, c0, peephole, exact, stacked, gates, cells, y, first, stop):
    """Run one LSTM layer over whole sequences, for the batch chunks ``first .. stop - 1``.

    Parameters
    ----------
    params : ndarray (P,)
        The layer's parameters (PyTorch layout, peepholes last when used).
    packed : ndarray (4H, I + H + 1)
        ``[W_ih | W_hh | b_ih + b_hh]`` (see ``_recurrent.pack_weights``).
    x : ndarray (C, T, I, B)
        Layer input in chunk layout.
    h0, c0 : ndarray (C, H, B)
        Initial hidden and cell states.
    peephole : bool
        Use the peephole weights.
    exact : bool
        Use libm ``tanh`` instead of the rational approximation.
    stacked : ndarray (C, T + 1, I + H + 1, B)
        Output: ``S_t = [x_t; h_{t-1}; 1]`` (kept for backward).
    gates : ndarray (C, T, 4H, B)
        Output: the activated gates ``i, f, g, o`` of every step (kept for backward).
    cells : ndarray (C, T + 1, H, B)
        Output: cell states ``c_0 .. c_T``.
    y : ndarray (C, T, H, B)
        Output: hidden states ``h_1 .. h_T``.
    first, stop : int
        Range of chunks to process (threads take disjoint ranges).
    """
    steps, input_size = x.shape[1], x.shape[2]
    hidden = h0.shape[1]
    peep = layer_offsets(4 * hidden, input_size, hidden)[4]
    for c in range(first, stop):
        load_sequence(x, h0, stacked, c)
        cells[c, 0] = c0[c]
        for t in range(steps):
            step_product(packed, stacked, gates, c, t)
            _forward_step(params, peep, peephole, exact, gates, cells, stacked, y, c, t)


@kernel
def _backward_step(params, peep, peephole, exact, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t):
    """One reverse step: ``dh``/``dc`` hold the gradient flowing from step ``t + 1``.

    ``gates`` holds the activated gates. On return ``dc`` holds ``dL/dc_{t-1}`` and
    ``d_gates[c]`` holds ``dL/da_t``;
    with peepholes, ``peep_sums[c] (3H, B)`` accumulates their per-sample gradients.
    """
    # Four constant-flag copies of the loop, each branch-free (vectorised).
    if peephole:
        if exact:
            _backward_rows(params, peep, True, True, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t)
        else:
            _backward_rows(params, peep, True, False, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t)
    elif exact:
        _backward_rows(params, peep, False, True, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t)
    else:
        _backward_rows(params, peep, False, False, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t)


@kernel(inline=True)
def _backward_rows(params, peep, peephole, exact, gates, cells, dy, dh, dc, d_gates, peep_sums, c, t):
    hidden, width = dh.shape[1], dh.shape[2]
    zero = like(0.0, params[0])
    one = like(1.0, params[0])
    for j in range(hidden):
        w_ci = params[peep + j] if peephole else zero
        w_cf = params[peep + hidden + j] if peephole else zero
        w_co = params[peep + 2 * hidden + j] if peephole else zero
        for b in range(width):
            c_prev = cells[c, t, j, b]
            c_new = cells[c, t + 1, j, b]
            i = gates[c, t, j, b]
            f = gates[c, t, hidden + j, b]
            g = gates[c, t, 2 * hidden + j, b]
            o = gates[c, t, 3 * hidden + j, b]
            tanh_c = tanh(c_new, exact)
            grad_h = dh[c, j, b] + dy[c, t, j, b]
            d_o = grad_h * tanh_c * o * (one - o)
            grad_c = dc[c, j, b] + grad_h * o * (one - tanh_c * tanh_c) + d_o * w_co
            d_i = grad_c * g * i * (one - i)
            d_f = grad_c * c_prev * f * (one - f)
            d_g = grad_c * i * (one - g * g)
            dc[c, j, b] = grad_c * f + d_i * w_ci + d_f * w_cf
            d_gates[c, j, b] = d_i
            d_gates[c, hidden + j, b] = d_f
            d_gates[c, 2 * hidden + j, b] = d_g
            d_gates[c, 3 * hidden + j, b] = d_o
            if peephole:
                peep_sums[c, j, b] += d_i * c_prev
                peep_sums[c, hidden + j, b] += d_f * c_prev
                peep_sums[c, 2 * hidden + j, b] += d_o * c_new


@kernel
def lstm_backward(
    params, packed, peephole, exact, stacked, gates, cells,
    dy, dh_last, dc_last, need_dx,
    d_gates, d_stacked, weight_parts, peep_sums, dx, dh0, dc0, first, stop,
):  # fmt: skip
    """Backward through time for :func:`lstm_forward`, chunks ``first .. stop - 1``.

    Parameter gradients stay per chunk (``weight_parts``, ``peep_sums``); once
    every chunk is done, ``_recurrent.finish_gradients`` and
    :func:`finish_peephole_gradients` sum them in chunk order.

    Parameters
    ----------
    params, packed, peephole, exact, stacked, gates, cells
        As given to and produced by :func:`lstm_forward`.
    dy : ndarray (C, T, H, B)
        Gradient of the loss with respect to every output ``h_t``.
    dh_last, dc_last : ndarray (C, H, B)
        Gradient with respect to the final states ``h_T`` and ``c_T``.
    need_dx : bool
        Compute ``dx`` (skipped for the first layer of a network).
    d_gates : ndarray (C, 4H, B)
        Workspace: gradient of one step's pre-activations.
    d_stacked : ndarray (C, I + H + 1, B)
        Workspace: gradient of one step's ``S_t``.
    weight_parts : ndarray (C, 4H, I + H + 1)
        Workspace: per-chunk gradient of the packed weights.
    peep_sums : ndarray (C, 3H, B)
        Output: per-sample peephole gradients (peephole only).
    dx : ndarray (C, T, I, B)
        Output: gradient with respect to ``x`` when ``need_dx``.
    dh0, dc0 : ndarray (C, H, B)
        Output: gradient with respect to ``h0`` and ``c0``.
    first, stop : int
        Range of chunks to process.
    """
    steps = gates.shape[1]
    hidden = dh0.shape[1]
    input_size = stacked.shape[2] - hidden - 1
    peep = layer_offsets(4 * hidden, input_size, hidden)[4]
    for c in range(first, stop):
        if peephole:
            peep_sums[c] = 0
        dh0[c] = dh_last[c]
        dc0[c] = dc_last[c]
        for t in range(steps - 1, -1, -1):
            _backward_step(params, peep, peephole, exact, gates, cells, dy, dh0, dc0, d_gates, peep_sums, c, t)
            step_gradients(packed, stacked, d_gates, c, t, input_size, need_dx, weight_parts, d_stacked)
            carry_gradients(d_stacked, c, t, input_size, False, need_dx, dh0, dx)


@kernel
def finish_peephole_gradients(peep_sums, peep, grad):
    """``grad[peep + k] = sum over chunks and samples of peep_sums[:, k]``, in a fixed order."""
    n_chunks, rows, width = peep_sums.shape
    for k in range(rows):
        total = like(0.0, peep_sums[0, k, 0])
        for c in range(n_chunks):
            for b in range(width):
                total += peep_sums[c, k, b]
        grad[peep + k] = total
