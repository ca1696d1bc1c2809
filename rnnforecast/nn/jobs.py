"""What a training run is: its options, the job handed to the engine, and what comes back.

The estimators build a :class:`TrainingJob` (with one typed
:class:`TrainingOptions`) in the first half of their fit (a :class:`PreparedFit`),
:func:`rnnforecast.nn.training.train_jobs` trains it, and a
:class:`TrainingResult` comes back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["TrainingOptions", "TrainingJob", "PreparedFit", "TrainingResult"]


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


@dataclass(frozen=True)
class TrainingOptions:
    """How one model trains: every option of :func:`fit_network`, with its default, in one place.

    Built once from an estimator's parameters and read by both engines (the CPU
    loop of :func:`fit_network` and the CUDA fleet).

    Attributes
    ----------
    loss : str, default="squared_error"
        Name in :data:`rnnforecast.nn.losses.LOSSES`.
    loss_options : dict or None, default=None
        Extra arguments of the loss (``delta``, ``quantile``).
    optimizer : {"adam", "sgd", "rmsprop", "lbfgs"} or optimizer object, default="adam"
        A name builds a new optimizer with ``learning_rate``, ``weight_decay``
        and ``optimizer_state`` (a dict of extra options such as ``momentum``).
        An object (from a previous :class:`TrainingResult`) continues with its
        moments: warm start. ``"lbfgs"`` minimises the full-batch loss (plus
        ``weight_decay / 2 * ||params||^2``) with SciPy's L-BFGS-B for up to
        ``max_iter`` iterations; batches, schedules, clipping and early stopping
        do not apply to it.
    optimizer_state : dict or None, default=None
        Extra constructor options of a named optimizer.
    learning_rate : float, default=1e-3
        Initial learning rate.
    weight_decay : float, default=0.0
        L2 penalty added to the gradient.
    batch_size : int, default=64
        Windows per mini-batch.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Draw the batches in a new random order each epoch.
    clip_norm : float or None, default=1.0
        Global gradient-norm clipping (None disables).
    schedule : {"constant", "plateau", "cosine"}, default="constant"
        Learning-rate schedule (:data:`SCHEDULES`).
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the windows (the most recent
        ones: windows are in time order), stop when their loss has not improved
        by ``tol`` for ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the windows held out with early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping. Without early
        stopping, training stops (``converged``) when the training loss stalls.
    tol : float, default=1e-4
        Smallest improvement that counts.
    verbose : int or bool, default=False
        Progress (:mod:`rnnforecast.nn.progress`): 0 silent; 1 a live bar (epoch,
        loss, validation loss, best epoch) on a terminal or in Jupyter, one line
        per epoch in a log; 2 one line per epoch everywhere. On standard error.
    validation_score : callable or None, default=None
        ``score(prediction, target)`` recorded on the held-out windows each epoch.
    windows_per_epoch : int or None, default=None
        Training budget of an epoch: with fewer training windows than this (or
        None), an epoch visits every window once; otherwise it draws this many
        windows (with replacement), balanced over the job's ``groups`` (the
        series): each series gets an equal share, or all its windows when it
        has fewer.
    validation_windows : int or None, default=None
        Evaluate early stopping on at most this many held-out windows, spread
        evenly over them (in time order); None uses all.
    """

    loss: str = "squared_error"
    loss_options: dict | None = None
    optimizer: Any = "adam"
    optimizer_state: dict | None = None
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    max_iter: int = 200
    shuffle: bool = True
    clip_norm: float | None = 1.0
    schedule: str = "constant"
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    verbose: int = 0
    validation_score: Any = None
    windows_per_epoch: int | None = None
    validation_windows: int | None = None

    def replace(self, **changes) -> TrainingOptions:
        """A copy with ``changes`` applied (unknown names raise TypeError)."""
        return dataclasses.replace(self, **changes) if changes else self


@dataclass
class TrainingJob:
    """One model to train: what :func:`fit_network` needs.

    Attributes
    ----------
    network : RecurrentNetwork
        The network (its ``device`` decides the engine).
    params : ndarray (P,)
        Initial weights, trained in place.
    x, y : ndarray or GatheredRows
        Windows ``(N, T, I)`` and targets ``(N, O)`` (already scaled), as arrays
        or gathered on demand (:class:`~rnnforecast.nn.rows.GatheredRows`).
    rng : numpy.random.Generator
        Source of the shuffling and dropout masks.
    warm : bool
        Whether the run continues an earlier one (for the caller's bookkeeping).
    options : TrainingOptions or dict
        How to train; a dict is read as :class:`TrainingOptions` keyword
        arguments (a ``sample_weight`` entry moves to ``sample_weight``).
    sample_weight : ndarray (N,) or None
        Weights of the windows.
    groups : ndarray (N,) of int or None
        The series of each window, for the balanced draws of
        ``options.windows_per_epoch`` (None: one group).
    """

    network: Any
    params: np.ndarray
    x: np.ndarray
    y: np.ndarray
    rng: np.random.Generator
    warm: bool = False
    options: TrainingOptions = field(default_factory=TrainingOptions)
    sample_weight: np.ndarray | None = None
    groups: np.ndarray | None = None

    def __post_init__(self):
        if isinstance(self.options, dict):
            settings = dict(self.options)
            if "sample_weight" in settings:
                self.sample_weight = settings.pop("sample_weight")
            self.options = TrainingOptions(**settings)


@dataclass
class PreparedFit:
    """An estimator's fit between its two halves, ``_prepare_training`` and ``_complete_training``.

    Every estimator fits in three steps: ``prepared = est._prepare_training(data)``
    validates the data and builds its :class:`TrainingJob` (one per ensemble
    member); :func:`train_prepared` trains the jobs of one or many estimators
    (in fleets on CUDA, side by side on CPU threads);
    ``est._complete_training(prepared, results)`` keeps what was learned. ``fit``
    runs the three for one estimator; per-series models, backtest refits and
    :func:`rnnforecast.model_selection.fit_many` run them for many at once.

    Attributes
    ----------
    jobs : list of TrainingJob
        The network trainings to run: one, or one per member of an ensemble
        (``RNNForecaster(n_models=...)``).
    state : object
        What the estimator needs to complete the fit (None for a regressor).
    """

    jobs: list
    state: Any = None
