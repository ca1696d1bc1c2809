"""The CUDA backend of the training engine: many same-shaped networks trained at once (a fleet).

:func:`rnnforecast.nn.training.train_jobs` hands every job whose network runs on
CUDA to :func:`train_cuda_jobs`. Jobs of the same shape and schedule (the same
:func:`fleet_key`) form a *fleet* trained together by
:mod:`rnnforecast.kernels.cuda_fleet`: every step of every model is two launches,
and the data, weights, gradients, Adam moments and epoch losses stay on the
device. Per epoch only the batch plan goes up and the epoch losses (plus
validation forecasts, with early stopping) come back.

A fleet reproduces :func:`~rnnforecast.nn.training.fit_network` model by model:
the same shuffles from each job's generator, the same zero-weight batch
skipping, loss weighting, gradient clipping and Adam, and the same
:class:`~rnnforecast.nn.training.EpochBookkeeper` for schedules, early stopping,
divergence and warnings. Models may differ in data (length, sample weights),
seed, learning rate, weight decay and clipping norm; they share the network
shape, loss, batch size, epoch budget and stopping rule. Peephole LSTMs,
dropout, ``return_sequences``, optimizers other than Adam, chunk widths other
than the fused kernels' and progress bars are not fused (those jobs are left to
``fit_network``, which runs them with the per-layer CUDA kernels).
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels._chunks import MAX_CHUNK_WIDTH
from .optimizers import Adam
from .training import EpochBookkeeper, _restore_finite, new_optimizer, split_validation, validation_loss

__all__ = ["train_cuda_jobs", "fleet_key", "Fleet"]

_SCRATCH_SHARE = 0.5  # most of the free device memory one fleet's buffers may take


def _cell_code(network):
    from ..kernels._cuda_recurrent import GRU, LSTM, RNN_RELU, RNN_TANH

    layer = network.layers[0]
    name = network.layout.cell.name
    if name == "rnn":
        return RNN_RELU if layer.relu else RNN_TANH
    return {"lstm": LSTM, "gru": GRU}[name]


def _samples_windows(job) -> bool:
    """Whether ``job`` trains on a budget of windows per epoch or validates on a sample (``fit_network`` only)."""
    options, n = job.options, len(job.x)
    n_train = split_validation(n, options.validation_fraction) if options.early_stopping else n
    budget = options.windows_per_epoch is not None and options.windows_per_epoch < n_train
    sampled = options.early_stopping and options.validation_windows is not None
    return budget or (sampled and options.validation_windows < n - n_train)


def fleet_key(job):
    """What jobs must share to train in one fleet, or None when the fused kernels do not cover ``job``."""
    network, options = job.network, job.options
    optimizer = options.optimizer
    if (
        network.device != "cuda"
        or network.layout.cell.name == "peephole"
        or network.dropout > 0
        or network.return_sequences
        or network.max_chunk_width != MAX_CHUNK_WIDTH
        or options.verbose
        or _samples_windows(job)
        or not (optimizer == "adam" or isinstance(optimizer, Adam))
        or (optimizer == "adam" and options.optimizer_state)
    ):
        return None
    layout = network.layout
    adam = (optimizer.beta1, optimizer.beta2, optimizer.epsilon) if isinstance(optimizer, Adam) else (0.9, 0.999, 1e-8)
    loss_options = tuple(
        (name, tuple(np.ravel(value).tolist())) for name, value in sorted((options.loss_options or {}).items())
    )
    return (
        _cell_code(network),
        network.layers[0].exact,
        layout.input_size,
        layout.hidden_size,
        layout.num_layers,
        layout.output_size,
        job.params.dtype.str,
        job.x.shape[1],
        adam,
        options.loss,
        loss_options,
        options.batch_size,
        options.max_iter,
        options.shuffle,
        options.schedule,
        options.early_stopping,
        options.validation_fraction,
        options.n_iter_no_change,
        options.tol,
    )


def train_cuda_jobs(jobs: list) -> list:
    """Train the fusable CUDA jobs of ``jobs`` in fleets.

    Parameters
    ----------
    jobs : list of TrainingJob
        Any jobs; those with a :func:`fleet_key` train here, grouped by key (and
        split to fit the device memory).

    Returns
    -------
    results : list
        A :class:`~rnnforecast.nn.training.TrainingResult` for every job trained
        here, None for the others (left to ``fit_network``).
    """
    results = [None] * len(jobs)
    groups = {}
    for i, job in enumerate(jobs):
        key = fleet_key(job)
        if key is not None:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        for part in _split_by_memory([jobs[i] for i in members], members):
            trained = _train_fleet([jobs[i] for i in part])
            for i, result in zip(part, trained, strict=True):
                results[i] = result
    return results


# ------------------------------------------------------------------ layout maps
def _layout_maps(layout):
    """``pack_src (L*R*D, 2)`` and ``unpack_map (head,)`` between flat parameters and packed weights.

    Packed layer ``k`` is ``[W_ih | W_hh | b]`` (``R x D``, zero-padded to the
    widest layer); a GRU keeps ``n_x`` and ``n_h`` in separate row blocks (see
    :mod:`rnnforecast.kernels._recurrent`). ``pack_src`` names the one or two flat
    parameters summed into each packed entry (-1: none); ``unpack_map`` names the
    packed entry whose gradient each flat recurrent parameter takes.
    """
    hidden, gates = layout.hidden_size, layout.cell.gates
    split = layout.cell.name == "gru"
    rows = (gates + 1) * hidden if split else gates * hidden
    depth = max(layout.input_size, hidden) + hidden + 1
    pack_src = -np.ones((layout.num_layers, rows, depth, 2), np.int64)
    head = layout.head_offset
    unpack_map = np.zeros(head, np.int64)
    for k in range(layout.num_layers):
        inputs = layout.layer_input_size(k)
        w_ih, w_hh, b_ih, b_hh = (
            layout.entry(f"{name}_l{k}").offset for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        last = inputs + hidden

        def place(flat, r, d, slot=0, k=k):
            pack_src[k, r, d, slot] = flat
            unpack_map[flat] = (k * rows + r) * depth + d

        for r in range(gates * hidden):
            target = r + hidden if split and r >= 2 * hidden else r
            for i in range(inputs):
                place(w_ih + r * inputs + i, r, i)
            for j in range(hidden):
                place(w_hh + r * hidden + j, target, inputs + j)
            place(b_ih + r, r, last)
            place(b_hh + r, target, last, slot=1 if target == r else 0)
    return pack_src.reshape(-1, 2), unpack_map, rows, depth


def _scratch_shapes(n_models, layout, steps, batch_size, rows, depth):
    """Per-(model, chunk) buffers of the fused step kernel (see :mod:`rnnforecast.kernels.cuda_fleet`)."""
    chunks = math.ceil(batch_size / MAX_CHUNK_WIDTH)
    width = min(MAX_CHUNK_WIDTH, batch_size)
    n_layers, hidden, n_out = layout.num_layers, layout.hidden_size, layout.output_size
    lstm = layout.cell.name == "lstm"
    return {
        "stacked": (n_models, chunks, n_layers, steps + 1, depth, width),
        "gates": (n_models, chunks, n_layers, steps, rows, width),
        "cells": (n_models, chunks, n_layers) + ((steps + 1, hidden, width) if lstm else (1, 1, 1)),
        "ys": (n_models, chunks, n_layers, steps, hidden, width),
        "zero_dy": (chunks, steps, hidden, width),
        "dys": (n_models, chunks, 2, steps, hidden, width) if n_layers > 1 else (n_models, chunks, 2, 1, 1, 1),
        "d_out": (n_models, chunks, n_out, width),
        "d_gates": (n_models, chunks, rows, width),
        "d_stacked": (n_models, chunks, depth, width),
        "dh": (n_models, chunks, hidden, width),
        "dc": (n_models, chunks, hidden, width),
        "weight_parts": (n_models, chunks, n_layers, rows, depth),
        "head_parts": (n_models, chunks, n_out, hidden + 1),
        "loss_parts": (n_models, chunks),
    }


def _split_by_memory(jobs, members):
    """Split a fleet so that each part's buffers fit in a share of the free device memory."""
    from numba import cuda

    job = jobs[0]
    layout = job.network.layout
    _, _, rows, depth = _layout_maps(layout)
    shapes = _scratch_shapes(1, layout, job.x.shape[1], job.options.batch_size, rows, depth)
    itemsize = job.params.dtype.itemsize
    per_model = sum(int(np.prod(shape)) for shape in shapes.values()) * itemsize + 6 * job.params.size * itemsize
    per_model += max(int(j.x.nbytes + j.y.nbytes) for j in jobs)
    try:
        free = float(cuda.current_context().get_memory_info()[0])
    except Exception:  # noqa: BLE001 - drivers differ in what they report
        free = math.inf
    if not math.isfinite(free):  # numba's simulator reports no limit
        free = float(1 << 34)
    most = max(1, int(free * _SCRATCH_SHARE) // per_model)
    return [members[i : i + most] for i in range(0, len(members), most)]


# ------------------------------------------------------------------ the fleet
class Fleet:
    """Device state of one fleet and the launches over it (the unit ``benchmarks/bench_cuda.py`` times).

    Parameters
    ----------
    jobs : list of TrainingJob
        Jobs sharing one :func:`fleet_key`: their data, weights and Adam moments
        are copied to the device once.
    """

    def __init__(self, jobs):
        from numba import cuda

        from ..kernels import cuda_fleet

        self.cuda, self.kernels = cuda, cuda_fleet
        first = jobs[0]
        self.jobs = jobs
        self.layout = layout = first.network.layout
        self.dtype = dtype = first.params.dtype
        self.options = options = first.options
        self.batch_size = options.batch_size
        self.cell = _cell_code(first.network)
        self.exact = bool(first.network.layers[0].exact)
        self.loss = options.loss
        self.loss_options = options.loss_options or {}
        n_out = layout.output_size
        pack_src, unpack_map, rows, depth = _layout_maps(layout)
        n_models = len(jobs)
        self.offsets = np.cumsum([0] + [len(job.x) for job in jobs])
        weights = [np.ones(len(job.x)) if job.sample_weight is None else job.sample_weight for job in jobs]
        to_device = cuda.to_device
        self.data = (
            to_device(np.concatenate([np.asarray(job.x, dtype) for job in jobs])),
            to_device(np.concatenate([np.asarray(job.y, dtype).reshape(len(job.y), n_out) for job in jobs])),
            to_device(np.concatenate(weights).astype(dtype)),
        )
        self.maps = (to_device(unpack_map), to_device(pack_src))
        self.params = to_device(np.stack([job.params for job in jobs]))
        self.best = to_device(np.stack([job.params for job in jobs]))
        packed = to_device(np.zeros((n_models, layout.num_layers * rows * depth), dtype))
        self.packed_flat, self.packed = packed, packed.reshape(n_models, layout.num_layers, rows, depth)
        code = {
            "squared_error": cuda_fleet.SQUARED,
            "absolute_error": cuda_fleet.ABSOLUTE,
            "huber": cuda_fleet.HUBER,
            "pinball": cuda_fleet.PINBALL,
        }[self.loss]
        quantiles = np.broadcast_to(np.asarray(self.loss_options.get("quantile", 0.5), np.float64), (n_out,))
        self.loss_args = (code, to_device(np.ascontiguousarray(quantiles)), float(self.loss_options.get("delta", 1.0)))
        shapes = _scratch_shapes(n_models, layout, first.x.shape[1], self.batch_size, rows, depth)
        self.scratch = {
            name: to_device(np.zeros(shape, np.float64 if name == "loss_parts" else dtype))
            for name, shape in shapes.items()
        }
        self.optimizers = [new_optimizer(job.options, job.params) for job in jobs]
        adam = self.optimizers[0]
        self.moments = (
            to_device(np.stack([o.first_moment.astype(dtype) for o in self.optimizers])),
            to_device(np.stack([o.second_moment.astype(dtype) for o in self.optimizers])),
        )
        self.steps = to_device(np.array([o.steps for o in self.optimizers], np.int64))
        self.status = to_device(np.zeros(n_models, np.int32))
        self.clip_factor = to_device(np.ones(n_models, dtype))
        clip = [job.options.clip_norm or 0.0 for job in jobs]
        self.constants = (
            to_device(np.array([o.weight_decay for o in self.optimizers])),
            to_device(np.array(clip, np.float64)),
            adam.beta1,
            adam.beta2,
            adam.epsilon,
        )
        self.grad = to_device(np.zeros((n_models, first.params.size), dtype))
        self.no_predictions = to_device(np.zeros((1, n_out), dtype))  # the training launches write no forecasts
        cuda_fleet.fleet_pack(self.params, self.maps[1], self.packed_flat)

    # ------------------------------------------------------------- one epoch
    def plan(self, orders, active):
        """Batch plan of an epoch: each active model's batches of ``orders[m]`` in turn."""
        n_models, size = len(self.jobs), self.batch_size
        n_batches = max((math.ceil(len(orders[m]) / size) for m in range(n_models) if active[m]), default=0)
        index = np.zeros((max(n_batches, 1), n_models, size), np.int64)
        count = np.zeros((max(n_batches, 1), n_models), np.int32)
        scale = np.zeros((max(n_batches, 1), n_models))
        weight = np.zeros((max(n_batches, 1), n_models))
        n_out = self.layout.output_size
        for m in range(n_models):
            if not active[m]:
                continue
            sample_weight = self.jobs[m].sample_weight
            for s, start in enumerate(range(0, len(orders[m]), size)):
                batch = orders[m][start : start + size]
                weights = None if sample_weight is None else sample_weight[batch]
                if weights is not None and not weights.sum() > 0:
                    continue  # as fit_network: a batch of zero-weight windows carries no information
                total = len(batch) if weights is None else float(weights.sum())
                index[s, m, : len(batch)] = self.offsets[m] + batch
                count[s, m] = len(batch)
                scale[s, m] = 1.0 / (total * n_out)
                weight[s, m] = total
        return n_batches, index, count, scale, weight

    def train_epoch(self, orders, active, learning_rates):
        """Run one epoch; returns each model's mean loss (``nan`` for a model that diverged in it) and status."""
        cuda, kernels = self.cuda, self.kernels
        n_batches, index, count, scale, weight = self.plan(orders, active)
        plan = cuda.to_device(index), cuda.to_device(count), cuda.to_device(scale), cuda.to_device(weight)
        totals = cuda.to_device(np.zeros(len(self.jobs)))
        weights = cuda.to_device(np.zeros(len(self.jobs)))
        state = (self.params, self.grad, *self.moments, self.steps, self.status, self.clip_factor)
        hyper = (cuda.to_device(np.asarray(learning_rates, np.float64)), *self.constants)
        for s in range(n_batches):
            kernels.fleet_step(
                self.cell,
                self.exact,
                self.layout.head_offset,
                self.packed,
                self.params,
                self.data,
                plan[:3],
                s,
                self.loss_args,
                True,
                self.status,
                self.scratch,
                self.no_predictions,
                plan[0],
            )
            kernels.fleet_update(
                state, hyper, self.maps, self.packed_flat, self.scratch, (plan[1], plan[2], plan[3]), s, totals, weights
            )
        totals, weights, status = totals.copy_to_host(), weights.copy_to_host(), self.status.copy_to_host()
        return totals / np.maximum(weights, 1e-300), status

    def predict(self, rows, active):
        """Forecasts of windows ``rows[m]`` (positions within model ``m``'s data) for every active model."""
        cuda, size = self.cuda, self.batch_size
        n_models = len(self.jobs)
        outputs = np.cumsum([0] + [len(r) if active[m] else 0 for m, r in enumerate(rows)])
        n_batches = max((math.ceil(len(r) / size) for m, r in enumerate(rows) if active[m]), default=0)
        if n_batches == 0:
            return [None] * n_models
        index = np.zeros((n_batches, n_models, size), np.int64)
        out = np.zeros((n_batches, n_models, size), np.int64)
        count = np.zeros((n_batches, n_models), np.int32)
        for m in range(n_models):
            if active[m]:
                for s, start in enumerate(range(0, len(rows[m]), size)):
                    part = rows[m][start : start + size]
                    index[s, m, : len(part)] = self.offsets[m] + part
                    out[s, m, : len(part)] = outputs[m] + start + np.arange(len(part))
                    count[s, m] = len(part)
        plan = cuda.to_device(index), cuda.to_device(count), cuda.to_device(np.ones((n_batches, n_models)))
        predictions = cuda.to_device(np.zeros((max(int(outputs[-1]), 1), self.layout.output_size), self.dtype))
        out = cuda.to_device(out)
        for s in range(n_batches):
            self.kernels.fleet_step(
                self.cell,
                self.exact,
                self.layout.head_offset,
                self.packed,
                self.params,
                self.data,
                plan,
                s,
                self.loss_args,
                False,
                self.status,
                self.scratch,
                predictions,
                out,
            )
        host = predictions.copy_to_host()
        return [host[outputs[m] : outputs[m + 1]] if active[m] else None for m in range(n_models)]

    def keep_best(self, mask):
        self.kernels.fleet_keep(self.params, self.best, self.cuda.to_device(np.asarray(mask, np.int32)))

    def finish(self):
        """Weights (last and best) and the optimizers with their moments, back on the host."""
        first, second = (moment.copy_to_host() for moment in self.moments)
        steps = self.steps.copy_to_host()
        for m, optimizer in enumerate(self.optimizers):
            optimizer.first_moment = first[m].copy()
            optimizer.second_moment = second[m].copy()
            optimizer.steps = int(steps[m])
        return self.params.copy_to_host(), self.best.copy_to_host()


def _epoch_order(rng, n_train, shuffle):
    """The order of a model's training windows in an epoch (as ``fit_network`` draws it)."""
    return rng.permutation(n_train) if shuffle else np.arange(n_train)


def _train_fleet(jobs):
    """Train same-shaped CUDA jobs together; each model's epochs kept as :func:`fit_network` keeps them."""
    fleet = Fleet(jobs)
    options = fleet.options
    n_models = len(jobs)
    early_stopping = options.early_stopping
    n_train = [
        split_validation(len(job.x), options.validation_fraction) if early_stopping else len(job.x) for job in jobs
    ]
    books = [EpochBookkeeper(job.options, optimizer) for job, optimizer in zip(jobs, fleet.optimizers, strict=True)]
    initial = [job.params.copy() for job in jobs]
    diverged = [False] * n_models
    validation = [np.arange(n_train[m], len(job.x)) for m, job in enumerate(jobs)]
    for epoch in range(options.max_iter):
        active = [not book.stopped for book in books]
        if not any(active):
            break
        orders = [
            _epoch_order(job.rng, n_train[m], options.shuffle) if active[m] else np.arange(0)
            for m, job in enumerate(jobs)
        ]
        losses, status = fleet.train_epoch(orders, active, [o.learning_rate for o in fleet.optimizers])
        for m in range(n_models):
            if active[m] and status[m] != 0:
                diverged[m] = books[m].stopped = True  # warned once the weights are back on the host
                active[m] = False
        forecasts = fleet.predict(validation, active) if early_stopping else [None] * n_models
        best_mask = [False] * n_models
        for m, job in enumerate(jobs):
            if not active[m]:
                continue
            held_out = score = None
            if early_stopping:
                target = job.y[n_train[m] :]
                weights = None if job.sample_weight is None else job.sample_weight[n_train[m] :]
                held_out = validation_loss(options, forecasts[m], target, weights, fleet.dtype)
                if job.options.validation_score is not None:
                    score = job.options.validation_score(forecasts[m], target)
            best_mask[m] = books[m].end_epoch(epoch, float(losses[m]), held_out, score)
        if any(best_mask):
            fleet.keep_best(best_mask)
    last, best = fleet.finish()
    results = []
    for m, job in enumerate(jobs):
        if diverged[m]:
            kept = _restore_finite(job.network, job.params, job.x[: fleet.batch_size], best[m], initial[m])
            results.append(books[m].diverge("the loss or the gradient became non-finite", kept))
            continue
        job.params[...] = best[m] if early_stopping else last[m]
        results.append(books[m].finish())
    return results
