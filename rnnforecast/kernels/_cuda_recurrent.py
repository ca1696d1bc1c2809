"""Device functions shared by the CUDA twins of the recurrent kernels (the twin of ``_recurrent.py``).

The CUDA kernels (``cuda_rnn``, ``cuda_lstm``, ``cuda_gru``, file for file the
twins of ``cpu_rnn``, ``cpu_lstm``, ``cpu_gru``) and the fused many-models
kernels of ``cuda_fleet`` are built from the device functions here: the
activations (the CPU kernels' rational approximation), the per-step GEMMs, and
one cell-forward, cell-backward and step loop per phase, switched by a cell
code (``RNN_TANH``, ``RNN_RELU``, ``LSTM``, ``PEEPHOLE``, ``GRU``).

One thread block runs one batch chunk through all its time steps (a persistent
launch: the step loop is inside the kernel). Per step the block computes the
packed product ``gates = W S_t`` (each thread a strided share of the ``R x B``
outputs), synchronises, applies the cell equations to its share of the
``H x B`` states, and synchronises again. Backward runs the steps in reverse
with the same two GEMMs as the CPU (``dW += dG S_t^T`` and ``dS = W^T dG``),
each thread owning fixed output elements, so every sum is taken in the same
order on every run: results are deterministic.

These modules import ``numba.cuda`` and are imported only when a CUDA device is
requested (:func:`rnnforecast.kernels.get_kernels`); CPU-only installs never
load them. Under ``NUMBA_ENABLE_CUDASIM=1`` they run on numba's CUDA simulator,
which is how CI tests them against the CPU kernels.
"""

from __future__ import annotations

import math

from numba import cuda

from ._activations import TANH_CLAMP as _CLAMP
from ._activations import TANH_P as _P
from ._activations import TANH_Q as _Q

__all__ = [
    "MAX_THREADS", "RNN_TANH", "RNN_RELU", "LSTM", "PEEPHOLE", "GRU", "threads_for", "load_sequence", "copy_state",
    "fill", "forward_steps", "backward_steps",
]  # fmt: skip

MAX_THREADS = 256


def threads_for(rows: int, depth: int, width: int) -> int:
    """Threads per block: enough for the largest per-step share (``R x B`` or ``R x K``), capped, a warp multiple."""
    needed = max(rows * width, min(rows * depth, MAX_THREADS))
    return max(32, min(MAX_THREADS, 32 * ((needed + 31) // 32)))


# ----------------------------------------------------------------- activations
@cuda.jit(device=True, inline=True)
def _tanh(x, exact):
    if exact:
        return math.tanh(x)
    # The CPU kernels' rational approximation (see _activations), so both paths agree to rounding.
    xc = min(max(x, -_CLAMP), _CLAMP)
    u = xc * xc
    p = (((((_P[6] * u + _P[5]) * u + _P[4]) * u + _P[3]) * u + _P[2]) * u + _P[1]) * u + _P[0]
    q = ((_Q[3] * u + _Q[2]) * u + _Q[1]) * u + _Q[0]
    return min(max(xc * p / q, -1.0), 1.0)


@cuda.jit(device=True, inline=True)
def _sigmoid(x, exact):
    return 0.5 + 0.5 * _tanh(0.5 * x, exact)


# ------------------------------------------------------------- shared pieces
@cuda.jit(device=True)
def load_sequence(x, h0, stacked, c, tid, n_threads):
    steps, input_size, width = x.shape[1], x.shape[2], x.shape[3]
    hidden = h0.shape[1]
    ones_row = input_size + hidden
    for e in range(tid, (steps + 1) * width, n_threads):
        stacked[c, e // width, ones_row, e % width] = 1.0
    for e in range(tid, steps * input_size * width, n_threads):
        t, rest = e // (input_size * width), e % (input_size * width)
        stacked[c, t, rest // width, rest % width] = x[c, t, rest // width, rest % width]
    for e in range(tid, hidden * width, n_threads):
        stacked[c, 0, input_size + e // width, e % width] = h0[c, e // width, e % width]


@cuda.jit(device=True)
def _step_product(packed, stacked, gates, c, t, tid, n_threads):
    """``gates[c, t] = W @ S_t``; each thread owns outputs ``(r, b)``."""
    rows, depth = packed.shape
    width = stacked.shape[3]
    for e in range(tid, rows * width, n_threads):
        r, b = e // width, e % width
        total = 0.0 * packed[0, 0]
        for k in range(depth):
            total += packed[r, k] * stacked[c, t, k, b]
        gates[c, t, r, b] = total


@cuda.jit(device=True)
def _step_gradients(packed, stacked, d_gates, c, t, input_size, need_dx, weight_parts, d_stacked, tid, n_threads):
    """``weight_parts[c] (+)= dG S_t^T`` and ``d_stacked[c] = W^T dG`` (``x`` rows only when ``need_dx``)."""
    rows, depth = packed.shape
    width = stacked.shape[3]
    last_step = t == stacked.shape[1] - 2
    for e in range(tid, rows * depth, n_threads):
        r, k = e // depth, e % depth
        total = 0.0 * packed[0, 0]
        for b in range(width):
            total += d_gates[c, r, b] * stacked[c, t, k, b]
        if last_step:
            weight_parts[c, r, k] = total
        else:
            weight_parts[c, r, k] += total
    first = 0 if need_dx else input_size
    for e in range(tid, (depth - 1 - first) * width, n_threads):
        k, b = first + e // width, e % width
        total = 0.0 * packed[0, 0]
        for r in range(rows):
            total += packed[r, k] * d_gates[c, r, b]
        d_stacked[c, k, b] = total


@cuda.jit(device=True)
def _carry_gradients(d_stacked, c, t, input_size, accumulate, need_dx, dh, dx, tid, n_threads):
    hidden, width = dh.shape[1], dh.shape[2]
    for e in range(tid, hidden * width, n_threads):
        j, b = e // width, e % width
        if accumulate:
            dh[c, j, b] += d_stacked[c, input_size + j, b]
        else:
            dh[c, j, b] = d_stacked[c, input_size + j, b]
    if need_dx:
        for e in range(tid, input_size * width, n_threads):
            dx[c, t, e // width, e % width] = d_stacked[c, e // width, e % width]


@cuda.jit(device=True)
def _reverse_step_products(packed, stacked, d_gates, c, t, input_size, accumulate, need_dx, weight_parts, d_stacked,
                           dh, dx, tid, n_threads):  # fmt: skip
    """After a cell's ``d_gates`` of step ``t``: the two backward GEMMs, then ``dh``/``dx``, synchronised."""
    cuda.syncthreads()
    _step_gradients(packed, stacked, d_gates, c, t, input_size, need_dx, weight_parts, d_stacked, tid, n_threads)
    cuda.syncthreads()
    _carry_gradients(d_stacked, c, t, input_size, accumulate, need_dx, dh, dx, tid, n_threads)
    cuda.syncthreads()


@cuda.jit(device=True)
def copy_state(source, target, c, tid, n_threads):
    hidden, width = source.shape[1], source.shape[2]
    for e in range(tid, hidden * width, n_threads):
        target[c, e // width, e % width] = source[c, e // width, e % width]


@cuda.jit(device=True)
def fill(target, c, value, tid, n_threads):
    """``target[c, :, :] = value``."""
    rows, width = target.shape[1], target.shape[2]
    for e in range(tid, rows * width, n_threads):
        target[c, e // width, e % width] = value


# ------------------------------------------------------------ cell equations
# Cell codes of the shared device functions below (one code path per cell for
# the per-layer kernels here and the fused many-models kernels of cuda_fleet).
RNN_TANH, RNN_RELU, LSTM, PEEPHOLE, GRU = 0, 1, 2, 3, 4


@cuda.jit(device=True, inline=True)
def _peephole_weights(cell, params, peep, hidden, j):
    """Unit ``j``'s peephole weights ``(w_ci, w_cf, w_co)`` of a peephole LSTM; zeros for a plain LSTM."""
    zero = 0.0 * params[0]
    if cell != PEEPHOLE:
        return zero, zero, zero
    return params[peep + j] + zero, params[peep + hidden + j] + zero, params[peep + 2 * hidden + j] + zero


@cuda.jit(device=True)
def _cell_forward(cell, params, peep, exact, stacked, gates, cells, y, c, t, tid, n_threads):
    """Step ``t`` of chunk ``c`` after ``gates[c, t] = W S_t``: activations, ``y``, ``cells`` and ``h`` rows."""
    hidden, width = y.shape[2], y.shape[3]
    h_row = stacked.shape[2] - 1 - hidden
    for e in range(tid, hidden * width, n_threads):
        j, b = e // width, e % width
        if cell == GRU:
            h_prev = stacked[c, t, h_row + j, b]
            r = _sigmoid(gates[c, t, j, b], exact)
            z = _sigmoid(gates[c, t, hidden + j, b], exact)
            n = _tanh(gates[c, t, 2 * hidden + j, b] + r * gates[c, t, 3 * hidden + j, b], exact)
            h = n + z * (h_prev - n)
            gates[c, t, j, b] = r
            gates[c, t, hidden + j, b] = z
            gates[c, t, 2 * hidden + j, b] = n
        elif cell == LSTM or cell == PEEPHOLE:
            w_ci, w_cf, w_co = _peephole_weights(cell, params, peep, hidden, j)
            c_prev = cells[c, t, j, b]
            i = _sigmoid(gates[c, t, j, b] + w_ci * c_prev, exact)
            f = _sigmoid(gates[c, t, hidden + j, b] + w_cf * c_prev, exact)
            g = _tanh(gates[c, t, 2 * hidden + j, b], exact)
            c_new = f * c_prev + i * g
            o = _sigmoid(gates[c, t, 3 * hidden + j, b] + w_co * c_new, exact)
            h = o * _tanh(c_new, exact)
            gates[c, t, j, b] = i
            gates[c, t, hidden + j, b] = f
            gates[c, t, 2 * hidden + j, b] = g
            gates[c, t, 3 * hidden + j, b] = o
            cells[c, t + 1, j, b] = c_new
        else:
            a = gates[c, t, j, b]
            h = max(a, 0.0 * a) if cell == RNN_RELU else _tanh(a, exact)
        y[c, t, j, b] = h
        stacked[c, t + 1, h_row + j, b] = h


@cuda.jit(device=True)
def forward_steps(cell, params, peep, packed, exact, stacked, gates, cells, y, c, tid, n_threads):
    """Every step of chunk ``c`` once ``stacked[c]`` holds the inputs, the ones row and ``h0``."""
    for t in range(y.shape[1]):
        _step_product(packed, stacked, gates, c, t, tid, n_threads)
        cuda.syncthreads()
        _cell_forward(cell, params, peep, exact, stacked, gates, cells, y, c, t, tid, n_threads)
        cuda.syncthreads()


@cuda.jit(device=True)
def _cell_backward(cell, params, peep, exact, stacked, gates, cells, y, dy, d_gates, dh, dc, peep_sums, c, t, tid,
                   n_threads):  # fmt: skip
    """``d_gates`` of step ``t`` from ``dh`` (``dL/dh_t`` so far) and ``dy[c, t]``; updates ``dc`` (LSTM)."""
    hidden, width = dh.shape[1], dh.shape[2]
    h_row = stacked.shape[2] - 1 - hidden
    for e in range(tid, hidden * width, n_threads):
        j, b = e // width, e % width
        grad_h = dh[c, j, b] + dy[c, t, j, b]
        if cell == GRU:
            h_prev = stacked[c, t, h_row + j, b]
            n_h = gates[c, t, 3 * hidden + j, b]
            r = gates[c, t, j, b]
            z = gates[c, t, hidden + j, b]
            n = gates[c, t, 2 * hidden + j, b]
            d_n = grad_h * (1.0 - z) * (1.0 - n * n)
            d_gates[c, j, b] = d_n * n_h * r * (1.0 - r)
            d_gates[c, hidden + j, b] = grad_h * (h_prev - n) * z * (1.0 - z)
            d_gates[c, 2 * hidden + j, b] = d_n
            d_gates[c, 3 * hidden + j, b] = d_n * r
            dh[c, j, b] = grad_h * z  # the direct path; the products add W_hh^T dG
        elif cell == LSTM or cell == PEEPHOLE:
            w_ci, w_cf, w_co = _peephole_weights(cell, params, peep, hidden, j)
            c_prev = cells[c, t, j, b]
            c_new = cells[c, t + 1, j, b]
            i = gates[c, t, j, b]
            f = gates[c, t, hidden + j, b]
            g = gates[c, t, 2 * hidden + j, b]
            o = gates[c, t, 3 * hidden + j, b]
            tanh_c = _tanh(c_new, exact)
            d_o = grad_h * tanh_c * o * (1.0 - o)
            grad_c = dc[c, j, b] + grad_h * o * (1.0 - tanh_c * tanh_c) + d_o * w_co
            d_i = grad_c * g * i * (1.0 - i)
            d_f = grad_c * c_prev * f * (1.0 - f)
            d_g = grad_c * i * (1.0 - g * g)
            dc[c, j, b] = grad_c * f + d_i * w_ci + d_f * w_cf
            d_gates[c, j, b] = d_i
            d_gates[c, hidden + j, b] = d_f
            d_gates[c, 2 * hidden + j, b] = d_g
            d_gates[c, 3 * hidden + j, b] = d_o
            if cell == PEEPHOLE:
                peep_sums[c, j, b] += d_i * c_prev
                peep_sums[c, hidden + j, b] += d_f * c_prev
                peep_sums[c, 2 * hidden + j, b] += d_o * c_new
        else:
            h = y[c, t, j, b]
            if cell == RNN_RELU:
                d_gates[c, j, b] = grad_h if h > 0.0 else 0.0 * h
            else:
                d_gates[c, j, b] = grad_h * (1.0 - h * h)


@cuda.jit(device=True)
def backward_steps(cell, params, peep, packed, exact, stacked, gates, cells, y, dy, need_dx, d_gates, d_stacked,
                    weight_parts, peep_sums, dx, dh, dc, c, tid, n_threads):  # fmt: skip
    """Every step of chunk ``c`` in reverse once ``dh`` (and ``dc``) hold the gradients of the final state."""
    input_size = stacked.shape[2] - dh.shape[1] - 1
    for t in range(gates.shape[1] - 1, -1, -1):
        _cell_backward(cell, params, peep, exact, stacked, gates, cells, y, dy, d_gates, dh, dc, peep_sums, c, t,
                       tid, n_threads)  # fmt: skip
        _reverse_step_products(packed, stacked, d_gates, c, t, input_size, cell == GRU, need_dx, weight_parts,
                               d_stacked, dh, dx, tid, n_threads)  # fmt: skip
