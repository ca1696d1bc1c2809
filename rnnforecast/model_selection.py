"""Rolling-origin backtests of a forecaster, with a seasonal-naive baseline."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from ._typing import ExogInput, SeriesInput
from .forecaster import RNNForecaster
from .forecasting.columns import check_columns, to_internal
from .forecasting.local import fit_together, split_series
from .forecasting.panel import LONG_COLUMNS, _to_wide, long_times, to_panel
from .forecasting.uncertainty import extend_width
from .metrics import coverage, default_season_length, mae, mase, rmse, seasonal_naive, smape, summarize
from .nn.device import resolve_device
from .nn.progress import TaskProgress, task_verbosity
from .nn.threads import thread_scope
from .nn.training import train_prepared
from .regressor import RNNRegressor

__all__ = ["backtest", "BacktestResult", "cutoffs", "fit_many", "forecast_scorer"]

_COLUMN_PARAMETERS = ("id_col", "time_col", "target_col")


@dataclass
class BacktestResult:
    """Forecasts and metrics of a rolling-origin backtest.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        See Attributes.
    metrics : pandas.DataFrame
        See Attributes.
    season_length : int
        See Attributes.
    fit_seconds : float
        See Attributes.
    columns : tuple of str, default=("unique_id", "ds", "y")
        See Attributes.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per series, window and forecast step: ``unique_id, window,
        cutoff, ds, step, y`` (actual; NaN where unobserved), ``forecast,
        lower, upper`` and ``naive`` (seasonal naive).
    metrics : pandas.DataFrame
        One row per series, window and model (``"rnn"``, ``"seasonal_naive"``):
        ``mae, rmse, smape, mase, coverage``.
    season_length : int
        Season of the naive baseline and of the MASE scale.
    fit_seconds : float
        Time spent fitting.
    columns : tuple of str
        Names of the series, time and observation columns of ``forecasts``
        (the forecaster's ``id_col, time_col, target_col``).
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    season_length: int
    fit_seconds: float
    columns: tuple = LONG_COLUMNS

    def renamed(self, columns: tuple[str, str, str]) -> BacktestResult:
        """The same result with the series, time and observation columns named ``columns`` (id, time, target).

        Parameters
        ----------
        columns : tuple of str
            ``(id_col, time_col, target_col)``.

        Returns
        -------
        result : BacktestResult
        """
        mapping = dict(zip(self.columns, columns, strict=True))
        return BacktestResult(
            self.forecasts.rename(columns=mapping),
            self.metrics.rename(columns=mapping),
            self.season_length,
            self.fit_seconds,
            tuple(columns),
        )

    def summary(self, by: str = "model") -> pd.DataFrame:
        """Mean metrics over the windows, pooled per model or per series and model.

        Parameters
        ----------
        by : {"model", "series"}, default="model"
            ``"model"``: one row per model over every series and window. With
            several series the rows keep only the scale-free metrics (MASE,
            sMAPE, coverage): an MAE averaged over series in different units
            means nothing, so MASE is the pooled figure. ``"series"``: one row
            per series and model (index ``unique_id, model``), with every metric.

        Returns
        -------
        summary : pandas DataFrame
        """
        if by == "series":
            return summarize(self.metrics, [self.columns[0], "model"])
        if by != "model":
            raise ValueError(f"by must be 'model' or 'series', got {by!r}")
        pooled = summarize(self.metrics, "model")
        if self.metrics[self.columns[0]].nunique() > 1:
            pooled = pooled.drop(columns=[c for c in ("mae", "rmse") if c in pooled.columns])
        return pooled


def cutoffs(n_observations: int, horizon: int, n_windows: int, step: int) -> np.ndarray:
    """Positions of the last observation before each window; the last window ends at the last observation.

    Parameters
    ----------
    n_observations : int
        Length of the series.
    horizon : int
        Steps per window.
    n_windows : int
        Number of windows.
    step : int
        Steps between consecutive cutoffs.

    Returns
    -------
    positions : ndarray of shape (n_windows,)

    Examples
    --------
    >>> cutoffs(100, horizon=10, n_windows=3, step=10).tolist()
    [69, 79, 89]
    """
    last = n_observations - 1 - horizon
    positions = last - step * np.arange(n_windows - 1, -1, -1)
    if positions[0] < 1:
        raise ValueError(
            f"{n_windows} windows of horizon {horizon} every {step} steps need more than "
            f"{horizon + step * (n_windows - 1) + 1} observations; the series has {n_observations}"
        )
    return positions


def _truncate(y, X, cutoff, layout):
    """The user's ``y`` (and ``X``) up to and including time ``cutoff``, in their own layout."""
    if layout == "long":
        unique_id, ds, _ = LONG_COLUMNS
        times = long_times(y[ds])
        return y[times <= cutoff]
    if isinstance(y, pd.Series | pd.DataFrame):
        return y.loc[:cutoff]
    return np.asarray(y)[: cutoff + 1]


def _refit_every(refit) -> int | float:
    if refit is True:
        return 1
    if refit is False:
        return np.inf
    if isinstance(refit, Integral) and refit >= 1:
        return int(refit)
    raise ValueError(f"refit must be True, False or a positive integer (refit every k windows), got {refit!r}")


def backtest(
    forecaster: RNNForecaster,
    y: SeriesInput,
    X: ExogInput = None,
    *,
    horizon: int | None = None,
    n_windows: int = 5,
    step: int | None = None,
    refit: bool | int = True,
    coverage_level: float = 0.9,
    interval_method: str | None = None,
    season_length: int | None = None,
    n_jobs: int | None = None,
) -> BacktestResult:
    """Rolling-origin evaluation: fit up to each cutoff, forecast the next ``horizon`` steps, score.

    Parameters
    ----------
    forecaster : RNNForecaster
        Cloned for every refit; the object passed in is not modified.
    y : pandas Series or DataFrame
        As in :meth:`RNNForecaster.fit`; the whole history (the windows are its end).
    X : pandas DataFrame or None, default=None
        Exogenous columns, as in :meth:`RNNForecaster.fit`, over the whole history.
    horizon : int or None
        Steps per window (default: the forecaster's ``horizon``).
    n_windows : int, default=5
        Forecast windows (origins), the last one ending at the last observation.
    step : int or None
        Steps between consecutive cutoffs (default: ``horizon``, so windows tile).
    refit : bool or int, default=True
        ``True``: refit at every cutoff. ``False``: fit once, at the first cutoff,
        and forecast every window from that model (all origins in one batched
        forward pass). ``k``: refit every ``k`` windows.
    coverage_level : float, default=0.9
        Nominal coverage of the reported intervals.
    interval_method : {"conformal", "quantile"} or None
        Default: the forecaster's ``interval_method``.
    season_length : int or None
        Season of the naive baseline and of the MASE scale (default by frequency,
        see :func:`rnnforecast.metrics.default_season_length`).
    n_jobs : int or None
        joblib workers for the independent fits: one per refit block, and one per
        series for a ``scope="local"`` forecaster. Under
        ``joblib.parallel_config(backend="dask")`` they run on a dask cluster.
        Results do not depend on it. With ``device="cuda"`` the refits instead
        train together on the GPU, in one fleet (see ``RNNForecaster``'s
        ``device``), and ``n_jobs`` is not used for them.

    Returns
    -------
    result : BacktestResult
    """
    defaults = zip(_COLUMN_PARAMETERS, LONG_COLUMNS, strict=True)
    columns = check_columns(tuple(getattr(forecaster, name, default) for name, default in defaults))
    if columns != LONG_COLUMNS:  # run on the internal names, give the frames back in the user's
        internal = clone(forecaster).set_params(**dict(zip(_COLUMN_PARAMETERS, LONG_COLUMNS, strict=True)))
        options = dict(horizon=horizon, n_windows=n_windows, step=step, refit=refit, coverage_level=coverage_level,
                       interval_method=interval_method, season_length=season_length, n_jobs=n_jobs)  # fmt: skip
        result = backtest(internal, to_internal(y, columns), to_internal(X, columns), **options)
        return result.renamed(columns)
    horizon = forecaster.horizon if horizon is None else horizon
    if not isinstance(horizon, Integral) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
    if not isinstance(n_windows, Integral) or n_windows < 1:
        raise ValueError(f"n_windows must be a positive integer, got {n_windows!r}")
    step = horizon if step is None else step
    if not isinstance(step, Integral) or step < 1:
        raise ValueError(f"step must be a positive integer, got {step!r}")
    if not (isinstance(coverage_level, Real) and 0 < coverage_level < 1):
        raise ValueError(f"coverage_level must lie strictly between 0 and 1, got {coverage_level!r}")
    every = _refit_every(refit)
    panel = to_panel(y, X, freq=forecaster.freq, missing=forecaster.missing)
    observed = _observed(y, panel)
    grid = max(panel.index, key=len)
    positions = cutoffs(len(grid), horizon, n_windows, step)
    season = default_season_length(panel.freq) if season_length is None else int(season_length)

    if getattr(forecaster, "scope", "global") == "local":
        return _backtest_local(
            forecaster,
            y,
            X,
            panel,
            dict(
                horizon=horizon,
                n_windows=n_windows,
                step=step,
                refit=refit,
                coverage_level=coverage_level,
                interval_method=interval_method,
                season_length=season,
            ),
            n_jobs,
        )
    block_size = n_windows if every == np.inf else int(every)
    blocks = [list(range(start, min(n_windows, start + block_size))) for start in range(0, n_windows, block_size)]
    shared = (panel, observed, grid, positions)
    if resolve_device(forecaster.device) == "cuda" and len(blocks) > 1:
        # Every refit's network trains in one fleet on the GPU, then each block forecasts its windows.
        started = time.perf_counter()
        parts = [(None, _truncate(y, X, grid[positions[windows[0]]], panel.layout), X) for windows in blocks]
        models = fit_together([clone(forecaster) for _ in blocks], parts)
        seconds = (time.perf_counter() - started) / len(blocks)
        outputs = [
            (_forecast_block(model, *shared, windows, horizon, interval_method, coverage_level, season), seconds)
            for model, windows in zip(models, blocks, strict=True)
        ]
    else:
        outer, inner = task_verbosity(forecaster.verbose, len(blocks))
        runner = clone(forecaster).set_params(verbose=inner)
        tasks = (
            delayed(_run_block)(runner, y, X, *shared, windows, horizon, interval_method, coverage_level, season)
            for windows in blocks
        )
        with TaskProgress(len(blocks), outer, "backtest refits") as progress:
            outputs = list(progress.iterate(Parallel(n_jobs=n_jobs, return_as="generator")(tasks)))
    forecasts = pd.DataFrame([row for rows, _ in outputs for row in rows])
    metrics = _metrics(forecasts, panel, observed, season)
    return BacktestResult(forecasts, metrics, season, sum(seconds for _, seconds in outputs))


def _run_block(forecaster, y, X, panel, observed, grid, positions, window_ids, horizon, interval_method, level, season):
    """Fit at the first cutoff of ``window_ids`` and forecast all of them: (rows, fit seconds)."""
    cutoff_time = grid[positions[window_ids[0]]]
    model = clone(forecaster)
    started = time.perf_counter()
    model.fit(_truncate(y, X, cutoff_time, panel.layout), X)
    seconds = time.perf_counter() - started
    rows = _forecast_block(model, panel, observed, grid, positions, window_ids, horizon, interval_method, level, season)
    return rows, seconds


def _forecast_block(model, panel, observed, grid, positions, window_ids, horizon, interval_method, level, season):
    """Forecast the windows ``window_ids`` from ``model`` (fitted at the first one's cutoff): the forecast rows."""
    width = None
    method = model.resolve_interval_method(interval_method)
    if method == "conformal":
        width = extend_width(model.conformal_width(level), horizon)
    # (window, position of its cutoff) per series; a series without data at a cutoff skips that window.
    origins = [
        [(w, index.get_loc(grid[positions[w]])) for w in window_ids if grid[positions[w]] in index]
        for index in panel.index
    ]
    forecasts = model._forecast_origins(panel, [[p for _, p in pairs] for pairs in origins], horizon)
    return _window_rows(model, panel, observed, origins, forecasts, horizon, width, level, season)


def _backtest_local(forecaster, y, X, panel, options, n_jobs):
    """A local forecaster's backtest: each series on its own, as parallel joblib tasks."""
    parts = split_series(y, X, panel.layout, panel.ids)
    outer, inner = task_verbosity(forecaster.verbose, len(parts))
    single = clone(forecaster).set_params(scope="global", n_jobs=1, verbose=inner)
    tasks = (delayed(backtest)(single, series, exog, **options) for _, series, exog in parts)
    with TaskProgress(len(parts), outer, "series backtested") as progress:
        generator = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
        results = list(progress.iterate(generator, [key for key, _, _ in parts]))
    return BacktestResult(
        pd.concat([r.forecasts for r in results], ignore_index=True),
        pd.concat([r.metrics for r in results], ignore_index=True),
        options["season_length"],
        sum(r.fit_seconds for r in results),
    )


def _observed(y, panel):
    """Actual values on each series' grid, NaN where the user's data had no observation (never interpolated)."""
    wide, _, _ = _to_wide(y)
    return [wide[key].reindex(panel.index[i]).to_numpy(dtype=np.float64) for i, key in enumerate(panel.ids)]


def _window_rows(model, panel, observed, origins, forecasts, horizon, width, level, season):
    median = int(np.searchsorted(model.quantiles_, 0.5))
    low_q, high_q = (1 - level) / 2, (1 + level) / 2
    rows = []
    for i, key in enumerate(panel.ids):
        quantiles, scales = forecasts[i]
        index = panel.index[i]
        for j, (window, origin) in enumerate(origins[i]):
            point = quantiles[j, median]
            if width is not None:
                lower, upper = model.floor(point - width * scales[j]), point + width * scales[j]
            else:
                lower = np.array([np.interp(low_q, model.quantiles_, quantiles[j, :, k]) for k in range(horizon)])
                upper = np.array([np.interp(high_q, model.quantiles_, quantiles[j, :, k]) for k in range(horizon)])
            naive = seasonal_naive(panel.values[i][: origin + 1], horizon, season)
            for k in range(horizon):
                rows.append(
                    {
                        "unique_id": key,
                        "window": window,
                        "cutoff": index[origin],
                        "ds": index[origin + 1 + k],
                        "step": k + 1,
                        "y": observed[i][origin + 1 + k],
                        "forecast": point[k],
                        "lower": lower[k],
                        "upper": upper[k],
                        "naive": naive[k],
                    }
                )
    return rows


def _metrics(forecasts, panel, observed, season):
    records = []
    positions = {key: i for i, key in enumerate(panel.ids)}
    for (key, window), part in forecasts.groupby(["unique_id", "window"], sort=False):
        i = positions[key]
        origin = panel.index[i].get_loc(part["cutoff"].iloc[0])
        history = panel.values[i][: origin + 1]
        for model_name, column in (("rnn", "forecast"), ("seasonal_naive", "naive")):
            record = {"unique_id": key, "window": window, "cutoff": part["cutoff"].iloc[0], "model": model_name}
            record.update(
                mae=mae(part["y"], part[column]),
                rmse=rmse(part["y"], part[column]),
                smape=smape(part["y"], part[column]),
                mase=mase(part["y"], part[column], history, season),
                coverage=coverage(part["y"], part["lower"], part["upper"]) if model_name == "rnn" else np.nan,
            )
            records.append(record)
    return pd.DataFrame(records)


def fit_many(estimators: Sequence, *args, **kwargs) -> list:
    """Fit clones of several estimators on the same data; on CUDA their networks train together.

    Meant for model selection on a GPU: the candidates of a grid (learning
    rates, weight decays, seeds, ...) or repeated seeds of one configuration.
    Estimators on ``device="cuda"`` whose networks share a shape, loss, batch
    size and epoch budget train in one fleet (see the README's GPU section);
    the others train one after the other. Each result equals that estimator's
    own ``fit``.

    Parameters
    ----------
    estimators : sequence of RNNRegressor, or sequence of RNNForecaster
        Not modified: clones are fitted.
    *args, **kwargs
        The arguments of the estimators' ``fit``: ``X, y[, sample_weight]`` for
        regressors, ``y[, X]`` for forecasters.

    Returns
    -------
    fitted : list
        The fitted clones, in the order of ``estimators``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import clone
    >>> from sklearn.model_selection import ParameterGrid
    >>> from rnnforecast import RNNRegressor
    >>> from rnnforecast.model_selection import fit_many
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 12)), rng.normal(size=64)
    >>> base = RNNRegressor(cell="gru", hidden_size=8, n_steps=12, max_iter=2, random_state=0)
    >>> grid = ParameterGrid({"learning_rate_init": [1e-3, 1e-2], "weight_decay": [0.0, 1e-4]})
    >>> models = fit_many([clone(base).set_params(**params) for params in grid], X, y)
    >>> len(models), [model.n_iter_ for model in models]
    (4, [2, 2, 2, 2])
    """
    models = [clone(estimator) for estimator in estimators]
    if not models:
        return []
    kinds = {type(model) for model in models}
    if len(kinds) > 1 or not issubclass(kinds.pop(), (RNNRegressor, RNNForecaster)):
        raise TypeError("fit_many takes RNNRegressor or RNNForecaster estimators, all of one kind")
    if isinstance(models[0], RNNForecaster):
        y, X = _bind(("y", "X"), args, kwargs, defaults={"X": None})
        together = [m for m in models if m.scope == "global" and resolve_device(m.device) == "cuda"]
        for model in models:
            if model not in together:
                model.fit(y, X)
        fit_together(together, [(None, y, X)] * len(together))  # validates each model's parameters
        return models
    X, y, sample_weight = _bind(("X", "y", "sample_weight"), args, kwargs, defaults={"sample_weight": None})
    prepared = []
    for model in models:
        model._validate_params()
        prepared.append(model._prepare_training(X, y, sample_weight))
    with thread_scope(models[0].n_jobs):
        results = train_prepared(prepared)
    for model, fit, fit_results in zip(models, prepared, results, strict=True):
        model._complete_training(fit, fit_results)
    return models


def _bind(names, args, kwargs, defaults):
    """``args``/``kwargs`` as the values of ``names`` (a ``fit`` signature), with ``defaults``."""
    if len(args) > len(names):
        raise TypeError(f"fit takes at most {len(names)} data arguments ({', '.join(names)}), got {len(args)}")
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name not in names or name in values:
            raise TypeError(f"unexpected or repeated argument {name!r}; fit takes {', '.join(names)}")
        values[name] = value
    values = {**defaults, **values}
    missing = [name for name in names if name not in values]
    if missing:
        raise TypeError(f"fit_many is missing {missing}")
    return [values[name] for name in names]


def forecast_scorer(scoring: str | Callable = "neg_mean_absolute_error") -> Callable:
    """A scikit-learn scorer that scores a forecaster on a test fold of the series itself.

    scikit-learn's string scorers need ``y_test``; with ``cross_val_score(model, y,
    cv=TimeSeriesSplit(...))`` (the series as ``X`` only) there is none, and
    scikit-learn would report NaN. This scorer takes the fold as the truth,
    forecasts its time stamps (:meth:`RNNForecaster.predict` with the fold) and
    applies ``scoring`` to them. Passing the series twice,
    ``cross_val_score(model, y, y, scoring="neg_mean_absolute_error")``, needs no
    wrapper.

    Parameters
    ----------
    scoring : str or callable, default="neg_mean_absolute_error"
        A scikit-learn scorer name (``"neg_root_mean_squared_error"``, ``"r2"``,
        ``"neg_mean_absolute_percentage_error"``, ...) or a scorer made by
        ``sklearn.metrics.make_scorer``.

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y=None)``
        For ``scoring=`` in ``cross_val_score``, ``cross_validate``,
        ``GridSearchCV`` and ``RandomizedSearchCV``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.model_selection import TimeSeriesSplit, cross_val_score
    >>> from rnnforecast import RNNForecaster
    >>> y = pd.Series(np.sin(np.arange(300) / 3), index=pd.date_range("2024-01-01", periods=300, freq="D"))
    >>> model = RNNForecaster(horizon=7, n_steps=14, hidden_size=4, max_iter=3, random_state=0)
    >>> scores = cross_val_score(model, y, cv=TimeSeriesSplit(3, test_size=7), scoring=forecast_scorer("r2"))
    >>> bool(np.isfinite(scores).all())
    True
    """
    from sklearn.metrics import get_scorer

    scorer = get_scorer(scoring)

    def score_forecast(estimator, X, y=None):
        truth = X if y is None else y
        return scorer(estimator, truth, truth)

    score_forecast.__name__ = f"forecast_scorer({scoring!r})"
    return score_forecast
