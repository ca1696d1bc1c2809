"""The training engine: mini-batches, optimizer, schedule, early stopping, guards.

Plain NumPy orchestration over :class:`~rnnforecast.nn.network.RecurrentNetwork`.
The estimators describe each model to train as a :class:`TrainingJob` (network,
initial weights, scaled windows, random generator and one typed
:class:`TrainingOptions`) and hand a list of them to :func:`train_jobs`, the one
road for every device:

* CPU jobs (and CUDA jobs the fused kernels do not cover) train with
  :func:`fit_network`, several side by side on the thread scope's threads;
* CUDA jobs that share a shape and schedule train together in a fleet, the
  CUDA backend :mod:`rnnforecast.nn.fleet` (imported only when such jobs exist).

Both engines keep each model's epochs with the same :class:`EpochBookkeeper`
(losses, early stopping, schedule, best epoch, divergence and warnings), so a
fleet reproduces ``fit_network`` by construction. :func:`train_step` is the
unit the benchmarks time (DESIGN section 5).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .budget import EpochSampler
from .jobs import PreparedFit, TrainingJob, TrainingOptions, TrainingResult
from .losses import LOSSES
from .optimizers import OPTIMIZERS, clip_grad_norm
from .progress import EpochProgress
from .rows import evenly_spaced
from .schedules import SCHEDULES
from .threads import current_threads
from .userwarnings import deferred_warnings, warn_at_caller

__all__ = [
    "train_step",
    "fit_network",
    "train_jobs",
    "train_prepared",
    "TrainingJob",
    "TrainingOptions",
    "TrainingResult",
    "PreparedFit",
    "EpochBookkeeper",
    "SCHEDULES",
]


#: Relative fall of the monitored loss over the last ``n_iter_no_change`` epochs above which
#: reaching ``max_iter`` warns (the model was still learning).
STILL_FALLING = 0.01


def train_step(
    network,
    optimizer,
    params,
    grad,
    x,
    y,
    *,
    loss="squared_error",
    loss_options=None,
    sample_weight=None,
    clip_norm=None,
    rng=None,
):
    """Take one optimizer step on the batch ``(x, y)``; return the loss before it.

    Parameters
    ----------
    network : RecurrentNetwork
    optimizer : object with ``step(params, grad)``
    params, grad : ndarray (P,)
        Flat parameters (updated in place) and a gradient buffer.
    x : ndarray (N, T, I)
    y : ndarray, shape of the network output
    loss : str, default="squared_error"
        Name in :data:`rnnforecast.nn.losses.LOSSES`.
    loss_options : dict, optional
        Extra arguments of the loss (``delta``, ``quantile``).
    sample_weight : ndarray (N,), optional
    clip_norm : float, optional
        Rescale the gradient to this global norm when it is larger.
    rng : numpy.random.Generator, optional
        For dropout masks; dropout is applied only when given.

    Returns
    -------
    loss_value : float
        ``nan``/``inf`` when the loss or the gradient is not finite; the
        parameters are then left untouched.
    """
    prediction = network.forward(params, x, training=rng is not None, rng=rng)
    target = np.asarray(y, dtype=params.dtype)
    value, d_prediction = LOSSES[loss](prediction, target, sample_weight, **(loss_options or {}))
    if not math.isfinite(value):
        return value
    network.backward(params, d_prediction, grad)
    norm = clip_grad_norm(grad, clip_norm) if clip_norm else float(np.abs(grad).max())
    if not math.isfinite(norm):
        return math.inf
    optimizer.step(params, grad)
    return value


def train_jobs(jobs: list) -> list:
    """Train every job; returns their :class:`TrainingResult` in order.

    Jobs whose networks run on CUDA and share a fleet key train together in
    fleets (:func:`rnnforecast.nn.fleet.train_cuda_jobs`); every other job trains
    with :func:`fit_network`. Several CPU jobs (an ensemble's members, per-series
    models) train side by side, one per thread of the enclosing
    :func:`~rnnforecast.nn.threads.thread_scope`, each on one thread: a small
    network's batch is too little work to split (see
    :func:`~rnnforecast.nn.threads.run_chunks`), a model per thread is not.
    Results do not depend on the thread count either way. Jobs that print their
    epochs (``verbose``) train one after the other, so their lines do not mix.
    Either way each job's ``params`` end up trained in place.

    Parameters
    ----------
    jobs : list of TrainingJob
        The models to train.

    Returns
    -------
    results : list of TrainingResult
    """
    results = [None] * len(jobs)
    if any(job.network.device == "cuda" for job in jobs):
        from .fleet import train_cuda_jobs

        results = train_cuda_jobs(jobs)
    pending = [i for i, result in enumerate(results) if result is None]
    n_threads = min(current_threads(), len(pending))
    if n_threads > 1 and not any(jobs[i].options.verbose for i in pending):
        # Worker threads start outside any thread scope: each job's kernels run on that one thread.
        with ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="rnnforecast-job") as pool:
            futures = {i: pool.submit(_fit_deferring_warnings, jobs[i]) for i in pending}
            for i, future in futures.items():
                results[i], caught = future.result()
                for message, category in caught:
                    warn_at_caller(message, category)
        return results
    for i in pending:
        results[i] = _fit_job(jobs[i])
    return results


def train_prepared(prepared: list) -> list:
    """Train the jobs of several :class:`PreparedFit` together; returns each one's list of results.

    Parameters
    ----------
    prepared : list of PreparedFit
        First halves of fits (``estimator._prepare_training(...)``).

    Returns
    -------
    results : list of list of TrainingResult
        ``results[k][j]`` belongs to ``prepared[k].jobs[j]``, for
        ``estimator._complete_training(prepared[k], results[k])``.
    """
    flat = iter(train_jobs([job for fit in prepared for job in fit.jobs]))
    return [[next(flat) for _ in fit.jobs] for fit in prepared]


def _fit_deferring_warnings(job: TrainingJob):
    """:func:`_fit_job` in a worker thread: its result and the warnings for the waiting thread to issue."""
    with deferred_warnings() as caught:
        return _fit_job(job), caught


def _fit_job(job: TrainingJob) -> TrainingResult:
    return fit_network(
        job.network,
        job.params,
        job.x,
        job.y,
        rng=job.rng,
        sample_weight=job.sample_weight,
        options=job.options,
        groups=job.groups,
    )


class EpochBookkeeper:
    """One model's epochs: losses, early stopping, schedule, best epoch, divergence and warnings.

    Both engines (:func:`fit_network` and the CUDA fleet) call
    :meth:`end_epoch` after each epoch and :meth:`finish` (or :meth:`diverge`)
    at the end, so they stop, schedule and warn alike.

    Parameters
    ----------
    options : TrainingOptions
        The stopping rule, schedule and epoch budget.
    optimizer : object
        The optimizer whose ``learning_rate`` the schedule sets.
    """

    def __init__(self, options: TrainingOptions, optimizer):
        self.options = options
        self.optimizer = optimizer
        self.schedule = SCHEDULES[options.schedule](
            optimizer.learning_rate, options.max_iter, max(1, options.n_iter_no_change // 2)
        )
        self.result = TrainingResult(optimizer=optimizer)
        self.stale = 0
        self.stopped = False

    def end_epoch(self, epoch: int, loss: float, validation_loss=None, validation_score=None) -> bool:
        """Record epoch ``epoch`` (from 0); returns whether it is the best so far (keep its weights).

        ``validation_loss`` (and the optional ``validation_score``) are the
        held-out figures with early stopping. Sets the optimizer's next learning
        rate and ``stopped`` once the model should train no more.
        """
        options, result = self.options, self.result
        result.loss_curve.append(loss)
        result.n_iter = epoch + 1
        if options.early_stopping:
            result.validation_losses.append(validation_loss)
            if validation_score is not None:
                result.validation_scores.append(float(validation_score))
            current = validation_loss
        else:
            current = loss
        improved = current < result.best_loss - options.tol
        best = current < result.best_loss
        if best:
            result.best_loss = current
        self.stale = 0 if improved else self.stale + 1
        self.optimizer.learning_rate = self.schedule.update(epoch, improved)
        if self.stale >= options.n_iter_no_change:
            result.stop_reason = "early_stopping" if options.early_stopping else "converged"
            self.stopped = True
        return best

    def diverge(self, cause: str, kept: str) -> TrainingResult:
        """Stop after a non-finite loss or gradient (``cause``), having restored ``kept`` weights."""
        self.result.stop_reason = "diverged"
        self.stopped = True
        warn_at_caller(
            f"training diverged in epoch {self.result.n_iter + 1} ({cause}); kept {kept}. Lower learning_rate or "
            "keep gradient clipping on.",
            ConvergenceWarning,
        )
        return self.result

    def finish(self) -> TrainingResult:
        """The run's result; warns when the epoch budget ended training while the loss was still falling.

        Reaching ``max_iter`` is news only when the monitored loss (validation
        loss with early stopping) still fell by more than :data:`STILL_FALLING`
        over the last ``n_iter_no_change`` epochs, or when there were too few
        epochs to tell; a run that ends on a plateau just before early stopping
        would have stopped it is working as designed and stays quiet.
        """
        result, options = self.result, self.options
        if result.stop_reason == "max_iter":
            curve = result.validation_losses if options.early_stopping else result.loss_curve
            recent = max(1, options.n_iter_no_change)
            drop = None
            if len(curve) > recent:
                before, after = min(curve[:-recent]), min(curve[-recent:])
                drop = (before - after) / abs(before) if before else 0.0
            if drop is None or drop > STILL_FALLING:
                falling = "" if drop is None else f" (down {drop:.1%} over the last {recent} epochs)"
                warn_at_caller(
                    f"stopped after max_iter={options.max_iter} epochs while the loss was still falling{falling}; "
                    "raise max_iter to train further",
                    ConvergenceWarning,
                )
        return result


def split_validation(n_samples, validation_fraction):
    """Windows kept for training when the last ``validation_fraction`` of ``n_samples`` is held out."""
    n_validation = int(round(n_samples * validation_fraction))
    if n_validation < 1 or n_samples - n_validation < 1:
        raise ValueError(
            f"early stopping needs at least one training and one validation window: {n_samples} windows with "
            f"validation_fraction={validation_fraction} leave {n_validation} for validation"
        )
    return n_samples - n_validation


def new_optimizer(options: TrainingOptions, params):
    """The optimizer ``options`` names (a fresh one), or the optimizer object it carries (warm start)."""
    optimizer = options.optimizer
    if isinstance(optimizer, str):
        optimizer = OPTIMIZERS[optimizer](
            params.size,
            learning_rate=options.learning_rate,
            weight_decay=options.weight_decay,
            dtype=params.dtype,
            **dict(options.optimizer_state or {}),
        )
    return optimizer


def validation_loss(options: TrainingOptions, prediction, target, sample_weight, dtype) -> float:
    """The training loss on held-out windows."""
    return LOSSES[options.loss](
        prediction, np.asarray(target, dtype=dtype), sample_weight, **(options.loss_options or {})
    )[0]


def fit_network(network, params, x, y, *, rng, sample_weight=None, options=None, groups=None, **settings):
    """Train ``params`` in place on windows ``(x, y)``.

    Parameters
    ----------
    network : RecurrentNetwork
        The network to train.
    params : ndarray (P,)
        Flat parameters, updated in place (the best ones when early stopping).
    x : ndarray (N, T, I) or GatheredRows
        Windows, in time order (the last ones are held out with early stopping).
    y : ndarray or GatheredRows, shape of the network output for ``x``
        Targets.
    rng : numpy.random.Generator
        Source of the shuffling and dropout masks (so a seed fixes the run).
    sample_weight : ndarray (N,), optional
        Weights of the windows.
    options : TrainingOptions, optional
        How to train (defaults: ``TrainingOptions()``).
    groups : ndarray (N,) of int, optional
        Series of each window, for the balanced draws of ``windows_per_epoch``.
    **settings
        Fields of :class:`TrainingOptions` to override (``max_iter=5``, ...).

    Returns
    -------
    result : TrainingResult

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` epochs end before convergence, and when the loss
        becomes NaN or infinite (training stops and keeps the last finite
        weights, never a NaN model).
    """
    options = (options or TrainingOptions()).replace(**settings)
    if options.optimizer == "lbfgs":
        return _fit_lbfgs(network, params, x, y, sample_weight, options)
    n_samples = len(x)
    early_stopping, batch_size = options.early_stopping, options.batch_size
    n_train = split_validation(n_samples, options.validation_fraction) if early_stopping else n_samples
    optimizer = new_optimizer(options, params)
    book = EpochBookkeeper(options, optimizer)
    grad = np.zeros_like(params)
    dropout_rng = rng if network.dropout > 0 else None
    best_params = params.copy()
    initial = params.copy()
    sampler = EpochSampler(n_train, options.windows_per_epoch, options.shuffle, groups)
    if early_stopping:  # the held-out windows, gathered once
        held = n_train + evenly_spaced(n_samples - n_train, options.validation_windows)
        x_held, y_held = x[held], y[held]
        weight_held = None if sample_weight is None else sample_weight[held]
    best_epoch = None
    with EpochProgress(options.max_iter, options.verbose) as progress:
        for epoch in range(options.max_iter):
            order = sampler(rng)
            total, weight_total = 0.0, 0.0
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                weights = None if sample_weight is None else sample_weight[batch]
                if weights is not None and not weights.sum() > 0:
                    continue  # a batch of zero-weight windows carries no information
                value = train_step(
                    network,
                    optimizer,
                    params,
                    grad,
                    x[batch],
                    y[batch],
                    loss=options.loss,
                    loss_options=options.loss_options,
                    sample_weight=weights,
                    clip_norm=options.clip_norm,
                    rng=dropout_rng,
                )
                if not math.isfinite(value):
                    kept = _restore_finite(network, params, x[:batch_size], best_params, initial)
                    return book.diverge(f"the loss became {value}", kept)
                batch_weight = len(batch) if weights is None else float(weights.sum())
                total += value * batch_weight
                weight_total += batch_weight
            epoch_loss = total / max(weight_total, 1e-300)
            held_out = score = None
            if early_stopping:
                prediction = network.predict(params, x_held)
                held_out = validation_loss(options, prediction, y_held, weight_held, params.dtype)
                if options.validation_score is not None:
                    score = options.validation_score(prediction, y_held)
            if book.end_epoch(epoch, epoch_loss, held_out, score):
                best_params[...] = params
                best_epoch = epoch
            progress.update(epoch, epoch_loss, held_out, best_epoch)
            if book.stopped:
                break
    if early_stopping:
        params[...] = best_params
    return book.finish()


def _restore_finite(network, params, x, best_params, initial) -> str:
    """After divergence, put back the best epoch's weights, or the initial ones when those overflow already."""
    for candidate, description in ((best_params, "the weights of the best epoch"), (initial, "the initial weights")):
        params[...] = candidate
        if np.isfinite(params).all() and np.isfinite(network.forward(params, x)).all():
            return description
    return "the initial weights"


def _fit_lbfgs(network, params, x, y, sample_weight, options):
    """Full-batch L-BFGS-B over the flat buffer (float64 for SciPy, the network's dtype inside)."""
    from scipy.optimize import minimize

    loss, loss_options, weight_decay = options.loss, options.loss_options, options.weight_decay
    dtype = params.dtype
    x = np.asarray(x)  # full batch: gathered rows are materialised
    target = np.asarray(y, dtype=dtype)
    grad = np.zeros_like(params)
    result = TrainingResult(optimizer="lbfgs")

    def objective(flat):
        params[...] = flat
        prediction = network.forward(params, x)
        value, d_prediction = LOSSES[loss](prediction, target, sample_weight, **(loss_options or {}))
        if not math.isfinite(value):
            return math.inf, np.zeros_like(flat)
        network.backward(params, d_prediction, grad)
        return (
            value + 0.5 * weight_decay * float(flat @ flat),
            grad.astype(np.float64) + weight_decay * flat,
        )

    def record(intermediate_result):  # SciPy passes an OptimizeResult to this parameter name
        result.loss_curve.append(float(intermediate_result.fun))

    start = params.astype(np.float64)
    solution = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        callback=record,
        options={"maxiter": options.max_iter, "ftol": options.tol * 1e-3, "gtol": 1e-8},
    )
    if not np.isfinite(solution.fun):
        params[...] = start
        result.stop_reason = "diverged"
        warn_at_caller("L-BFGS produced a non-finite loss; kept the initial weights", ConvergenceWarning)
        return result
    params[...] = solution.x
    result.n_iter = int(solution.nit)
    result.best_loss = float(solution.fun)
    if not result.loss_curve:
        result.loss_curve.append(result.best_loss)
    result.stop_reason = "converged" if solution.success else "max_iter"
    if not solution.success:
        warn_at_caller(f"L-BFGS stopped before converging ({solution.message}); increase max_iter", ConvergenceWarning)
    return result
