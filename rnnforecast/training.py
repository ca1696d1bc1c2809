"""The training engine: mini-batches, optimizer, schedule, early stopping, guards.

Plain NumPy orchestration over :class:`~rnnforecast.network.RecurrentNetwork`.
:func:`train_step` is the unit the benchmarks time (DESIGN section 5);
:func:`fit_network` runs whole trainings and is what the estimators call.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .losses import LOSSES
from .optimizers import OPTIMIZERS, clip_grad_norm

__all__ = ["train_step", "fit_network", "TrainingResult", "SCHEDULES"]


def train_step(
    network, optimizer, params, grad, x, y, *,
    loss="squared_error", loss_options=None, sample_weight=None, clip_norm=None, rng=None,
):  # fmt: skip
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
        Name in :data:`rnnforecast.losses.LOSSES`.
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


class ConstantSchedule:
    """Keep the initial learning rate."""

    def __init__(self, learning_rate, max_iter, patience):
        self.learning_rate = learning_rate

    def update(self, epoch, improved):
        return self.learning_rate


class PlateauSchedule:
    """Halve the learning rate after ``patience`` epochs without improvement (floor 1e-6 of the start)."""

    def __init__(self, learning_rate, max_iter, patience):
        self.learning_rate = learning_rate
        self.floor = learning_rate * 1e-6
        self.patience = max(1, patience)
        self.stale = 0

    def update(self, epoch, improved):
        self.stale = 0 if improved else self.stale + 1
        if self.stale >= self.patience:
            self.learning_rate = max(self.learning_rate * 0.5, self.floor)
            self.stale = 0
        return self.learning_rate


class CosineSchedule:
    """Cosine annealing from the initial rate to 0 over ``max_iter`` epochs."""

    def __init__(self, learning_rate, max_iter, patience):
        self.start = learning_rate
        self.max_iter = max(1, max_iter)

    def update(self, epoch, improved):
        return 0.5 * self.start * (1.0 + math.cos(math.pi * min(epoch + 1, self.max_iter) / self.max_iter))


SCHEDULES = {"constant": ConstantSchedule, "plateau": PlateauSchedule, "cosine": CosineSchedule}


@dataclass
class TrainingResult:
    """What :func:`fit_network` learned about the run.

    Attributes
    ----------
    loss_curve : list of float
        Mean training loss of each epoch.
    validation_losses : list of float
        Loss on the held-out tail after each epoch (early stopping only).
    validation_scores : list of float
        ``validation_score(prediction, target)`` on the held-out tail after each
        epoch, when that callable is given (early stopping only).
    n_iter : int
        Epochs run.
    best_loss : float
        Best training loss (or best validation loss with early stopping).
    stop_reason : {"converged", "early_stopping", "max_iter", "diverged"}
    optimizer : object
        The optimizer, whose state a warm start can continue from.
    """

    loss_curve: list = field(default_factory=list)
    validation_losses: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    n_iter: int = 0
    best_loss: float = math.inf
    stop_reason: str = "max_iter"
    optimizer: object = None


def _progress_bar(max_iter):
    from tqdm.auto import tqdm

    # disable=None: silent when standard error is not a terminal (logs, CI, notebooks without widgets).
    return tqdm(total=max_iter, unit="epoch", disable=None, leave=False)


def split_validation(n_samples, validation_fraction):
    n_validation = int(round(n_samples * validation_fraction))
    if n_validation < 1 or n_samples - n_validation < 1:
        raise ValueError(
            f"early stopping needs at least one training and one validation window: {n_samples} windows with "
            f"validation_fraction={validation_fraction} leave {n_validation} for validation"
        )
    return n_samples - n_validation


def fit_network(
    network, params, x, y, *, rng,
    sample_weight=None, loss="squared_error", loss_options=None,
    optimizer="adam", optimizer_state=None, learning_rate=1e-3, weight_decay=0.0,
    batch_size=64, max_iter=200, shuffle=True, clip_norm=1.0, schedule="constant",
    early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, verbose=False,
    validation_score=None,
):  # fmt: skip
    """Train ``params`` in place on windows ``(x, y)``.

    Parameters
    ----------
    network : RecurrentNetwork
    params : ndarray (P,)
        Flat parameters, updated in place (the best ones when early stopping).
    x : ndarray (N, T, I)
    y : ndarray, shape of the network output for ``x``
    rng : numpy.random.Generator
        Source of the shuffling and dropout masks (so a seed fixes the run).
    sample_weight : ndarray (N,), optional
    loss, loss_options
        Name in :data:`rnnforecast.losses.LOSSES` and its options.
    optimizer : {"adam", "sgd", "rmsprop", "lbfgs"} or optimizer object
        A name builds a new optimizer with ``learning_rate``, ``weight_decay``
        and ``optimizer_state`` (a dict of extra options such as ``momentum``).
        An object (from a previous :class:`TrainingResult`) continues with its
        moments: warm start. ``"lbfgs"`` minimises the full-batch loss (plus
        ``weight_decay / 2 * ||params||^2``) with SciPy's L-BFGS-B for up to
        ``max_iter`` iterations; batches, schedules, clipping and early stopping
        do not apply to it.
    batch_size, max_iter, shuffle
        Mini-batch size, maximum number of epochs, and whether batches are
        drawn in a new random order each epoch.
    clip_norm : float or None, default=1.0
        Global gradient-norm clipping (None disables).
    schedule : {"constant", "plateau", "cosine"}
    early_stopping : bool
        Hold out the last ``validation_fraction`` of the windows (the most recent
        ones: windows are in time order), stop when their loss has not improved
        by ``tol`` for ``n_iter_no_change`` epochs, and restore the best weights.
    n_iter_no_change, tol
        Without early stopping, training stops (``converged``) when the training
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    verbose : bool
        Show a progress bar (tqdm, on standard error) with the epoch, the training
        loss and the validation loss; silent when standard error is not a terminal.
    validation_score : callable, optional
        ``score(prediction, target)`` recorded on the held-out windows each epoch.

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
    if optimizer == "lbfgs":
        return _fit_lbfgs(network, params, x, y, sample_weight, loss, loss_options, weight_decay, max_iter, tol)
    n_samples = len(x)
    n_train = split_validation(n_samples, validation_fraction) if early_stopping else n_samples
    if isinstance(optimizer, str):
        options = dict(optimizer_state or {})
        optimizer = OPTIMIZERS[optimizer](
            params.size, learning_rate=learning_rate, weight_decay=weight_decay, dtype=params.dtype, **options
        )
    schedule_state = SCHEDULES[schedule](optimizer.learning_rate, max_iter, max(1, n_iter_no_change // 2))
    grad = np.zeros_like(params)
    dropout_rng = rng if network.dropout > 0 else None
    result = TrainingResult(optimizer=optimizer)
    best_params = params.copy()
    initial = params.copy()
    stale = 0
    with contextlib.ExitStack() as stack:
        progress = stack.enter_context(_progress_bar(max_iter)) if verbose else None
        for epoch in range(max_iter):
            order = rng.permutation(n_train) if shuffle else np.arange(n_train)
            total, weight_total = 0.0, 0.0
            for start in range(0, n_train, batch_size):
                batch = order[start : start + batch_size]
                weights = None if sample_weight is None else sample_weight[batch]
                if weights is not None and not weights.sum() > 0:
                    continue  # a batch of zero-weight windows carries no information
                value = train_step(
                    network, optimizer, params, grad, x[batch], y[batch],
                    loss=loss, loss_options=loss_options, sample_weight=weights, clip_norm=clip_norm, rng=dropout_rng,
                )  # fmt: skip
                if not math.isfinite(value):
                    kept = _restore_finite(network, params, x[:batch_size], best_params, initial)
                    result.stop_reason = "diverged"
                    warnings.warn(
                        f"training diverged in epoch {epoch + 1} (the loss became {value}); kept {kept}. Lower "
                        "learning_rate or keep gradient clipping on.",
                        ConvergenceWarning,
                        stacklevel=2,
                    )
                    return result
                batch_weight = len(batch) if weights is None else float(weights.sum())
                total += value * batch_weight
                weight_total += batch_weight
            epoch_loss = total / max(weight_total, 1e-300)
            result.loss_curve.append(epoch_loss)
            result.n_iter = epoch + 1
            if early_stopping:
                validation_weights = None if sample_weight is None else sample_weight[n_train:]
                prediction = network.forward(params, x[n_train:])
                current = LOSSES[loss](
                    prediction, np.asarray(y[n_train:], dtype=params.dtype), validation_weights, **(loss_options or {})
                )[0]
                result.validation_losses.append(current)
                if validation_score is not None:
                    result.validation_scores.append(float(validation_score(prediction, y[n_train:])))
            else:
                current = epoch_loss
            improved = current < result.best_loss - tol
            if current < result.best_loss:
                result.best_loss = current
                best_params[...] = params
            stale = 0 if improved else stale + 1
            if progress is not None:
                progress.update(1)
                postfix = {"loss": f"{epoch_loss:.4g}"}
                if early_stopping:
                    postfix["validation"] = f"{current:.4g}"
                progress.set_postfix(postfix)
            optimizer.learning_rate = schedule_state.update(epoch, improved)
            if stale >= n_iter_no_change:
                result.stop_reason = "early_stopping" if early_stopping else "converged"
                break
    if early_stopping:
        params[...] = best_params
    if result.stop_reason == "max_iter":
        warnings.warn(
            f"stopped after max_iter={max_iter} epochs before the loss settled; increase max_iter",
            ConvergenceWarning,
            stacklevel=2,
        )
    return result


def _restore_finite(network, params, x, best_params, initial) -> str:
    """After divergence, put back the best epoch's weights, or the initial ones when those overflow already."""
    for candidate, description in ((best_params, "the weights of the best epoch"), (initial, "the initial weights")):
        params[...] = candidate
        if np.isfinite(params).all() and np.isfinite(network.forward(params, x)).all():
            return description
    return "the initial weights"


def _fit_lbfgs(network, params, x, y, sample_weight, loss, loss_options, weight_decay, max_iter, tol):
    """Full-batch L-BFGS-B over the flat buffer (float64 for SciPy, the network's dtype inside)."""
    from scipy.optimize import minimize

    dtype = params.dtype
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
        objective, start, jac=True, method="L-BFGS-B", callback=record,
        options={"maxiter": max_iter, "ftol": tol * 1e-3, "gtol": 1e-8},
    )  # fmt: skip
    if not np.isfinite(solution.fun):
        params[...] = start
        result.stop_reason = "diverged"
        warnings.warn("L-BFGS produced a non-finite loss; kept the initial weights", ConvergenceWarning, stacklevel=3)
        return result
    params[...] = solution.x
    result.n_iter = int(solution.nit)
    result.best_loss = float(solution.fun)
    if not result.loss_curve:
        result.loss_curve.append(result.best_loss)
    result.stop_reason = "converged" if solution.success else "max_iter"
    if not solution.success:
        warnings.warn(
            f"L-BFGS stopped before converging ({solution.message}); increase max_iter",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result
