"""Quantiles, intervals and the sklearn score of a fitted forecaster (mixed into :class:`RNNForecaster`).

The mixin works through a small protocol of the forecaster: ``_forecast(horizon,
X)`` gives one :class:`SeriesForecast` per series (quantile forecasts, window
scale and the conformal scores that calibrate them), ``_check_horizon`` and
``_training_end`` validate horizons and scored data, and ``quantiles_``,
``strategy``, ``interval_method``, ``scope_``, ``conformal_scores_`` and
``layout_`` are its fitted settings. Conformal half-widths are a pure function
of the scores (:func:`conformal_width`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._typing import ArrayLike, ExogInput, SeriesInput
from . import output as _output
from .columns import user_columns
from .scoring import forecast_at, is_target_copy, stamps_between

__all__ = ["UncertaintyMixin", "SeriesForecast", "conformal_width", "extend_width"]


class SeriesForecast(NamedTuple):
    """One series' forecast from its last origin, in data units.

    Attributes
    ----------
    future : pandas.Index
        Time stamps of the forecast steps.
    quantiles : ndarray of shape (n_quantiles, horizon)
        Sorted quantile forecasts at the forecaster's ``quantiles_``.
    scale : float
        Normalisation scale of the forecast window (conformal widths are in its units).
    conformal_scores : ndarray of shape (n_calibration, horizon) or None
        Held-out absolute errors of the model that made the forecast.
    """

    future: pd.Index
    quantiles: np.ndarray
    scale: float
    conformal_scores: np.ndarray | None


def conformal_width(scores, coverage):
    """Half-width of split-conformal intervals per forecast step, in the units of ``scores``.

    The ``ceil((n + 1) * coverage) / n`` empirical quantile of the ``n``
    held-out absolute errors, step by step.

    Parameters
    ----------
    scores : ndarray of shape (n, horizon) or None
        Absolute errors on held-out windows (None: the model held none out).
    coverage : float
        Nominal coverage, strictly between 0 and 1.

    Returns
    -------
    width : ndarray of shape (horizon,)

    Examples
    --------
    >>> import numpy as np
    >>> conformal_width(np.arange(1.0, 21.0).reshape(20, 1), 0.9).tolist()
    [19.0]
    """
    if scores is None:
        raise ValueError("conformal intervals need held-out windows: fit with early_stopping=True")
    n = len(scores)
    rank = math.ceil((n + 1) * coverage)
    if rank > n:
        raise ValueError(
            f"{n} held-out windows cannot calibrate {coverage:.0%} intervals (need at least "
            f"{math.ceil(coverage / (1 - coverage))}); raise validation_fraction or use method='quantile'"
        )
    return np.sort(scores, axis=0)[rank - 1]


def extend_width(width, steps):
    """Widths for ``steps`` forecast steps: calibrated ones first, then grown like a random walk's errors.

    A recursive model forecasts further than the ``horizon`` its held-out
    windows calibrate; past the last calibrated step ``L`` the half-width grows
    as ``width[L] * sqrt(k / L)`` (the spread of a sum of ``k`` independent
    one-step errors), never shrinking.

    Parameters
    ----------
    width : ndarray of shape (L,)
        Calibrated half-widths.
    steps : int
        Steps to cover.

    Returns
    -------
    width : ndarray of shape (steps,)

    Examples
    --------
    >>> import numpy as np
    >>> extend_width(np.array([1.0, 2.0]), 8).round(3).tolist()
    [1.0, 2.0, 2.449, 2.828, 3.162, 3.464, 3.742, 4.0]
    """
    calibrated = len(width)
    if steps <= calibrated:
        return width[:steps]
    k = np.arange(calibrated + 1, steps + 1)
    return np.concatenate([width, width[-1] * np.sqrt(k / calibrated)])


class UncertaintyMixin:
    """``predict_quantiles``, ``predict_interval``, ``conformal_width`` and ``score``."""

    @user_columns
    def predict_quantiles(
        self, horizon: int | None = None, X: ExogInput = None, quantiles: ArrayLike | None = None,
        y: SeriesInput | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Quantile forecasts from the jointly trained quantile heads.

        With early stopping, a direct model's quantiles are conformalised on
        the held-out windows: each one's distance from the median is multiplied
        by the factor (``quantile_spread_``) that makes the held-out values
        fall inside at the nominal rate, after shrinkage.

        Parameters
        ----------
        horizon : int or None, default=None
            Steps ahead (default: the ``horizon`` trained for), as in :meth:`predict`.
        X : pandas DataFrame or None, default=None
            Future-known exogenous columns for the forecast steps, as in :meth:`predict`.
        quantiles : sequence of float or None
            Levels to return (default: the trained ones). Levels between trained
            ones are interpolated linearly; levels outside them raise ValueError.
        y : pandas Series or DataFrame, or None, default=None
            New history to forecast from without refitting, as in :meth:`predict`.

        Returns
        -------
        quantiles : pandas DataFrame
            One column per level (non-decreasing across columns), indexed by the
            future time stamps; for several series a long frame with ``unique_id, ds``.
        """
        if y is not None:
            return self._with_history(y, X).predict_quantiles(horizon, X, quantiles)
        self._require_quantile_heads()
        levels = self.quantiles_ if quantiles is None else np.asarray(quantiles, dtype=np.float64).ravel()
        levels = np.round(levels, 12)  # (1 - 0.9) / 2 is 0.04999999999999999
        if levels.min() < self.quantiles_[0] or levels.max() > self.quantiles_[-1]:
            raise ValueError(
                f"quantiles must lie within the trained levels [{self.quantiles_[0]}, {self.quantiles_[-1]}]; "
                "refit with those levels in quantiles=..."
            )
        tables = []
        for future, q, _, _ in self._forecast(horizon, X):
            table = np.stack([np.interp(levels, self.quantiles_, q[:, k]) for k in range(q.shape[1])])
            tables.append((future, table))
        return _output.quantile_frame(self, tables, levels)

    @user_columns
    def predict_interval(
        self, horizon: int | None = None, X: ExogInput = None, coverage: float = 0.9, method: str | None = None,
        y: SeriesInput | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Prediction intervals: median forecast with lower and upper bounds.

        Parameters
        ----------
        horizon : int or None, default=None
            Steps ahead (default: the ``horizon`` trained for), as in :meth:`predict`.
        X : pandas DataFrame or None, default=None
            Future-known exogenous columns for the forecast steps, as in :meth:`predict`.
        coverage : float, default=0.9
            Nominal probability that a future value falls inside its interval.
        method : {"conformal", "quantile"} or None
            Default: ``interval_method`` (``"conformal"`` for recursive models).
            ``"conformal"`` widens the median by the ``coverage`` quantile of the
            absolute errors on the held-out windows, per step (scaled by each
            window's normalisation); ``"quantile"`` uses the quantile heads at
            ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` (coverages the trained
            levels reach), their spread conformalised on the held-out windows
            (see :meth:`predict_quantiles`). A recursive model's conformal intervals cover any horizon:
            past the steps its held-out windows calibrate they widen like a random
            walk's errors (:func:`extend_width`).
        y : pandas Series or DataFrame, or None, default=None
            New history to forecast from without refitting, as in :meth:`predict`.

        Returns
        -------
        interval : pandas DataFrame with columns ``forecast, lower, upper``
            (long with ``unique_id, ds`` for several series).
        """
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must lie strictly between 0 and 1, got {coverage!r}")
        if y is not None:
            return self._with_history(y, X).predict_interval(horizon, X, coverage, method)
        method = self.resolve_interval_method(method)
        if method == "quantile":
            low, high = round((1 - coverage) / 2, 12), round((1 + coverage) / 2, 12)
            if low < self.quantiles_[0] or high > self.quantiles_[-1]:
                widest = min(0.5 - self.quantiles_[0], self.quantiles_[-1] - 0.5) * 2
                raise ValueError(
                    f"the quantile heads (levels {self.quantiles_[0]:g} to {self.quantiles_[-1]:g}) give intervals of "
                    f"coverage up to {widest:.2f}, not {coverage:g}: use method='conformal' (any coverage the held-out "
                    f"windows can calibrate) or refit with quantiles that include {low:g} and {high:g}"
                )
            levels = [(1 - coverage) / 2, 0.5, (1 + coverage) / 2]
            # The undecorated method: its frame keeps the internal unique_id, ds until this one returns.
            bounds = UncertaintyMixin.predict_quantiles.__wrapped__(self, horizon, X, quantiles=levels)
            return _output.interval_from_quantiles(bounds)
        steps = self._check_horizon(horizon)
        median = int(np.searchsorted(self.quantiles_, 0.5))
        rows = []
        for future, q, scale, scores in self._forecast(horizon, X):
            half = extend_width(conformal_width(scores, coverage), steps) * scale
            rows.append((future, np.stack([q[median], self.floor(q[median] - half), q[median] + half])))
        return _output.interval_frame(self, rows)

    def resolve_interval_method(self, method: str | None = None) -> str:
        """The interval method ``predict_interval(method=method)`` uses.

        ``None`` means ``interval_method``, except for recursive models, whose
        quantile heads are one-step only: they use ``"conformal"`` (and asking
        them for ``"quantile"`` raises ValueError).

        Parameters
        ----------
        method : {"conformal", "quantile"} or None, default=None
            The method asked for.

        Returns
        -------
        method : {"conformal", "quantile"}
        """
        if method is None:
            return "conformal" if self.strategy == "recursive" else self.interval_method
        if method not in ("conformal", "quantile"):
            raise ValueError(f"method must be 'conformal' or 'quantile', got {method!r}")
        if method == "quantile":
            self._require_quantile_heads()
        return method

    def conformal_width(self, coverage: float = 0.9) -> np.ndarray:
        """Half-width of the conformal interval per forecast step, in normalised units: ndarray (horizon,).

        The ``ceil((n + 1) * coverage) / n`` empirical quantile of the ``n``
        held-out absolute errors (split conformal prediction).

        Parameters
        ----------
        coverage : float, default=0.9
            Nominal coverage of the intervals.

        Returns
        -------
        width : ndarray of shape (horizon,)
        """
        check_is_fitted(self)
        if self.scope_ == "local":
            raise ValueError("a local forecaster has one calibration per series: see local_models_[series_id]")
        return conformal_width(self.conformal_scores_, coverage)

    @user_columns
    def score(self, y: SeriesInput, X: ExogInput = None) -> float:
        """Negative mean absolute error of the forecast of ``y``, the observations following the training data.

        This lets scikit-learn's model selection tune the forecaster: with
        ``GridSearchCV(forecaster, grid, cv=TimeSeriesSplit(test_size=horizon))``
        and ``search.fit(y)``, each candidate is fitted on a training fold and
        scored on the steps that follow it (higher is better). ``y`` must start
        within ``horizon`` steps of the end of the training data (a
        ``TimeSeriesSplit`` gap is fine); without ``X`` it may run past a direct
        model's ``horizon`` (forecast recursively in blocks, see
        :mod:`rnnforecast.forecasting.scoring`). ``score(y, y)`` (the fold passed
        twice, as ``cross_val_score(model, y, y)`` does) is ``score(y)``.

        Parameters
        ----------
        y : pandas Series or wide DataFrame
            Later observations of the fitted series (same layout as in ``fit``).
        X : pandas DataFrame or None
            Future-known exogenous rows covering the forecast steps.

        Returns
        -------
        score : float
            ``-MAE`` over every observed value of ``y``.
        """
        check_is_fitted(self)
        if self.layout_ == "long":
            raise ValueError("score needs y as a Series or wide DataFrame; use model_selection.backtest for long data")
        X = None if is_target_copy(y, X) else X
        frame = y.to_frame() if isinstance(y, pd.Series) else y
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise ValueError("score needs y as a non-empty pandas Series or DataFrame following the training data")
        last = frame.index[-1]
        end = self._training_end()
        horizon = len(stamps_between(end, last, self.freq_)) if last > end else 0
        if horizon < 1:
            raise ValueError("y must hold observations after the end of the training data")
        forecast = forecast_at(self, frame) if X is None else self.predict(horizon, X)
        forecast = forecast.to_frame() if isinstance(forecast, pd.Series) else forecast
        if self.layout_ == "wide":
            unknown = [c for c in frame.columns if c not in forecast.columns]
            if unknown:
                raise ValueError(f"y has series {unknown} that the model was not fitted on")
            forecast = forecast[list(frame.columns)]
        actual = frame.to_numpy(dtype=np.float64)
        predicted = forecast.reindex(frame.index).to_numpy(dtype=np.float64)
        if frame.shape[1] != forecast.shape[1]:
            raise ValueError(f"y has {frame.shape[1]} series but the model was fitted on {forecast.shape[1]}")
        keep = np.isfinite(actual)
        if not np.isfinite(predicted[keep]).all():
            raise ValueError("y's time stamps do not follow the training data on its frequency grid")
        return -float(np.mean(np.abs(actual[keep] - predicted[keep])))

    def _require_quantile_heads(self):
        check_is_fitted(self)
        if self.strategy == "recursive":
            raise ValueError(
                "quantile heads of a recursive model give one-step quantiles only; use "
                "predict_interval(method='conformal') or strategy='direct'"
            )
