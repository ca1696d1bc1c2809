"""Slow, obviously correct NumPy references for every cell (the test oracle).

One sample, one step, one gate at a time, straight from the equations in
PyTorch's documentation; float64 and libm activations throughout.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def rnn_step(p, x, h, nonlinearity):
    a = p["weight_ih"] @ x + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"]
    return (np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)), None


def lstm_step(p, x, h, c, peephole):
    hidden = h.shape[0]
    a = p["weight_ih"] @ x + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"]
    a_i, a_f, a_g, a_o = (a[k * hidden : (k + 1) * hidden] for k in range(4))
    w_ci = p["weight_ci"] if peephole else 0.0
    w_cf = p["weight_cf"] if peephole else 0.0
    w_co = p["weight_co"] if peephole else 0.0
    i = sigmoid(a_i + w_ci * c)
    f = sigmoid(a_f + w_cf * c)
    g = np.tanh(a_g)
    c_new = f * c + i * g
    o = sigmoid(a_o + w_co * c_new)
    return o * np.tanh(c_new), c_new


def gru_step(p, x, h):
    hidden = h.shape[0]
    gi = p["weight_ih"] @ x + p["bias_ih"]
    gh = p["weight_hh"] @ h + p["bias_hh"]
    r = sigmoid(gi[:hidden] + gh[:hidden])
    z = sigmoid(gi[hidden : 2 * hidden] + gh[hidden : 2 * hidden])
    n = np.tanh(gi[2 * hidden :] + r * gh[2 * hidden :])
    return (1.0 - z) * n + z * h, None


def layer_parameters(views, k):
    """The tensors of layer ``k`` without the ``_l{k}`` suffix."""
    suffix = f"_l{k}"
    return {name[: -len(suffix)]: value for name, value in views.items() if name.endswith(suffix)}


def network_forward(layout, params, x, h0=None, c0=None, nonlinearity="tanh", return_sequences=False):
    """Reference forward of a stacked network with a linear head.

    ``x (N, T, I)``, ``h0``/``c0`` ``(L, N, H)``; returns ``(N, O)`` or ``(N, T, O)``.
    """
    views = {name: np.asarray(value, dtype=np.float64) for name, value in layout.views(params).items()}
    cell = layout.cell.name
    n_samples, steps, _ = x.shape
    hidden, layers = layout.hidden_size, layout.num_layers
    h0 = np.zeros((layers, n_samples, hidden)) if h0 is None else h0
    c0 = np.zeros((layers, n_samples, hidden)) if c0 is None else c0
    sequence = np.asarray(x, dtype=np.float64)
    for k in range(layers):
        p = layer_parameters(views, k)
        out = np.zeros((n_samples, steps, hidden))
        for n in range(n_samples):
            h, c = h0[k, n].copy(), c0[k, n].copy()
            for t in range(steps):
                if cell == "rnn":
                    h, _ = rnn_step(p, sequence[n, t], h, nonlinearity)
                elif cell in ("lstm", "peephole"):
                    h, c = lstm_step(p, sequence[n, t], h, c, peephole=cell == "peephole")
                else:
                    h, _ = gru_step(p, sequence[n, t], h)
                out[n, t] = h
        sequence = out
    head_w, head_b = views["head.weight"], views["head.bias"]
    if return_sequences:
        return sequence @ head_w.T + head_b
    return sequence[:, -1] @ head_w.T + head_b
