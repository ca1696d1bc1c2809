"""Elman RNN layer (tanh or ReLU): forward and backward through time on the CPU.

Equations (PyTorch's ``nn.RNN``)::

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh      (stored: ``gates``, one GEMM)
    h_t = act(a_t),  act = tanh or relu              (stored: ``y``)

The derivative of the activation is taken from the stored output
(``1 - h^2`` for tanh, ``h > 0`` for ReLU). Array layouts: see
:mod:`rnnforecast.kernels._recurrent`.
"""

from __future__ import annotations

from ._activations import like, tanh
from ._activations import relu as relu_function
from ._jit import kernel
from ._recurrent import (
    carry_gradients,
    load_sequence,
    step_gradients,
    step_product,
)

__all__ = ["rnn_forward", "rnn_backward"]


@kernel
def _forward_step(relu, exact, gates, stacked, y, c, t):
    # Constant flags make each inlined copy of the loop branch-free (vectorised).
    if exact:
        _forward_rows(relu, True, gates, stacked, y, c, t)
    else:
        _forward_rows(relu, False, gates, stacked, y, c, t)


@kernel(inline=True)
def _forward_rows(relu, exact, gates, stacked, y, c, t):
    hidden, width = y.shape[2], y.shape[3]
    h_row = stacked.shape[2] - 1 - hidden
    for j in range(hidden):
        if relu:
            for b in range(width):
                h = relu_function(gates[c, t, j, b])
                y[c, t, j, b] = h
                stacked[c, t + 1, h_row + j, b] = h
        else:
            for b in range(width):
                h = tanh(gates[c, t, j, b], exact)
                y[c, t, j, b] = h
                stacked[c, t + 1, h_row + j, b] = h


@kernel
def rnn_forward(packed, x, h0, relu, exact, stacked, gates, y, first, stop):
    """Run one Elman RNN layer over whole sequences, for the batch chunks ``first .. stop - 1``.

    Parameters
    ----------
    packed : ndarray (H, I + H + 1)
        ``[W_ih | W_hh | b_ih + b_hh]`` (see ``_recurrent.pack_weights``).
    x : ndarray (C, T, I, B)
        Layer input in chunk layout.
    h0 : ndarray (C, H, B)
        Initial hidden state.
    relu : bool
        ReLU non-linearity instead of tanh.
    exact : bool
        Use libm ``tanh`` instead of the rational approximation.
    stacked : ndarray (C, T + 1, I + H + 1, B)
        Output: ``S_t = [x_t; h_{t-1}; 1]`` (kept for backward).
    gates : ndarray (C, T, H, B)
        Output: pre-activations.
    y : ndarray (C, T, H, B)
        Output: hidden states ``h_1 .. h_T``.
    first, stop : int
        Range of chunks to process (threads take disjoint ranges).
    """
    steps = x.shape[1]
    for c in range(first, stop):
        load_sequence(x, h0, stacked, c)
        for t in range(steps):
            step_product(packed, stacked, gates, c, t)
            _forward_step(relu, exact, gates, stacked, y, c, t)


@kernel
def _backward_step(relu, y, dy, dh, d_gates, c, t):
    hidden, width = dh.shape[1], dh.shape[2]
    zero = like(0.0, dh[0, 0, 0])
    one = like(1.0, dh[0, 0, 0])
    for j in range(hidden):
        if relu:
            for b in range(width):
                grad_h = dh[c, j, b] + dy[c, t, j, b]
                d_gates[c, j, b] = grad_h if y[c, t, j, b] > zero else zero
        else:
            for b in range(width):
                h = y[c, t, j, b]
                d_gates[c, j, b] = (dh[c, j, b] + dy[c, t, j, b]) * (one - h * h)


@kernel
def rnn_backward(
    packed, relu, stacked, y,
    dy, dh_last, need_dx,
    d_gates, d_stacked, weight_parts, dx, dh0, first, stop,
):  # fmt: skip
    """Backward through time for :func:`rnn_forward`.

    Parameters
    ----------
    packed, relu, stacked, y
        As given to and produced by :func:`rnn_forward`.
    dy : ndarray (C, T, H, B)
        Gradient of the loss with respect to every output ``h_t``.
    dh_last : ndarray (C, H, B)
        Gradient with respect to the final state ``h_T``.
    need_dx : bool
        Compute ``dx``.
    d_gates : ndarray (C, H, B)
        Workspace: gradient of one step's pre-activations.
    d_stacked : ndarray (C, I + H + 1, B)
        Workspace: gradient of one step's ``S_t``.
    weight_parts : ndarray (C, H, I + H + 1)
        Output: per-chunk gradient of the packed weights (summed afterwards by
        ``_recurrent.finish_gradients``).
    dx : ndarray (C, T, I, B)
        Output: gradient with respect to ``x`` when ``need_dx``.
    dh0 : ndarray (C, H, B)
        Output: gradient with respect to ``h0``.
    first, stop : int
        Range of chunks to process.
    """
    steps = y.shape[1]
    hidden = dh0.shape[1]
    input_size = stacked.shape[2] - hidden - 1
    for c in range(first, stop):
        dh0[c] = dh_last[c]
        for t in range(steps - 1, -1, -1):
            _backward_step(relu, y, dy, dh0, d_gates, c, t)
            step_gradients(packed, stacked, d_gates, c, t, input_size, need_dx, weight_parts, d_stacked)
            carry_gradients(d_stacked, c, t, input_size, False, need_dx, dh0, dx)
