"""RNNForecaster: forecast pandas series with a recurrent network, with quantiles and intervals."""

from __future__ import annotations

import copy
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._persistence import PersistenceMixin
from ._typing import ExogInput, SeriesInput
from .forecasting import output as _output
from .forecasting.calendar import calendar_features, long_cycles
from .forecasting.columns import user_columns
from .forecasting.ensemble import combine_members, member_seeds
from .forecasting.features import (
    NORMALIZATIONS,
    WindowSpec,
    exog_roles,
    quantile_levels,
    series_scale,
)
from .forecasting.gather import PanelStore, training_rows, window_index
from .forecasting.linear import MAX_LINEAR_WINDOWS, fit_linear, linear_correction
from .forecasting.local import fit_local, forecast_local
from .forecasting.panel import MISSING_POLICIES, future_index, to_panel
from .forecasting.predictability import fold_gains, predictable
from .forecasting.scoring import forecast_at, is_target_copy
from .forecasting.seasons import choose_season, default_lookback, season_candidates
from .forecasting.shrinkage import (
    Calibration,
    HeldOut,
    calibrate,
    seasonal_naive_windows,
    shrink_forecasts,
    spread_quantiles,
)
from .forecasting.summary import SummaryMixin
from .forecasting.uncertainty import SeriesForecast, UncertaintyMixin
from .nn.layout import CELLS
from .nn.rows import evenly_spaced
from .nn.threads import thread_scope
from .nn.training import PreparedFit, split_validation, train_prepared
from .regressor import RNNRegressor

__all__ = ["RNNForecaster"]

#: Training windows an epoch visits with ``windows_per_epoch="auto"``: every window of a single series of up to
#: about seven years of hourly data (each bundled series, 52,584 points at most, trains on all of its windows, as
#: before budgets existed), a fixed budget for bigger panels.
AUTO_WINDOWS_PER_EPOCH = 60_000

#: Windows cut and forecast at a time by predict, backtests and the calibration (bounded memory for any panel).
FORECAST_BLOCK = 1024

#: Held-out windows (spread evenly over them) that early stopping, the shrinkage and the conformal scores read.
HELD_OUT_WINDOWS = 4096


# The forecaster's parameters that its network (an RNNRegressor) takes unchanged.
_NETWORK_PARAMETERS = (
    "cell", "hidden_size", "num_layers", "dropout", "learning_rate_init", "weight_decay", "batch_size", "max_iter",
    "device", "early_stopping", "validation_fraction", "n_iter_no_change", "tol", "dtype", "n_jobs", "random_state",
    "verbose",
)  # fmt: skip


class _FitState(NamedTuple):
    """What a global fit carries from :meth:`RNNForecaster._prepare_training` to its completion."""

    regressors: list  # the members' RNNRegressor, trained between the two halves
    network_fits: list  # each member's own PreparedFit
    store: PanelStore  # the training series, end to end
    values: list  # per series: the training values
    exogs: list  # per series: exogenous rows or None
    indexes: list  # per series: time index
    n_train: int | None  # training windows before the held-out ones (early stopping)
    series_of: np.ndarray  # series of each window, in time order
    origins: np.ndarray  # origin of each window within its series


def held_out_windows(state: _FitState):
    """The held-out windows of a fit with early stopping (at most :data:`HELD_OUT_WINDOWS`, evenly spread):
    their series and origins, on which the shrinkage and the intervals are chosen."""
    n_train, series_of, origins = state.n_train, state.series_of, state.origins
    validation = n_train + evenly_spaced(len(origins) - n_train, HELD_OUT_WINDOWS)
    return series_of[validation], origins[validation].astype(np.intp)


class RNNForecaster(SummaryMixin, UncertaintyMixin, _output.PlainStateMixin, PersistenceMixin, BaseEstimator):
    """Forecast one or many series with a recurrent network, with quantiles and intervals.

    The forecaster cuts windows of ``n_steps`` observations from every series,
    normalises them (see ``normalize``), and trains one global network (an
    :class:`RNNRegressor`) whose head outputs every forecast step (``"direct"``)
    or the next step (``"recursive"``, iterated at predict time), at several
    quantiles at once (pinball loss). The point forecast is the median.

    Parameters
    ----------
    horizon : int, default=1
        Steps ahead trained for. ``predict`` accepts any horizon up to this with
        ``strategy="direct"``, and any horizon with ``"recursive"``.
    n_steps : int or None, default=None
        Lookback window. ``None`` picks by frequency (:func:`default_lookback`):
        a week of hourly data, 56 days, 60 business days.
    cell : {"gru", "lstm", "rnn", "peephole"}, default="gru"
        GRU is the default: in rolling-origin backtests on the bundled series it
        was the only cell to beat the seasonal-naive forecast on all four, the
        most accurate on traffic and within 8 % of the best (LSTM) elsewhere, and
        it trains fastest (``benchmarks/RESULTS.md``).
    hidden_size : int, default=32
        Units of each recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    n_models : int, default=1
        Networks in the ensemble: ``n_models`` networks that differ only in
        their seed, trained together (side by side on the ``n_jobs`` threads
        on a CPU, in one fleet on a GPU) and combined by the median of their
        quantiles, level by level. The shrinkage and the intervals are chosen
        on the combined forecast. More members cost more training and give a
        forecast that depends less on the seed (``benchmarks/RESULTS.md``).
    strategy : {"direct", "recursive"}, default="direct"
        ``"direct"``: one multi-output head forecasts every step of ``horizon``.
        ``"recursive"``: a one-step model fed its own medians (any horizon).
    scope : {"global", "local"}, default="global"
        ``"global"``: one network learns from every series. ``"local"``: one
        network per series, fitted in parallel with joblib over ``n_jobs``
        workers (each with one kernel thread), so a dask or Ray joblib backend
        spreads them over a cluster. Results do not depend on ``n_jobs`` or the
        backend.
    quantiles : tuple of float, default=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
        Quantile heads trained jointly; 0.5 is added when absent (it is the point
        forecast). Predicted quantiles never cross (they are sorted).
    interval_method : {"quantile", "conformal"}, default="quantile"
        Default method of :meth:`predict_interval`: the trained quantile heads, or
        split-conformal intervals from the absolute errors of the median on the
        held-out (most recent) windows, per forecast step. In backtests on the
        bundled series the heads' 90 % intervals covered 87-94 % of held-out
        points; conformal ones 86-96 % (over-covering traffic).
    shrinkage : {"auto", "network"} or None, default="auto"
        ``"auto"``: after training, keep of the network's correction to the
        seasonal-naive baseline only what the held-out (most recent) windows
        support, per forecast step (``correction_weight_``; see
        :mod:`rnnforecast.forecasting.shrinkage`): where the network does not beat
        the baseline clearly, the forecast is the seasonal-naive one (on a random
        walk, the random walk). Beside the network, a ridge regression of the
        same correction on the same window and on the calendar cycles the base
        does not repeat (``linear_coef_``, ``linear_calendar_``, fitted on the
        training windows; :mod:`rnnforecast.forecasting.linear`) is weighed on
        the same held-out windows (``linear_weight_``), so that what is linear
        in the window is forecast without the network's seed noise;
        ``"network"`` weighs the network's correction alone. The corrections are also dropped when a linear
        correction of the baseline fails to beat it by one standard error over
        five periods of the whole training history (``predictability_``; see
        :mod:`rnnforecast.forecasting.predictability`): a price series whose recent
        drift made the network look skilful. Intervals move with the shrunk median and the
        conformal scores are computed after shrinkage. Needs ``early_stopping``
        (its held-out windows); ``None`` keeps the network's forecast as it is.
    nonnegative : {"auto"} or bool, default="auto"
        Floor every forecast, quantile and interval bound at 0 (traffic counts,
        loads, wind speeds, prices). ``"auto"``: when no training value is
        negative (``nonnegative_``). Flooring never moves a forecast away from a
        non-negative truth, so it cannot hurt any error or the coverage of such a target.
    normalize : {"window", "series"}, default="window"
        ``"window"``: the network forecasts a correction to the seasonal-naive
        forecast (the last value when ``season_length`` is 1), in units of the
        window's mean absolute change: level- and volatility-free, it suits
        prices, trending series and series whose level drifts. ``"series"``:
        each series is standardised once and the network forecasts the values.
    season_length : int or None, default=None
        Season of the seasonal-naive base of ``normalize="window"``. ``None``
        picks, from 1 (the last value), a day and a week of steps (those that fit
        in ``n_steps``; five for business days), the one whose seasonal-naive
        forecast errs least on the training series (:func:`choose_season`).
    calendar : bool, default=True
        Add sine/cosine calendar features of the target times (hour of day, day of
        week, day of year: what the frequency resolves). Ignored for integer time.
    past_exog : list of str or None, default=None
        Columns of ``X`` known only up to the forecast origin (e.g. trading
        volume). Every other column of ``X`` is *future-known* (e.g. holidays,
        planned prices, weather forecasts) and must be given to ``predict`` for
        the forecast steps.
    missing : {"error", "interpolate"}, default="error"
        Missing target values (NaN, or time stamps absent from the regular grid):
        raise a ValueError, or interpolate linearly in time.
    freq : str or None, default=None
        Frequency of the time index (``"D"``, ``"h"``, ``"B"``, ...); inferred when
        None. Business days may skip market holidays.
    max_train_size : int or None, default=None
        Train on at most the last ``max_train_size`` observations of each series.
    dropout : float, default=0.0
        Dropout between recurrent layers (``num_layers > 1``).
    weight_decay : float, default=0.0
        L2 penalty added to the gradient.
    learning_rate_init : float, default=3e-3
        Initial step size of Adam.
    batch_size : int, default=64
        Windows per mini-batch.
    max_iter : int, default=100
        Maximum number of epochs.
    windows_per_epoch : int, "auto" or None, default="auto"
        Training budget of an epoch. An epoch visits every training window once
        when there are at most this many (None: always); otherwise it draws this
        many windows, with replacement, an equal share from each series (or all
        of a series' windows when it has fewer), afresh each epoch (deterministic
        for a ``random_state``). So the cost of fitting a panel of thousands of
        series is ``max_iter * windows_per_epoch`` windows at most, and no
        window is ever stored: batches are gathered from the series. ``"auto"``
        is 60,000 (every window of a single series of up to seven years of
        hourly data, as every bundled series); a big panel should set its own
        budget: 4,096 with ``max_iter=30`` fits 1,000 hourly series of 2,000
        points in a minute. With early stopping, at most 4,096 held-out windows
        (spread evenly over them) are evaluated.
    early_stopping : bool, default=True
        Hold out the most recent ``validation_fraction`` of the windows (across all
        series), stop when their loss stops improving and keep the best weights.
        Needed by conformal intervals, which are calibrated on these windows.
    validation_fraction : float, default=0.1
        Share of the windows (the most recent ones) held out with ``early_stopping``.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before training stops.
    tol : float, default=1e-4
        Smallest loss improvement that counts.
    dtype : {"float32", "float64"}, default="float32"
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the network trains and predicts (see :class:`RNNRegressor`). With
        ``scope="local"`` on CUDA, every series' network trains at once in one
        fused launch sequence (a fleet), and :func:`rnnforecast.backtest` trains
        all its refits in one fleet; the models equal one-by-one fits.
    n_jobs : int or None, default=None
        Kernel threads (``scope="global"``) or parallel per-series fits
        (``scope="local"``); results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling and dropout: the same value gives the
        same forecasts, bit for bit, on any thread count.
    verbose : int or bool, default=False
        Training progress on standard error: 0 nothing; 1 a live bar (epoch,
        loss, validation loss, best epoch) on a terminal or in Jupyter, one
        line per epoch when standard error is a file or a pipe; 2 one line per
        epoch everywhere. Per-series fits (``scope="local"``) and backtests
        with several refits show models done of the total instead (and their
        epochs only with 2).
    id_col : str, default="unique_id"
        Series column of long frames (``y``, ``X``, and the long outputs).
    time_col : str, default="ds"
        Time column of long frames.
    target_col : str, default="y"
        Target column of a long ``y`` (and the observations column of
        :func:`rnnforecast.backtest` results).

    Attributes
    ----------
    model_ : RNNRegressor
        The fitted network (``scope="global"``); with ``n_models > 1`` the
        first member, whose training curves ``loss_curve_``, ``n_iter_`` and
        the plots show.
    models_ : list of RNNRegressor
        Every member of the ensemble (``[model_]`` when ``n_models=1``).
    local_models_ : dict or None
        Series id to its fitted single-series forecaster (``scope="local"``).
    series_ids_ : list
        Names of the fitted series.
    freq_ : pandas offset or None
    n_steps_ : int
    quantiles_ : ndarray
        Sorted quantile levels of the heads.
    nonnegative_ : bool
        Whether forecasts and bounds are floored at 0.
    training_span_ : tuple of str
        First and last time stamps (as text) of the observations the network
        trained on, after ``max_train_size``.
    season_length_ : int
        Season of the seasonal-naive base.
    conformal_scores_ : ndarray of shape (n_calibration, horizon) or None
        Absolute normalised errors of the (shrunk) median on the held-out windows.
    correction_weight_ : ndarray of shape (horizon,) or None
        Share of the network's correction kept at each forecast step (0: the
        seasonal-naive forecast, 1: the network's), chosen on the held-out
        windows with ``shrinkage="auto"``; None without shrinkage.
    linear_coef_ : ndarray of shape (n_steps + len(linear_calendar_) + 1, horizon) or None
        With ``shrinkage="auto"``: the ridge coefficients of the linear
        correction (the window relative to its last value, in units of its
        scale, the ``linear_calendar_`` features of the first forecast step
        and a constant -> the deviation of each step from the seasonal-naive
        base, in the same units). None otherwise.
    linear_calendar_ : list of str
        The calendar columns among the linear correction's regressors: those
        whose cycle is longer than the season of the base
        (:func:`~rnnforecast.forecasting.calendar.long_cycles`; the time of
        the year and the day of the week under a daily series' last value,
        none under last week's same half-hour). Empty without ``calendar``.
    linear_weight_ : ndarray of shape (horizon,) or None
        Share of the linear correction added at each forecast step, chosen on
        the held-out windows together with ``correction_weight_``. None
        without it.
    quantile_spread_ : ndarray of shape (n_quantiles, horizon) or None
        Factor on each quantile forecast's distance from the median, per step,
        that makes the intervals cover their level on the held-out windows
        after shrinkage (conformalised quantiles, see
        :func:`~rnnforecast.forecasting.shrinkage.spread_factors`); 1 at the
        median. None for recursive models and without early stopping.
    predictability_ : ndarray of shape (5,) or None
        With ``shrinkage="auto"``: relative gain of a linear correction of the
        seasonal-naive base on each of five periods of the training history
        (fitted on the others); where it is not clearly positive the correction
        weight is 0 at every step. None without shrinkage.
    loss_curve_, validation_loss_curve_, validation_scores_, n_iter_
        From the training run: the training and held-out loss of each epoch
        (pinball loss of the quantile heads, in units of each window's recent
        changes), the held-out R², the epochs run.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from rnnforecast import RNNForecaster
    >>> index = pd.date_range("2024-01-01", periods=400, freq="D")
    >>> y = pd.Series(10 + np.sin(np.arange(400) * 2 * np.pi / 7), index=index, name="demand")
    >>> model = RNNForecaster(horizon=7, n_steps=21, hidden_size=16, max_iter=30, random_state=0).fit(y)
    >>> forecast = model.predict()
    >>> forecast.index[0], len(forecast)
    (Timestamp('2025-02-04 00:00:00'), 7)
    >>> bool(np.abs(forecast - (10 + np.sin(np.arange(400, 407) * 2 * np.pi / 7))).max() < 0.3)
    True
    """

    _parameter_constraints: dict = {
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "n_models": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"direct", "recursive"})],
        "scope": [StrOptions({"global", "local"})],
        "quantiles": ["array-like", None],
        "interval_method": [StrOptions({"conformal", "quantile"})],
        "shrinkage": [StrOptions({"auto", "network"}), None],
        "nonnegative": [StrOptions({"auto"}), "boolean"],
        "normalize": [StrOptions(set(NORMALIZATIONS))],
        "season_length": [Interval(Integral, 1, None, closed="left"), None],
        "calendar": ["boolean"],
        "past_exog": [list, tuple, None],
        "missing": [StrOptions(set(MISSING_POLICIES))],
        "freq": [str, None],
        "max_train_size": [Interval(Integral, 2, None, closed="left"), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "windows_per_epoch": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "id_col": [str],
        "time_col": [str],
        "target_col": [str],
    }

    def __init__(
        self, horizon=1, n_steps=None, *, cell="gru", hidden_size=32, num_layers=1, n_models=1, strategy="direct",
        scope="global",
        quantiles=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95), interval_method="quantile", shrinkage="auto",
        nonnegative="auto", normalize="window", season_length=None, calendar=True, past_exog=None, missing="error",
        freq=None, max_train_size=None, dropout=0.0, weight_decay=0.0, learning_rate_init=3e-3, batch_size=64,
        max_iter=100, windows_per_epoch="auto", early_stopping=True, validation_fraction=0.1, n_iter_no_change=10,
        tol=1e-4, dtype="float32", device="cpu", n_jobs=None, random_state=None, verbose=False, id_col="unique_id",
        time_col="ds", target_col="y",
    ):  # fmt: skip
        self.horizon = horizon
        self.n_steps = n_steps
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.n_models = n_models
        self.strategy = strategy
        self.scope = scope
        self.quantiles = quantiles
        self.interval_method = interval_method
        self.shrinkage = shrinkage
        self.nonnegative = nonnegative
        self.normalize = normalize
        self.season_length = season_length
        self.calendar = calendar
        self.past_exog = past_exog
        self.missing = missing
        self.freq = freq
        self.max_train_size = max_train_size
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.windows_per_epoch = windows_per_epoch
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.dtype = dtype
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    # ---------------------------------------------------------------- set-up
    def _calendar(self, index, cache=None, extra=0):
        """Calendar features of ``index`` and of the ``extra`` time stamps after it.

        ``cache`` (a dict) reuses the features of an equal index (the series of a
        panel share their clock), without building the extended index again.
        """
        if not self.calendar:
            return np.zeros((len(index) + extra, 0))
        key = (len(index), index[0], index[-1], extra) if len(index) else None
        if cache is not None and key in cache and cache[key][0].equals(index):
            return cache[key][1]
        stamps = index.append(future_index(index[-1], extra, self.freq_)) if extra else index
        features = calendar_features(stamps, self.freq_).to_numpy()
        if cache is not None:
            cache[key] = (index, features)
        return features

    def _regressor(self, random_state):
        shared = {name: getattr(self, name) for name in _NETWORK_PARAMETERS}
        shared["random_state"] = random_state
        return RNNRegressor(loss="pinball", quantile=np.repeat(self.quantiles_, self.spec_.n_ahead), **shared)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    @user_columns
    def fit(self, y: SeriesInput, X: ExogInput = None) -> RNNForecaster:
        """Train on the series ``y`` (and exogenous columns ``X``).

        Parameters
        ----------
        y : pandas Series, wide DataFrame (one column per series) or long DataFrame (``unique_id, ds, y``)
            Evenly spaced observations indexed by time (DatetimeIndex, business
            days, or integer positions). Several series train one global model.
        X : pandas DataFrame or None
            Exogenous columns on the same time index (shared by all series), or a
            long frame ``unique_id, ds, <columns>`` with long ``y``. See
            ``past_exog`` for which columns must be known in the future. ``X``
            equal to ``y`` (``cross_val_score(model, y, y, scoring=...)``, how
            scikit-learn passes a target to its scorers) is ignored.

        Returns
        -------
        self : RNNForecaster
        """
        if is_target_copy(y, X):  # cross_val_score(model, y, y): the series came as X and as y
            X = None
        if self.scope == "local":
            probe = self._probe(y, X)
            self.local_models_ = fit_local(self, y, X, probe)
            first = next(iter(self.local_models_.values()))
            self.quantiles_, self.exog_names_ = first.quantiles_, first.exog_names_
            return self
        prepared = self._prepare_training(y, X)
        with thread_scope(self.n_jobs):
            results = train_prepared([prepared])[0]
        return self._complete_training(prepared, results)

    def _probe(self, y, X):
        """Read the input's layout and frequency (and set what depends on them only)."""
        probe = to_panel(y, X, freq=self.freq, missing=self.missing)
        self.freq_ = probe.freq
        self.n_steps_ = self.n_steps or default_lookback(self.freq_)
        self.scope_ = self.scope
        self.series_ids_, self.layout_, self.name_ = probe.ids, probe.layout, probe.name
        if self.nonnegative == "auto":
            finite = [v[np.isfinite(v)] for v in probe.values]
            self.nonnegative_ = all(len(v) == 0 or v.min() >= 0 for v in finite)
        else:
            self.nonnegative_ = bool(self.nonnegative)
        return probe

    def _prepare_training(self, y, X=None):
        """First half of a global fit: windows, scaling and the network's training job.

        Returns a :class:`~rnnforecast.nn.training.PreparedFit` whose jobs (one
        per member) :func:`~rnnforecast.nn.training.train_prepared` trains (alone in ``fit``, or with
        other forecasters' jobs: per-series models and backtest refits on a GPU);
        :meth:`_complete_training` then calibrates the intervals and keeps the
        last window of each series.
        """
        levels = quantile_levels(self.quantiles)
        n_ahead = self.horizon if self.strategy == "direct" else 1
        self._probe(y, X)
        self.local_models_ = None
        minimum = self.n_steps_ + n_ahead
        panel = to_panel(y, X, freq=self.freq, missing=self.missing, min_length=minimum)
        past_columns, future_columns = exog_roles(panel.exog_names, self.past_exog, self.strategy)
        n_calendar = self._calendar(panel.index[0][:1]).shape[1]
        if self.season_length is None:
            candidates = season_candidates(self.freq_, self.n_steps_)
            self.season_length_ = choose_season(panel.values, candidates, n_ahead) if len(candidates) > 1 else 1
        else:
            self.season_length_ = self.season_length
        if self.normalize == "window" and self.season_length_ > self.n_steps_:
            raise ValueError(
                f"n_steps={self.n_steps_} is shorter than season_length={self.season_length_}: the seasonal-naive "
                "base needs a full season in each window; raise n_steps or lower season_length"
            )
        has_baseline = self.normalize == "window" and self.season_length_ > 1
        has_future = len(future_columns) + n_calendar + has_baseline > 0
        self.spec_ = WindowSpec(
            self.n_steps_,
            n_ahead,
            n_ahead if has_future else 0,
            self.normalize,
            self.season_length_,
            past_columns,
            future_columns,
            n_calendar,
        )
        self.quantiles_ = levels
        self.series_ids_, self.layout_, self.name_ = panel.ids, panel.layout, panel.name
        self.exog_names_ = panel.exog_names

        values, exogs, calendars, scales, starts, cache = [], [], [], [], [], {}
        for i in range(panel.n_series):
            start = 0 if self.max_train_size is None else max(0, len(panel.values[i]) - self.max_train_size)
            if len(panel.values[i]) - start < minimum:
                raise ValueError(f"max_train_size={self.max_train_size} leaves fewer than {minimum} observations")
            values.append(panel.values[i][start:])
            exogs.append(None if panel.exog is None else panel.exog[i][start:])
            calendars.append(self._calendar(panel.index[i][start:], cache))
            scales.append(series_scale(values[-1], exogs[-1]))
            starts.append(panel.index[i][start])
        self.scales_ = scales
        self.training_span_ = (str(min(starts)), str(max(index[-1] for index in panel.index)))

        index = window_index([len(v) for v in values], panel, self.spec_, self.freq_)
        store = PanelStore(values, exogs, calendars, self.scales_, self.spec_)
        x, y_norm = training_rows(store, index, len(levels))
        weight = None
        n_train = None
        if self.early_stopping:
            n_train = split_validation(len(index), self.validation_fraction)
            # Drop training windows whose targets overlap the first validation window's targets.
            gap = index.times[:n_train] + n_ahead > index.times[n_train]
            if gap.all():
                raise ValueError("the series are too short to hold out validation windows; set early_stopping=False")
            weight = np.where(np.append(gap, np.zeros(len(index) - n_train, bool)), 0.0, 1.0)
            weight = None if weight.all() else weight
        regressors = [self._regressor(seed) for seed in member_seeds(self.random_state, self.n_models)]
        network_fits = []
        budget = AUTO_WINDOWS_PER_EPOCH if self.windows_per_epoch == "auto" else self.windows_per_epoch
        for regressor in regressors:
            regressor._validate_params()
            network_fits.append(regressor._prepare_training(x, y_norm, weight))
            (job,) = network_fits[-1].jobs
            job.options = job.options.replace(windows_per_epoch=budget, validation_windows=HELD_OUT_WINDOWS)
            job.groups = index.series
        state = _FitState(
            regressors, network_fits, store, values, exogs, panel.index, n_train, index.series, index.origins
        )
        return PreparedFit([fit.jobs[0] for fit in network_fits], state)

    def _complete_training(self, prepared, results):
        """Second half of a global fit: keep the trained networks, calibrate the intervals, keep the tails.

        ``results`` holds the :class:`~rnnforecast.nn.jobs.TrainingResult` of each member's job.
        """
        state = prepared.state
        self.models_ = [
            regressor._complete_training(fit, [result])
            for regressor, fit, result in zip(state.regressors, state.network_fits, results, strict=True)
        ]
        self.model_ = self.models_[0]
        values, exogs, indexes = state.values, state.exogs, state.indexes
        self.loss_curve_ = self.model_.loss_curve_
        self.validation_scores_ = self.model_.validation_scores_
        self.validation_loss_curve_ = self.model_.validation_loss_curve_
        self.n_iter_ = self.model_.n_iter_

        self.conformal_scores_ = self.correction_weight_ = self.predictability_ = self.quantile_spread_ = None
        self.linear_coef_ = self.linear_weight_ = None
        self.linear_calendar_, self._linear_positions = [], np.zeros(0, dtype=np.intp)
        if self.early_stopping:
            if self.shrinkage == "auto":
                self.linear_coef_ = self._fit_linear(state)
            calibration = self._calibrate(state.store, *held_out_windows(state))
            self.conformal_scores_, self.correction_weight_, self.quantile_spread_, self.linear_weight_ = calibration
        # Keep only what predict needs: the last window of each series (not the training data).
        last = slice(-self.n_steps_, None)
        self._tails = [
            _output.Tail(v[last], None if e is None else e[last], index[last])
            for v, e, index in zip(values, exogs, indexes, strict=True)
        ]
        return self

    def _fit_linear(self, state):
        """The linear correction of the base (:mod:`~rnnforecast.forecasting.linear`) on the training windows.

        At most :data:`~rnnforecast.forecasting.linear.MAX_LINEAR_WINDOWS`
        windows, evenly spaced, with all ``horizon`` steps observed; the
        held-out windows are left out, so that they judge it as they judge the
        network.
        """
        store, horizon = state.store, self.horizon
        if self.calendar:
            names = list(calendar_features(state.indexes[0][:1], self.freq_).columns)
            self.linear_calendar_ = long_cycles(state.indexes[0], self.freq_, self.season_length_)
            self._linear_positions = np.array([names.index(c) for c in self.linear_calendar_], dtype=np.intp)
        chosen = evenly_spaced(state.n_train, MAX_LINEAR_WINDOWS)
        series_of, origins = state.series_of[chosen].astype(np.intp), state.origins[chosen].astype(np.intp)
        keep = origins + horizon < store.lengths[series_of]
        series_of, origins = series_of[keep], origins[keep]
        raw = store.past(series_of, origins)
        naive = seasonal_naive_windows(raw, horizon, self.season_length_)
        actual, scales = store.ahead(series_of, origins, horizon), store.scales(series_of, origins, raw)
        return fit_linear(raw, naive, actual, scales, self._linear_calendar(store, series_of, origins))

    def _linear_calendar(self, store, series, origins):
        """The linear expert's calendar regressors (``linear_calendar_``) of windows of ``store``, or None."""
        return store.calendar_after(series, origins, getattr(self, "_linear_positions", ()))

    def _calibrate(self, store, series_of, origins):
        """Held-out evidence: a :class:`~rnnforecast.forecasting.shrinkage.Calibration`.

        The correction weight per step is chosen on the network's own forecasts
        (``shrinkage="auto"``); the conformal scores are the absolute errors of
        the shrunk median over each window's scale; a direct model's quantile
        spread factors conformalise its shrunk quantiles on the same windows.
        """
        horizon = self.horizon
        order = np.lexsort((origins, series_of))  # series by series, each in time order
        series_of, origins = series_of[order].astype(np.intp), origins[order]
        keep = origins + horizon < store.lengths[series_of]
        weight = np.zeros(horizon) if self.shrinkage is not None else None
        if weight is not None:
            values = [store.values[o : o + n] for o, n in zip(store.offsets, store.lengths, strict=True)]
            self.predictability_ = fold_gains(values, self.n_steps_, horizon, self.season_length_)
        if not keep.any():
            return Calibration(None, weight, None)
        series_of, origins = series_of[keep], origins[keep]
        median = int(np.searchsorted(self.quantiles_, 0.5))
        # The network's forecasts, as the heads give them.
        self.correction_weight_ = self.quantile_spread_ = self.linear_weight_ = None
        quantiles, scales = self._quantile_forecasts(store, series_of, origins, horizon)
        raw = store.past(series_of, origins)
        naive = seasonal_naive_windows(raw, horizon, self.season_length_)
        if self.linear_coef_ is None:
            linear = None
        else:
            calendar = self._linear_calendar(store, series_of, origins)
            linear = linear_correction(self.linear_coef_, raw, scales, horizon, calendar)
        held_out = HeldOut(
            quantiles,
            scales,
            naive,
            store.ahead(series_of, origins, horizon),
            series_of * (1 << 40) + origins // horizon,
            linear,
        )
        shrink = weight is not None
        return calibrate(
            [held_out],
            median,
            shrink=shrink,
            baseline_only=shrink and not predictable(self.predictability_),
            levels=self.quantiles_ if self.strategy == "direct" else None,
        )

    # ------------------------------------------------------------ new data
    @user_columns
    def update(self, y: SeriesInput, X: ExogInput = None) -> RNNForecaster:
        """Forecast from the end of new observations from now on, without refitting the network.

        The series of ``y`` replace the ones the model forecasts: later
        observations of the fitted series (each keeps its training scale) and
        whole new series (each scaled on its own history), as a global model
        transfers to series it never saw. ``predict``, ``predict_interval``,
        ``predict_quantiles`` and ``score`` then start at the end of ``y``.

        Parameters
        ----------
        y : pandas Series, wide DataFrame or long DataFrame
            Recent history of each series to forecast: at least ``n_steps``
            observations on the fitted frequency.
        X : pandas DataFrame or None
            Exogenous columns over ``y``'s time stamps (the fitted ones).

        Returns
        -------
        self : RNNForecaster
        """
        check_is_fitted(self)
        if self.scope_ == "local":
            raise ValueError("update needs scope='global': a local model knows only its own series; refit instead")
        X = None if is_target_copy(y, X) else X
        panel = to_panel(y, X, freq=self.freq, missing=self.missing, min_length=self.n_steps_)
        if str(panel.freq) != str(self.freq_):
            new, fitted = (getattr(f, "freqstr", "integer steps") for f in (panel.freq, self.freq_))
            raise ValueError(f"y's frequency {new} differs from the fitted {fitted}; resample y first")
        if list(panel.exog_names) != list(self.exog_names_):
            raise ValueError(f"X has the columns {panel.exog_names}; the model was fitted with {self.exog_names_}")
        known = {key: i for i, key in enumerate(self.series_ids_)}
        last = slice(-self.n_steps_, None)
        scales, tails = [], []
        for i, key in enumerate(panel.ids):
            values, exog = panel.values[i], None if panel.exog is None else panel.exog[i]
            scales.append(self.scales_[known[key]] if key in known else series_scale(values, exog))
            tails.append(_output.Tail(values[last], None if exog is None else exog[last], panel.index[i][last]))
        self.series_ids_, self.layout_, self.name_ = panel.ids, panel.layout, panel.name
        self.scales_, self._tails = scales, tails
        return self

    def _with_history(self, y, X):
        """``self``, or a shallow copy updated to forecast from the end of ``y`` (the model itself is unchanged)."""
        return self if y is None else copy.copy(self).update(y, X)

    # --------------------------------------------------------------- predict
    def _quantile_forecasts(self, store, series, origins, horizon):
        """Sorted quantile forecasts in data units (W, Q, horizon) and the scales (W,) of windows of ``store``.

        The windows end at ``origins`` of the store's ``series``; they are cut
        and forecast :data:`FORECAST_BLOCK` at a time, so memory stays bounded
        for any number of series and origins.
        """
        series, origins = np.asarray(series, dtype=np.intp), np.asarray(origins, dtype=np.intp)
        forecasts = np.empty((len(origins), len(self.quantiles_), horizon))
        scales = np.empty(len(origins))
        for start in range(0, len(origins), FORECAST_BLOCK):
            block = slice(start, start + FORECAST_BLOCK)
            forecasts[block], scales[block] = self._forecast_block(store, series[block], origins[block], horizon)
        return forecasts, scales

    def _forecast_block(self, store, series, origins, horizon):
        spec = self.spec_
        raw = store.past(series, origins)
        n_quantiles = len(self.quantiles_)
        if self.strategy == "direct":
            x, bases, scales = store.windows(series, origins)
            output = self._ensemble_predict(x, (len(origins), n_quantiles, spec.n_ahead))[:, :, :horizon]
            forecasts = output * scales[:, None, None] + bases[:, None, :horizon]
            calendar = self._linear_calendar(store, series, origins)
            return self.floor(self._calibrated(forecasts, raw, scales, calendar)), scales
        # Recursive: forecast one step, append the median to each window, repeat.
        forecasts = np.empty((len(origins), n_quantiles, horizon))
        median = int(np.searchsorted(self.quantiles_, 0.5))
        first_scales = None
        window = raw
        for step in range(horizon):
            x, bases, scales = store.windows(series, origins + step, raw=window)
            output = self._ensemble_predict(x, (len(origins), n_quantiles))
            forecasts[:, :, step] = output * scales[:, None] + bases[:, :1]
            first_scales = scales if first_scales is None else first_scales
            window = np.column_stack([window[:, 1:], forecasts[:, median, step]])
        calendar = self._linear_calendar(store, series, origins)
        return self.floor(self._calibrated(forecasts, raw, first_scales, calendar)), first_scales

    def _ensemble_predict(self, x, shape):
        """Sorted normalised quantile outputs of windows ``x``, ``shape = (W, Q, ...)``: the members' median.

        Each member's quantiles are sorted before the median is taken, quantile
        by quantile, so the combination stays sorted.
        """
        members = getattr(self, "models_", None) or [self.model_]
        return combine_members([np.sort(member.predict(x).reshape(shape), axis=1) for member in members])

    def _forecast_from(self, series, values, exogs, calendars, origins, horizon):
        """Quantile forecasts from ``origins[k]`` of histories ``values[k]`` (of fitted series ``series[k]``).

        ``exogs[k]`` and ``calendars[k]`` cover the history and the forecast steps
        (:meth:`_padded`). Every window of every history goes through one
        batched pass; returns, per history, an ndarray (W_k, Q, horizon) in data
        units and the windows' scales (W_k,).
        """
        store = PanelStore(values, exogs, calendars, [self.scales_[i] for i in series], self.spec_)
        counts = [len(o) for o in origins]
        which = np.repeat(np.arange(len(values)), counts)
        flat = np.concatenate([np.asarray(o, dtype=np.intp) for o in origins]) if origins else np.zeros(0, np.intp)
        with thread_scope(self.n_jobs):
            quantiles, scales = self._quantile_forecasts(store, which, flat, horizon)
        bounds = np.cumsum(counts)[:-1]
        return list(zip(np.split(quantiles, bounds), np.split(scales, bounds), strict=True))

    def _calibrated(self, forecasts, raw, scales, calendar=None):
        """Quantile forecasts (W, Q, horizon) of windows ``raw`` (scales ``scales``, linear calendar regressors
        ``calendar``) after the validated shrinkage, the weighted linear correction and the spread (each where the
        fit chose one)."""
        weight, median = getattr(self, "correction_weight_", None), int(np.searchsorted(self.quantiles_, 0.5))
        offset = None
        linear_weight, coef = getattr(self, "linear_weight_", None), getattr(self, "linear_coef_", None)
        if weight is not None and linear_weight is not None and coef is not None and linear_weight.any():
            horizon = forecasts.shape[2]
            steps = np.minimum(np.arange(horizon), len(linear_weight) - 1)
            offset = linear_weight[steps] * linear_correction(coef, raw, scales, horizon, calendar)
        shrunk = shrink_forecasts(forecasts, raw, weight, self.season_length_, median, offset)
        return spread_quantiles(shrunk, getattr(self, "quantile_spread_", None), median)

    def floor(self, values: np.ndarray) -> np.ndarray:
        """``values`` floored at 0 when the target is non-negative (``nonnegative_``), else unchanged.

        Parameters
        ----------
        values : ndarray
            Forecasts or bounds in data units.

        Returns
        -------
        values : ndarray
        """
        return np.maximum(values, 0.0) if getattr(self, "nonnegative_", False) else values

    def _future_inputs(self, horizon, X):
        """Per fitted series: (values, exog rows through the horizon, calendar rows, future index)."""
        spec = self.spec_
        needs_future_exog = len(spec.future_columns) > 0
        if needs_future_exog and X is None:
            raise ValueError(
                f"X is required: the columns {[self.exog_names_[i] for i in spec.future_columns]} are future-known "
                f"(not in past_exog), so predict needs their values for the next {horizon} steps"
            )
        inputs, cache = [], {}
        names = [self.exog_names_[c] for c in spec.future_columns]
        futures = {}  # series ending together share their future stamps
        for i, tail in enumerate(self._tails):
            end = tail.index[-1]
            if end not in futures:
                futures[end] = future_index(end, horizon, self.freq_)
            future = futures[end]
            exog, calendar = self._padded(tail.exog, tail.index, horizon, cache)
            if needs_future_exog:
                rows = slice(len(tail.exog), len(tail.exog) + horizon)
                exog[rows, spec.future_columns] = _output.future_exog(
                    X, self.series_ids_[i], future, names, self.layout_
                )
            inputs.append((tail.values, exog, calendar, future))
        return inputs

    def _padded(self, exog, index, horizon, cache=None):
        """Exogenous rows (zero rows appended for the forecast steps, or None) and calendar rows through them.

        ``cache`` (a dict) is :meth:`_calendar`'s.
        """
        rows = max(horizon, self.spec_.n_future)
        calendar = self._calendar(index, cache, extra=rows)
        return (None if exog is None else np.concatenate([exog, np.zeros((rows, exog.shape[1]))])), calendar

    def _check_horizon(self, horizon):
        horizon = self.horizon if horizon is None else horizon
        if not isinstance(horizon, Integral) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        if self.strategy == "direct" and horizon > self.horizon:
            raise ValueError(
                f"this direct model was trained for horizon={self.horizon}; refit with horizon={horizon} or use "
                "strategy='recursive'"
            )
        return int(horizon)

    def _forecast(self, horizon, X):
        """Quantile forecasts in data units from the end of each series: a list of :class:`SeriesForecast`.

        Each row carries the conformal scores of the fitted model behind it
        (``self``, or the series' local model), which calibrate its intervals.
        """
        check_is_fitted(self)
        horizon = self._check_horizon(horizon)
        if self.scope_ == "local":
            return forecast_local(self, horizon, X)
        inputs = self._future_inputs(horizon, X)
        values, exogs, calendars, futures = (list(column) for column in zip(*inputs, strict=True))
        origins = [np.array([len(v) - 1]) for v in values]
        forecasts = self._forecast_from(range(len(values)), values, exogs, calendars, origins, horizon)
        return [
            SeriesForecast(future, quantiles[0], scales[0], self.conformal_scores_)
            for future, (quantiles, scales) in zip(futures, forecasts, strict=True)
        ]

    def _training_end(self):
        """The last time stamp of the training data (over all series)."""
        if self.scope_ == "local":
            return max(model._training_end() for model in self.local_models_.values())
        return max(tail.index[-1] for tail in self._tails)

    def _forecast_origins(self, panel, origins, horizon):
        """Quantile forecasts from many origins of a panel in one batched pass per series.

        ``panel`` holds the fitted series (same ids) observed further than the
        training data; ``origins[i]`` are positions in series ``i``. Returns, per
        series, an ndarray (W, Q, horizon) in data units and the windows' scales (W,).
        """
        check_is_fitted(self)
        horizon = self._check_horizon(horizon)
        if self.scope_ == "local":
            raise ValueError("forecast each local model on its own series (model_selection.backtest does)")
        if list(panel.ids) != list(self.series_ids_):
            raise ValueError(f"the series {list(panel.ids)[:5]} differ from the fitted ones {self.series_ids_[:5]}")
        exogs, calendars, cache = [], [], {}
        for i in range(panel.n_series):
            origin = np.asarray(origins[i], dtype=np.intp)
            if len(origin) and origin.min() < self.n_steps_ - 1:
                raise ValueError(f"series {panel.ids[i]!r} has fewer than n_steps={self.n_steps_} values before it")
            exog, calendar = self._padded(None if panel.exog is None else panel.exog[i], panel.index[i], horizon, cache)
            exogs.append(exog)
            calendars.append(calendar)
        return self._forecast_from(range(panel.n_series), panel.values, exogs, calendars, origins, horizon)

    @user_columns
    def predict(
        self, horizon: int | None = None, X: ExogInput = None, y: SeriesInput | None = None
    ) -> pd.Series | pd.DataFrame:
        """Point forecasts (medians) for the ``horizon`` steps after the end of the training series.

        Parameters
        ----------
        horizon : int, pandas Series, DataFrame or Index, or None, default=None
            Steps ahead (default: the ``horizon`` trained for). A pandas object
            (a later stretch of the fitted series, as scikit-learn's scorers pass
            their test fold) asks for forecasts at its time stamps, returned
            shaped like it; past a direct model's ``horizon`` they are forecast
            recursively in blocks of ``horizon`` steps
            (:mod:`rnnforecast.forecasting.scoring`).
        X : pandas DataFrame or None, default=None
            Future-known exogenous columns for the forecast time stamps (required
            when the model was fitted with such columns).
        y : pandas Series or DataFrame, or None, default=None
            New history to forecast from, without refitting (see :meth:`update`):
            later observations of the fitted series or series never seen in training.

        Returns
        -------
        forecast : pandas Series (one series), wide DataFrame (wide input) or long
            DataFrame ``unique_id, ds, forecast`` (long input), indexed by the future time stamps.
        """
        if y is not None:
            return self._with_history(y, X).predict(horizon, X)
        if isinstance(horizon, pd.Series | pd.DataFrame | pd.Index):
            check_is_fitted(self)
            if X is not None and not is_target_copy(horizon, X):
                raise ValueError("give either the time stamps to forecast or X, not both")
            return forecast_at(self, horizon)
        results = self._forecast(horizon, X)
        median = int(np.searchsorted(self.quantiles_, 0.5))
        return _output.point_frame(self, [(future, q[median]) for future, q, _, _ in results])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.requires_fit = True
        return tags
