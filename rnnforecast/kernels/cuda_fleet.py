"""Fused CUDA kernels that train ``M`` independent networks of one shape at once (a "fleet").

Two launches make one training step of every model:

* :func:`fleet_step` -- one thread block per (model, batch chunk): gather the
  chunk's windows from the device-resident data, run every layer forward, apply
  the linear head and the loss, and back-propagate through the head and every
  layer, leaving per-chunk weight, head and loss parts. The same kernel in
  prediction mode writes the head outputs instead (validation forecasts).
* :func:`fleet_update` -- one block per model: sum the chunk parts in chunk
  order, map them to the flat (PyTorch-layout) gradient, clip it to the model's
  norm, apply Adam, and re-pack the weights for the next step.

Nothing crosses to the host between steps: the data, every model's weights,
gradients and Adam moments, the batch plan of a whole epoch and the running
epoch losses all live on the device. Every sum runs in a fixed order (threads
own fixed outputs, chunks are added in order, block reductions add thread
partials in thread order), so a fleet is deterministic.

Array shapes (``M`` models, ``C`` chunks of at most ``W`` windows, ``L``
layers, ``T`` steps, ``I`` inputs, ``H`` hidden, ``R`` packed rows, ``D`` the
largest layer depth ``max(I, H) + H + 1``, ``O`` head outputs, ``P``
parameters per model, ``S`` steps of the plan, ``N`` windows of all models)::

    params, grad, first_moment, second_moment   (M, P)
    packed        (M, L * R * D), viewed as (M, L, R, D)
    x_all (N, T, I)   y_all (N, O)   w_all (N,)
    plan_index (S, M, batch)  plan_count (S, M)  plan_scale (S, M)  plan_weight (S, M)

Cells are the codes of :mod:`rnnforecast.kernels._cuda_recurrent` (peephole LSTMs
are not fused). This module imports ``numba.cuda`` and is loaded only for
``device="cuda"``.
"""

from __future__ import annotations

import math

from numba import cuda, float64

from ._chunks import MAX_CHUNK_WIDTH
from ._cuda_recurrent import LSTM, MAX_THREADS, backward_steps, fill, forward_steps, threads_for

__all__ = ["SQUARED", "ABSOLUTE", "HUBER", "PINBALL", "fleet_pack", "fleet_step", "fleet_update", "chunk_split"]

SQUARED, ABSOLUTE, HUBER, PINBALL = 0, 1, 2, 3


@cuda.jit(device=True)
def chunk_split(n):
    """``(chunks, width)`` of ``n`` windows, as :func:`rnnforecast.nn.network.chunk_plan` splits them."""
    chunks = (n + MAX_CHUNK_WIDTH - 1) // MAX_CHUNK_WIDTH
    return chunks, (n + chunks - 1) // chunks


@cuda.jit(device=True)
def _loss_term(loss, prediction, target, quantile, delta):
    """Elementwise loss and its derivative with respect to the prediction (float64)."""
    r = float64(prediction) - float64(target)
    if loss == SQUARED:
        return r * r, 2.0 * r
    sign = 1.0 if r > 0.0 else (-1.0 if r < 0.0 else 0.0)
    if loss == ABSOLUTE:
        return abs(r), sign
    if loss == HUBER:
        if abs(r) <= delta:
            return 0.5 * r * r, r
        return delta * (abs(r) - 0.5 * delta), delta * sign
    # pinball on the residual target - prediction = -r
    value = max(quantile * -r, (quantile - 1.0) * -r)
    return value, (1.0 - quantile) if r > 0.0 else (-quantile if r < 0.0 else 0.0)


@cuda.jit(device=True)
def _pack_model(params, pack_src, packed, m, tid, n_threads):
    """``packed[m]`` from ``params[m]``: each entry is one parameter, the sum of two (RNN/LSTM bias), or 0."""
    for q in range(tid, packed.shape[1], n_threads):
        a, b = pack_src[q, 0], pack_src[q, 1]
        if a >= 0 and b >= 0:
            packed[m, q] = params[m, a] + params[m, b]
        elif a >= 0:
            packed[m, q] = params[m, a]
        else:
            packed[m, q] = 0


@cuda.jit
def _fleet_pack(params, pack_src, packed):
    _pack_model(params, pack_src, packed, cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x)


def fleet_pack(params, pack_src, packed):
    """Pack every model's weights (``params (M, P)`` into ``packed (M, L*R*D)``)."""
    _fleet_pack[params.shape[0], MAX_THREADS](params, pack_src, packed)


@cuda.jit(device=True)
def _load_layer(k, m, c, n, width, x_all, plan_index, s, stacked, ys, tid, n_threads):
    """``stacked[c]`` of layer ``k``: inputs (gathered windows, or layer ``k-1``'s outputs), ones, ``h0 = 0``."""
    steps = stacked.shape[1] - 1
    hidden = ys.shape[2]
    inputs = stacked.shape[2] - hidden - 1
    for e in range(tid, (steps + 1) * width, n_threads):
        stacked[c, e // width, inputs + hidden, e % width] = 1
    for e in range(tid, hidden * width, n_threads):
        stacked[c, 0, inputs + e // width, e % width] = 0
    for e in range(tid, steps * inputs * width, n_threads):
        t, rest = e // (inputs * width), e % (inputs * width)
        i, b = rest // width, rest % width
        if k > 0:
            stacked[c, t, i, b] = ys[c, t, i, b]
        elif c * width + b < n:
            stacked[c, t, i, b] = x_all[plan_index[s, m, c * width + b], t, i]
        else:
            stacked[c, t, i, b] = 0  # padding column of a short last chunk: zero input, zero weight


@cuda.jit
def _fleet_step(cell, exact, head, packed, params, x_all, y_all, w_all, plan_index, plan_count, plan_scale, s,
                loss, quantiles, delta, train, status, stacked, gates, cells, ys, zero_dy, dys, d_out, d_gates,
                d_stacked, dh, dc, weight_parts, head_parts, loss_parts, predictions, plan_out):  # fmt: skip
    max_chunks = stacked.shape[1]
    m, c = cuda.blockIdx.x // max_chunks, cuda.blockIdx.x % max_chunks
    tid, n_threads = cuda.threadIdx.x, cuda.blockDim.x
    n = plan_count[s, m]
    if n == 0 or status[m] != 0:
        return
    chunks, width = chunk_split(n)
    if c >= chunks:
        return
    n_layers, hidden, n_out = stacked.shape[2], dh.shape[2], d_out.shape[2]
    steps, n_inputs = x_all.shape[1], x_all.shape[2]
    rows = gates.shape[4]
    model = params[m]

    for k in range(n_layers):
        depth = (n_inputs if k == 0 else hidden) + hidden + 1
        layer_stacked = stacked[m, :, k, :, :depth, :width]
        below = ys[m, :, k - 1 if k > 0 else 0, :, :, :width]
        _load_layer(k, m, c, n, width, x_all, plan_index, s, layer_stacked, below, tid, n_threads)
        layer_cells = cells[m, :, k, :, :, :width]
        if cell == LSTM:
            fill(layer_cells[:, 0], c, 0.0, tid, n_threads)
        cuda.syncthreads()
        forward_steps(cell, model, 0, packed[m, k, :rows, :depth], exact, layer_stacked, gates[m, :, k, :, :, :width],
                       layer_cells, ys[m, :, k, :, :, :width], c, tid, n_threads)  # fmt: skip

    # Linear head on h_T of the top layer, then the loss and its gradient.
    top = ys[m, c, n_layers - 1, steps - 1]
    partial = cuda.shared.array(MAX_THREADS, float64)
    total = 0.0
    scale = plan_scale[s, m]
    for e in range(tid, n_out * width, n_threads):
        o, b = e // width, e % width
        value = model[head + n_out * hidden + o]
        for j in range(hidden):
            value += model[head + o * hidden + j] * top[j, b]
        derivative = 0.0
        if c * width + b < n:
            sample = plan_index[s, m, c * width + b]
            if train:
                term, derivative = _loss_term(loss, value, y_all[sample, o], quantiles[o], delta)
                weight = w_all[sample] * scale
                total += term * weight
                derivative *= weight
            else:
                predictions[plan_out[s, m, c * width + b], o] = value
        d_out[m, c, o, b] = derivative
    partial[tid] = total
    cuda.syncthreads()
    if not train:
        return
    if tid == 0:
        summed = 0.0
        for i in range(n_threads):
            summed += partial[i]
        loss_parts[m, c] = summed

    # Head gradients (per chunk) and dL/dh_T of the top layer.
    for e in range(tid, n_out * (hidden + 1), n_threads):
        o, j = e // (hidden + 1), e % (hidden + 1)
        value = 0.0 * model[0]
        for b in range(width):
            value += d_out[m, c, o, b] * (top[j, b] if j < hidden else 1.0)
        head_parts[m, c, o, j] = value
    for e in range(tid, hidden * width, n_threads):
        j, b = e // width, e % width
        value = 0.0 * model[0]
        for o in range(n_out):
            value += model[head + o * hidden + j] * d_out[m, c, o, b]
        dh[m, c, j, b] = value
        dc[m, c, j, b] = 0
    cuda.syncthreads()

    for k in range(n_layers - 1, -1, -1):
        inputs = n_inputs if k == 0 else hidden
        depth = inputs + hidden + 1
        dy = zero_dy[:, :, :, :width] if k == n_layers - 1 else dys[m, :, (k + 1) % 2, :, :, :width]
        backward_steps(cell, model, 0, packed[m, k, :rows, :depth], exact, stacked[m, :, k, :, :depth, :width],
                        gates[m, :, k, :, :, :width], cells[m, :, k, :, :, :width], ys[m, :, k, :, :, :width], dy,
                        k > 0, d_gates[m, :, :, :width], d_stacked[m, :, :depth, :width],
                        weight_parts[m, :, k, :, :depth], d_gates[m, :, :, :width],
                        dys[m, :, k % 2, :, :inputs, :width], dh[m, :, :, :width], dc[m, :, :, :width], c, tid,
                        n_threads)  # fmt: skip
        if k > 0:
            for e in range(tid, hidden * width, n_threads):
                dh[m, c, e // width, e % width] = 0
                dc[m, c, e // width, e % width] = 0
            cuda.syncthreads()


def fleet_step(cell, exact, head, packed, params, data, plan, s, loss, train, status, scratch, predictions, plan_out):
    """Forward (and, when ``train``, backward) of step ``s`` of the plan for every model.

    ``data`` is ``(x_all, y_all, w_all)``, ``plan`` is ``(index, count, scale)``,
    ``loss`` is ``(code, quantiles, delta)`` and ``scratch`` the dict of
    per-(model, chunk) buffers shaped by :func:`rnnforecast.nn.fleet._scratch_shapes`.
    """
    x_all, y_all, w_all = data
    index, count, scale = plan
    code, quantiles, delta = loss
    stacked = scratch["stacked"]
    n_models, max_chunks = stacked.shape[0], stacked.shape[1]
    threads = threads_for(packed.shape[2], packed.shape[3], stacked.shape[5])
    threads = max(threads, min(MAX_THREADS, 32 * ((scratch["d_out"].shape[2] * stacked.shape[5] + 31) // 32)))
    _fleet_step[n_models * max_chunks, threads](
        cell, exact, head, packed, params, x_all, y_all, w_all, index, count, scale, s, code, quantiles, delta,
        train, status, stacked, scratch["gates"], scratch["cells"], scratch["ys"], scratch["zero_dy"],
        scratch["dys"], scratch["d_out"], scratch["d_gates"], scratch["d_stacked"], scratch["dh"], scratch["dc"],
        scratch["weight_parts"], scratch["head_parts"], scratch["loss_parts"], predictions, plan_out,
    )  # fmt: skip


@cuda.jit
def _fleet_update(params, grad, first_moment, second_moment, steps, learning_rate, weight_decay, clip_norm, beta1,
                  beta2, epsilon, unpack_map, pack_src, packed, weight_parts, head_parts, loss_parts, plan_count,
                  plan_scale, plan_weight, s, status, epoch_loss, epoch_weight, clip_factor):  # fmt: skip
    m, tid, n_threads = cuda.blockIdx.x, cuda.threadIdx.x, cuda.blockDim.x
    n = plan_count[s, m]
    if n == 0 or status[m] != 0:
        return
    chunks, _ = chunk_split(n)
    n_params, head = params.shape[1], unpack_map.shape[0]
    rows, depth = weight_parts.shape[3], weight_parts.shape[4]
    hidden = head_parts.shape[3] - 1
    n_out = head_parts.shape[2]
    squares = cuda.shared.array(MAX_THREADS, float64)
    largest = cuda.shared.array(MAX_THREADS, float64)
    total, peak = 0.0, 0.0
    for p in range(tid, n_params, n_threads):
        if p < head:
            q = unpack_map[p]
            k, r, d = q // (rows * depth), (q // depth) % rows, q % depth
            value = weight_parts[m, 0, k, r, d]
            for c in range(1, chunks):
                value += weight_parts[m, c, k, r, d]
        else:
            o = (p - head) // hidden if p < head + n_out * hidden else p - head - n_out * hidden
            j = (p - head) % hidden if p < head + n_out * hidden else hidden
            value = head_parts[m, 0, o, j]
            for c in range(1, chunks):
                value += head_parts[m, c, o, j]
        grad[m, p] = value
        total += float64(value) * float64(value)
        peak = max(peak, abs(float64(value)))
    squares[tid] = total
    largest[tid] = peak
    cuda.syncthreads()
    if tid == 0:
        loss_value, norm, top = 0.0, 0.0, 0.0
        for c in range(chunks):
            loss_value += loss_parts[m, c]
        for i in range(n_threads):
            norm += squares[i]
            top = max(top, largest[i])
        norm = math.sqrt(norm)
        limit = clip_norm[m]
        finite = math.isfinite(norm) if limit > 0.0 else math.isfinite(top)
        if not math.isfinite(loss_value) or not finite:
            status[m] = 1  # diverged: this model takes no more steps
        else:
            clip_factor[m] = limit / (norm + 1e-6) if limit > 0.0 and norm > limit else 1.0
            steps[m] += 1
            epoch_loss[m] += loss_value * plan_weight[s, m]
            epoch_weight[m] += plan_weight[s, m]
    cuda.syncthreads()
    if status[m] != 0:
        return
    factor = clip_factor[m]
    step = steps[m]
    step_size = learning_rate[m] / (1.0 - beta1**step)
    inv_root2 = 1.0 / math.sqrt(1.0 - beta2**step)
    decay = weight_decay[m]
    for p in range(tid, n_params, n_threads):
        if factor != 1.0:
            grad[m, p] *= factor
        g = grad[m, p] + decay * params[m, p]
        first = beta1 * first_moment[m, p] + (1.0 - beta1) * g
        second = beta2 * second_moment[m, p] + (1.0 - beta2) * g * g
        first_moment[m, p] = first
        second_moment[m, p] = second
        params[m, p] -= step_size * first / (math.sqrt(second) * inv_root2 + epsilon)
    cuda.syncthreads()
    _pack_model(params, pack_src, packed, m, tid, n_threads)


def fleet_update(state, hyper, maps, packed, scratch, plan, s, epoch_loss, epoch_weight):
    """Sum the chunk parts of step ``s``, clip, Adam, re-pack: one block per model.

    ``state`` is ``(params, grad, first_moment, second_moment, steps, status,
    clip_factor)``, ``hyper`` ``(learning_rate, weight_decay, clip_norm, beta1,
    beta2, epsilon)`` with per-model arrays for the first three, ``maps``
    ``(unpack_map, pack_src)`` and ``plan`` ``(count, scale, weight)``.
    """
    params, grad, first_moment, second_moment, steps, status, clip_factor = state
    learning_rate, weight_decay, clip_norm, beta1, beta2, epsilon = hyper
    count, scale, weight = plan
    _fleet_update[params.shape[0], MAX_THREADS](
        params, grad, first_moment, second_moment, steps, learning_rate, weight_decay, clip_norm, beta1, beta2,
        epsilon, maps[0], maps[1], packed, scratch["weight_parts"], scratch["head_parts"], scratch["loss_parts"],
        count, scale, weight, s, status, epoch_loss, epoch_weight, clip_factor,
    )  # fmt: skip


@cuda.jit
def _fleet_keep(source, target, mask):
    m = cuda.blockIdx.x
    if mask[m]:
        for p in range(cuda.threadIdx.x, source.shape[1], cuda.blockDim.x):
            target[m, p] = source[m, p]


def fleet_keep(source, target, mask):
    """``target[m] = source[m]`` for every model ``m`` with ``mask[m]`` (best weights so far)."""
    _fleet_keep[source.shape[0], MAX_THREADS](source, target, mask)
