"""RNNRegressor: a scikit-learn regressor on windows of a time series."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._persistence import PersistenceMixin
from ._typing import ArrayLike
from .nn.device import DEVICES, resolve_device
from .nn.layout import CELLS, initialize_parameters, make_layout
from .nn.losses import LOSSES
from .nn.network import RecurrentNetwork
from .nn.optimizers import OPTIMIZERS
from .nn.rows import GatheredRows, Standardize, evenly_spaced, feature_moments
from .nn.threads import thread_scope
from .nn.training import SCHEDULES, PreparedFit, TrainingJob, TrainingOptions, train_jobs

__all__ = ["RNNRegressor"]

#: Windows (spread evenly over a gathered training set) whose inputs and targets set the scaling; every
#: window when there are fewer, as in an array fit.
MOMENT_WINDOWS = 10_000


def _r2(prediction, target):
    return r2_score(target, prediction)


class RNNRegressor(PersistenceMixin, RegressorMixin, BaseEstimator):
    """Recurrent neural network regressor (RNN, LSTM, peephole LSTM or GRU) on windows.

    Each row of ``X`` is one window of a (possibly multivariate) series, flattened
    step by step: ``X[i] = [x_1 features..., x_2 features..., ..., x_T features...]``.
    The network reads the ``T = n_steps`` steps in order and a linear head maps
    the last hidden state to every column of ``y`` (direct multi-step forecasts
    when ``y`` holds several horizons). Inputs and targets are standardised
    inside (with the sample weights), so no external scaling is needed.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole"}, default="lstm"
        Recurrent cell; ``"rnn"`` is the Elman RNN with ``nonlinearity``.
    hidden_size : int, default=32
        Units of each recurrent layer (``H``).
    num_layers : int, default=1
        Stacked recurrent layers; each after the first reads the previous one's outputs.
    n_steps : int or None, default=None
        Steps per window. ``None``: every column is one step of a univariate
        series. Otherwise ``n_features_in_`` must be a multiple of ``n_steps``.
        A 3-D ``X`` of shape ``(n_windows, n_steps, n_features)`` is accepted
        too (and must match ``n_steps`` when it is set).
    nonlinearity : {"tanh", "relu"}, default="tanh"
        Non-linearity of Elman RNN cells.
    dropout : float, default=0.0
        Dropout between recurrent layers.
    loss : {"squared_error", "absolute_error", "huber", "pinball"}, default="squared_error"
        Training loss (``"quantile"`` is an alias of ``"pinball"``), weighted by ``sample_weight``.
    huber_delta : float, default=1.0
        ``delta`` of the Huber loss (in standardised target units).
    quantile : float or array-like of shape (n_outputs,), default=0.5
        Quantile of the pinball loss, or one quantile per column of ``y``
        (joint quantile heads).
    optimizer : {"adam", "sgd", "rmsprop", "lbfgs"}, default="adam"
        ``"lbfgs"`` (full batch, SciPy's L-BFGS-B) suits small problems; it
        ignores the batch, schedule, clipping and early-stopping options.
    learning_rate_init : float, default=1e-3
        Initial step size of the optimizer. The regressor's defaults are
        scikit-learn's ``MLPRegressor``'s (Adam at 1e-3, 200 epochs, no early
        stopping): it takes any rows a user gives it, standardised by itself,
        where those are the safe, familiar choices. ``RNNForecaster`` differs
        (3e-3, 100 epochs, early stopping on) because it knows more: its
        windows are in time order, so holding out the last ones is an honest
        validation, and its inputs are normalised per window, for which it
        takes a larger step (its ``bench_fit.py`` runs use it; the step has not
        been compared on the wide accuracy protocol).
    learning_rate : {"constant", "plateau", "cosine"}, default="constant"
        Learning-rate schedule.
    momentum : float, default=0.9
        Momentum of ``"sgd"``.
    nesterov : bool, default=False
        Nesterov momentum for ``"sgd"``.
    weight_decay : float, default=0.0
        L2 penalty added to the gradient.
    batch_size : int, default=64
        Windows per mini-batch.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the windows every epoch.
    clip_norm : float or None, default=1.0
        Clip the gradient to this global norm.
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the windows (the most recent
        ones when rows are in time order), stop when their loss stops improving
        and keep the best weights. Off by default: the regressor cannot know
        whether its rows are in time order, and holding out the last rows of
        shuffled windows would validate on windows that overlap the training
        ones.
    validation_fraction : float, default=0.1
        Share of the windows held out with ``early_stopping``.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before training stops
        (validation loss with early stopping, training loss without).
    tol : float, default=1e-4
        Smallest loss improvement that counts.
    init : {"glorot_orthogonal", "pytorch"}, default="glorot_orthogonal"
        Initial weights: Glorot-uniform input weights and orthogonal recurrent
        weights, or PyTorch's ``U(-1/sqrt(H), 1/sqrt(H))`` for every tensor.
    forget_bias : float, default=1.0
        Initial bias of LSTM forget gates (ignored by other cells).
    dtype : {"float32", "float64"}, default="float32"
        Floating-point type of the weights and kernels (float64 is about twice as slow).
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the recurrent kernels run: numba's CPU kernels, their numba.cuda
        twins on an NVIDIA GPU (needs the ``cuda`` extra; a ValueError says so
        when no GPU is usable), or ``"auto"`` (CUDA when usable). Resolved once at
        each ``fit`` into ``device_``; CUDA is never imported on ``"cpu"``. On CUDA, Adam
        training of RNN, LSTM and GRU cells without dropout or a progress bar runs
        entirely on the device (data, weights, moments; two fused launches per
        step); other settings train with per-layer GPU kernels. Either way the
        model equals the CPU's to rounding.
    n_jobs : int or None, default=None
        Threads for the kernels (``None`` = 1, ``-1`` = all). Results do not
        depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and dropout.
    verbose : int or bool, default=False
        Training progress on standard error: 0 nothing; 1 a live bar (epoch,
        loss, validation loss, best epoch) on a terminal or in Jupyter, one
        line per epoch when standard error is a file or a pipe; 2 one line per
        epoch everywhere.
    warm_start : bool, default=False
        Continue from the previous weights (and optimizer state) on ``fit``.
        (:meth:`partial_fit` always continues; it runs one epoch and ignores
        ``max_iter`` and ``early_stopping``.) Saved models leave the optimizer
        state out, so continuing a loaded model starts with fresh moments.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` has string column names.
    n_steps_ : int
        Steps per window used by the network.
    n_outputs_ : int
        Columns of ``y``.
    params_ : ndarray
        The network's flat parameter buffer (PyTorch layout).
    loss_curve_ : list of float
        Training loss of each epoch (standardised units).
    validation_scores_ : list of float
        R² on the held-out windows after each epoch (early stopping only).
    validation_loss_curve_ : list of float
        The training loss on the held-out windows after each epoch (early
        stopping only; empty otherwise): what early stopping watches.
    best_validation_score_ : float or None
    best_loss_ : float
        Best training loss, or best validation loss with early stopping.
    n_iter_ : int
        Epochs run by the last ``fit``.
    device_ : {"cpu", "cuda"}
        Where the network was trained and predicts (``device`` resolved at fit).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnforecast import RNNRegressor
    >>> t = np.arange(300)
    >>> series = np.sin(t / 5)
    >>> X = np.stack([series[i : i + 12] for i in range(280)])
    >>> y = series[12:292]
    >>> model = RNNRegressor(cell="gru", hidden_size=8, learning_rate_init=1e-2, max_iter=30, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    # Adam/RMSprop moments are training buffers: pickles leave them out (a warm start after loading
    # begins with fresh moments).
    _transient_attributes = ("_optimizer_",)

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "nonlinearity": [StrOptions({"tanh", "relu"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither"), "array-like"],
        "optimizer": [StrOptions(set(OPTIMIZERS) | {"lbfgs"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"glorot_orthogonal", "pytorch"})],
        "forget_bias": [Real],
        "dtype": [StrOptions({"float32", "float64"})],
        "device": [StrOptions(set(DEVICES))],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self, cell="lstm", hidden_size=32, num_layers=1, n_steps=None, *, nonlinearity="tanh", dropout=0.0,
        loss="squared_error", huber_delta=1.0, quantile=0.5, optimizer="adam", learning_rate_init=1e-3,
        learning_rate="constant", momentum=0.9, nesterov=False, weight_decay=0.0, batch_size=64, max_iter=200,
        shuffle=True, clip_norm=1.0, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
        init="glorot_orthogonal", forget_bias=1.0, dtype="float32", device="cpu", n_jobs=None, random_state=None,
        verbose=False, warm_start=False,
    ):  # fmt: skip
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.n_steps = n_steps
        self.nonlinearity = nonlinearity
        self.dropout = dropout
        self.loss = loss
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.init = init
        self.forget_bias = forget_bias
        self.dtype = dtype
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ helpers
    def _flatten_3d(self, X):
        """Accept ``(n, n_steps, n_features)`` arrays by flattening them step by step."""
        array = np.asarray(X) if not hasattr(X, "columns") else X
        if getattr(array, "ndim", 2) == 3:
            if self.n_steps is not None and array.shape[1] != self.n_steps:
                raise ValueError(f"3-D X has {array.shape[1]} steps but n_steps={self.n_steps}")
            return array.reshape(array.shape[0], -1), array.shape[1]
        return X, None

    def _steps_and_features(self, n_columns, steps_from_3d):
        steps = steps_from_3d or self.n_steps or n_columns
        if n_columns % steps:
            raise ValueError(
                f"X has {n_columns} columns, which is not a multiple of n_steps={steps}; each row must hold "
                "n_steps steps of n_features values, flattened step by step"
            )
        return steps, n_columns // steps

    def _loss_options(self):
        if self.loss == "huber":
            return {"delta": self.huber_delta}
        if self.loss == "pinball":
            return {"quantile": self.quantile}
        return {}

    def _layout(self):
        return make_layout(self.cell, self.n_input_features_, self.hidden_size, self.num_layers, self.n_outputs_)

    def _new_network(self, device=None):
        """The network, on ``device`` (default: the one resolved at fit, ``device_``)."""
        layout = self._layout()
        network = RecurrentNetwork(
            layout, nonlinearity=self.nonlinearity, dropout=self.dropout, device=device or self.device_
        )
        return layout, network

    @staticmethod
    def _weighted_moments(values, weight):
        """Weighted mean and standard deviation over axis 0 of 2-D ``values`` (std 1 where constant).

        The arithmetic of ``np.average`` (bit for bit), with one temporary array instead of three.
        """
        total = weight.sum()
        mean = (values * weight[:, None]).sum(axis=0) / total
        deviation = values - mean
        np.square(deviation, out=deviation)
        np.multiply(deviation, weight[:, None], out=deviation)
        std = np.sqrt(deviation.sum(axis=0) / total)
        return mean, np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)

    # ---------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> RNNRegressor:
        """Fit the network to windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_steps * n_features) or (n_windows, n_steps, n_features)
            Windows, one per row, flattened step by step (or 3-D).
        y : array-like of shape (n_windows,) or (n_windows, n_outputs)
            Targets of each window (several columns: direct multi-step).
        sample_weight : array-like of shape (n_windows,), default=None
            Weights of the windows in the loss and in the input/target scaling.

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> RNNRegressor:
        """Train one epoch on ``(X, y)``, continuing from the current weights.

        The first call initialises the network and the input/target scaling from
        this data; later calls keep both (and the optimizer state), so data
        arriving in pieces trains one model.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_steps * n_features) or (n_windows, n_steps, n_features)
            Windows, one per row, flattened step by step (or 3-D).
        y : array-like of shape (n_windows,) or (n_windows, n_outputs)
            Targets of each window (several columns: direct multi-step).
        sample_weight : array-like of shape (n_windows,), default=None
            Weights of the windows in the loss and in the input/target scaling.

        Returns
        -------
        self : RNNRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight, incremental):
        prepared = self._prepare_training(X, y, sample_weight, incremental)
        with thread_scope(self.n_jobs), warnings.catch_warnings():
            if incremental:  # one epoch by design: "max_iter reached" is not news
                warnings.filterwarnings("ignore", message="stopped after max_iter", category=ConvergenceWarning)
            results = train_jobs(prepared.jobs)
        return self._complete_training(prepared, results)

    def _prepare_training(self, X, y, sample_weight=None, incremental=False):
        """First half of a fit: validate and scale the data, set up the network (see :class:`PreparedFit`).

        Parameters are those of :meth:`fit`; ``incremental`` makes it one epoch
        continuing the current weights (:meth:`partial_fit`). Returns a
        :class:`~rnnforecast.nn.training.PreparedFit` whose job
        :func:`~rnnforecast.nn.training.train_jobs` trains.
        """
        warm = (self.warm_start or incremental) and hasattr(self, "params_")
        if isinstance(X, GatheredRows):
            return self._prepare_gathered(X, y, sample_weight)
        X, steps_from_3d = self._flatten_3d(X)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64, reset=not warm)
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if not weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum")
        steps, n_input_features = self._steps_and_features(X.shape[1], steps_from_3d)
        y2d = y.reshape(len(y), -1)
        if warm and (steps, n_input_features, y2d.shape[1]) != (self.n_steps_, self.n_input_features_, self.n_outputs_):
            raise ValueError("warm_start needs X and y shaped as in the previous fit")
        self.n_steps_, self.n_input_features_, self.n_outputs_ = steps, n_input_features, y2d.shape[1]
        self._y_1d = y.ndim == 1
        dtype = np.dtype(self.dtype)
        windows = X.reshape(len(X), steps, n_input_features)
        if not warm:
            flat_inputs = windows.reshape(-1, n_input_features)
            self.x_mean_, self.x_scale_ = self._weighted_moments(flat_inputs, np.repeat(weight, steps))
            self.y_mean_, self.y_scale_ = self._weighted_moments(y2d, weight)
        x_scaled = ((windows - self.x_mean_) / self.x_scale_).astype(dtype)
        y_scaled = ((y2d - self.y_mean_) / self.y_scale_).astype(dtype)

        random_state = check_random_state(self.random_state)
        seed = random_state.randint(np.iinfo(np.int32).max)
        # A continued fit draws its own stream (seeded by the epochs already run), so successive
        # partial_fit calls shuffle differently, yet the same calls always give the same model.
        rng = np.random.default_rng([seed, len(self.loss_curve_)] if warm else seed)
        self.device_ = resolve_device(self.device)
        layout, network = self._new_network()
        if warm and self.params_.size != layout.size:
            raise ValueError(
                f"warm_start continues the previous network, which has {self.params_.size} weights; the current "
                f"cell={self.cell!r}, hidden_size={self.hidden_size}, num_layers={self.num_layers} need "
                f"{layout.size}. Set the network's shape back, or warm_start=False to train a new network"
            )
        if warm:
            params = self.params_.astype(dtype)  # a copy: loaded (read-only, memory-mapped) weights stay untouched
            optimizer = getattr(self, "_optimizer_", None) or self.optimizer
        else:
            params = initialize_parameters(layout, rng, scheme=self.init, forget_bias=self.forget_bias, dtype=dtype)
            optimizer = self.optimizer
        weights = None if sample_weight is None else weight
        return self._job(network, params, x_scaled, y_scaled, rng, optimizer, incremental, warm, weights)

    def _job(self, network, params, x, y, rng, optimizer, incremental, warm, sample_weight):
        """The :class:`PreparedFit` of one training run of ``network`` from ``params`` on scaled ``x, y``."""
        options = self._training_options(optimizer, incremental)
        job = TrainingJob(network, params, x, y, rng, warm=warm, options=options, sample_weight=sample_weight)
        return PreparedFit([job])

    def _prepare_gathered(self, x, y, sample_weight):
        """:meth:`_prepare_training` for windows gathered on demand (a forecaster's panel): nothing is materialised.

        The input and target scaling comes from at most :data:`MOMENT_WINDOWS`
        windows spread evenly over the set (all of them, as in an array fit,
        when there are fewer); the job's windows are scaled batch by batch.
        """
        weight = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        steps, n_input_features = x.shape[1], x.shape[2]
        self.n_features_in_ = steps * n_input_features
        self.n_steps_, self.n_input_features_, self.n_outputs_ = steps, n_input_features, y.shape[1]
        self._y_1d = False
        sample = evenly_spaced(len(x), MOMENT_WINDOWS)
        self.x_mean_, self.x_scale_ = feature_moments(x, sample, weight)
        self.y_mean_, self.y_scale_ = self._weighted_moments(y.take(sample), weight[sample])
        dtype = np.dtype(self.dtype)
        x_scaled = x.with_transform(Standardize(self.x_mean_, self.x_scale_, dtype), dtype)
        y_scaled = y.with_transform(Standardize(self.y_mean_, self.y_scale_, dtype), dtype)
        rng = np.random.default_rng(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.device_ = resolve_device(self.device)
        layout, network = self._new_network()
        params = initialize_parameters(layout, rng, scheme=self.init, forget_bias=self.forget_bias, dtype=dtype)
        return self._job(network, params, x_scaled, y_scaled, rng, self.optimizer, False, False, sample_weight)

    def _training_options(self, optimizer, incremental):
        """The estimator's training parameters as the engine's :class:`TrainingOptions`."""
        state = {"momentum": self.momentum, "nesterov": self.nesterov} if self.optimizer == "sgd" else {}
        return TrainingOptions(
            loss=self.loss,
            loss_options=self._loss_options(),
            optimizer=optimizer,
            optimizer_state=state,
            learning_rate=self.learning_rate_init,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            max_iter=1 if incremental else self.max_iter,
            shuffle=self.shuffle,
            clip_norm=self.clip_norm,
            schedule=self.learning_rate,
            early_stopping=self.early_stopping and not incremental,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            verbose=int(self.verbose),
            validation_score=_r2 if self.early_stopping else None,
        )

    def _complete_training(self, prepared, results):
        """Second half of a fit: keep what the trained job of :meth:`_prepare_training` learned; returns self.

        ``results`` holds the one :class:`~rnnforecast.nn.jobs.TrainingResult` of ``prepared.jobs``.
        """
        (job,), (result,) = prepared.jobs, results
        warm = job.warm
        self.params_ = job.params
        self._optimizer_ = result.optimizer
        self.n_iter_ = result.n_iter
        self.loss_curve_ = (self.loss_curve_ if warm else []) + result.loss_curve
        self.validation_scores_ = result.validation_scores
        self.validation_loss_curve_ = (self.validation_loss_curve_ if warm else []) + list(result.validation_losses)
        self.best_validation_score_ = max(result.validation_scores) if result.validation_scores else None
        self.best_loss_ = result.best_loss
        return self

    # ------------------------------------------------------------------ predict
    def _prediction_device(self):
        """``device_``, or the CPU when a CUDA-trained model is used where no GPU is (same model, same results)."""
        if self.device_ == "cuda" and resolve_device("auto") == "cpu":
            return "cpu"
        return self.device_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict the targets of windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_steps * n_features) or (n_windows, n_steps, n_features)
            Windows shaped as in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_windows,) or (n_windows, n_outputs)
        """
        check_is_fitted(self)
        X, _ = self._flatten_3d(X)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        windows = X.reshape(len(X), self.n_steps_, self.n_input_features_)
        params = self.params_
        if type(params) is not np.ndarray or not params.flags.writeable:
            # Weights loaded read-only (joblib mmap_mode="r"): a plain, writable copy keeps the compiled
            # kernels' signature, so nothing recompiles.
            params = np.array(params)
        x_scaled = ((windows - self.x_mean_) / self.x_scale_).astype(params.dtype)
        _, network = self._new_network(self._prediction_device())
        with thread_scope(self.n_jobs):
            output = network.predict(params, x_scaled)
        prediction = output.astype(np.float64) * self.y_scale_ + self.y_mean_
        return prediction.ravel() if self._y_1d else prediction

    # ------------------------------------------------------------ interchange
    def state_dict(self) -> dict:
        """The weights under PyTorch's names, as copies.

        Recurrent layers are named as ``torch.nn.LSTM/GRU/RNN`` name them
        (``weight_ih_l0``, ...; the peephole LSTM adds ``weight_ci_l0``, ...), the
        head as ``torch.nn.Linear`` inside a module attribute ``head``
        (``head.weight``, ``head.bias``). The network works on standardised data:
        see ``x_mean_``, ``x_scale_``, ``y_mean_``, ``y_scale_``.

        Returns
        -------
        state : dict of str to ndarray
        """
        check_is_fitted(self)
        return {name: view.copy() for name, view in self._layout().views(self.params_).items()}

    def load_state_dict(self, state: dict) -> RNNRegressor:
        """Replace the weights with ``state`` (PyTorch names and shapes, e.g. a torch ``state_dict()``).

        The estimator must have been fitted (the scaling and sizes come from that
        fit). Tensors are converted with ``numpy.asarray``; every name of
        :meth:`state_dict` must be present with its exact shape.

        Parameters
        ----------
        state : mapping of str to array-like
            Tensors by PyTorch name (numpy arrays or torch tensors).

        Returns
        -------
        self : RNNRegressor
        """
        check_is_fitted(self)
        layout = self._layout()
        params = np.empty(layout.size, dtype=self.params_.dtype)
        views = layout.views(params)
        missing = sorted(set(views) - set(state))
        if missing:
            raise ValueError(f"state is missing {missing}")
        for name, view in views.items():
            value = np.asarray(state[name].detach().cpu() if hasattr(state[name], "detach") else state[name])
            if value.shape != view.shape:
                raise ValueError(f"{name} must have shape {view.shape}, got {value.shape}")
            view[...] = value
        self.params_ = params
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = False
        return tags
