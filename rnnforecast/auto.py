"""``AutoRNNForecaster``: the configuration chosen by validation inside ``fit``, and reported.

Every candidate configuration (cell, hidden size, lookback, season of the base)
is fitted on the same data, the candidates' networks side by side on the
``n_jobs`` threads (in one fleet on a GPU). Each fitted candidate forecasts the
most recent held-out windows, the ones every candidate's early stopping and
shrinkage set aside (the windows all candidates hold out, so they are scored on
the same origins); a candidate that resolves to an earlier one (``season_length=1``
where the base chooses season 1 anyway) is not fitted twice. The one with the
lowest mean absolute error of its final
(shrunk) median forecast is kept, as it was trained: no refit. The table of
candidates is ``candidates_``; the choice is ``best_params_`` and shows in
``summary()``.
"""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import NotFittedError

from ._typing import ExogInput, SeriesInput
from .forecaster import RNNForecaster, held_out_windows
from .forecasting.columns import user_columns
from .forecasting.shrinkage import seasonal_naive_windows
from .forecasting.summary import ForecasterSummary
from .nn.threads import thread_scope
from .nn.training import train_prepared

__all__ = ["AutoRNNForecaster", "DEFAULT_CANDIDATES"]

#: The candidates of ``candidates=None``: the default configuration, then one change each.
DEFAULT_CANDIDATES = (
    {},
    {"cell": "lstm"},
    {"hidden_size": 64},
    {"season_length": 1},
)


class AutoRNNForecaster(RNNForecaster):
    """An :class:`RNNForecaster` whose configuration is chosen by held-out validation inside ``fit``.

    Takes every parameter of :class:`RNNForecaster` (the base configuration)
    and ``candidates``: changes to try on top of it. ``fit`` trains one
    forecaster per candidate on the same data, scores each on the windows all
    of them held out (the most recent ones, as early stopping holds them out),
    and becomes the best one, as it was trained. Use it wherever an
    ``RNNForecaster`` goes (``predict``, intervals, ``backtest``, pipelines).

    All parameters but ``candidates`` are :class:`RNNForecaster`'s: the base
    configuration, which needs ``early_stopping=True`` (held-out windows) and
    ``scope="global"``.

    Parameters
    ----------
    <RNNForecaster parameters>
    candidates : list of dict or None, default=None
        Parameter changes to try, each a dict of :class:`RNNForecaster`
        parameters (``{}`` is the base configuration itself). ``None`` tries
        :data:`DEFAULT_CANDIDATES`: the base, an LSTM, 64 hidden units, and the
        naive (season 1) base instead of the chosen season.

    Attributes
    ----------
    best_params_ : dict
        The chosen candidate's changes.
    best_index_ : int
        Its position in the candidates.
    candidates_ : list of dict
        Per candidate: ``params``, ``mae`` (held-out mean absolute error of the
        median forecast), ``relative_mae`` (that over the naive, last-value
        forecast's on the same windows), ``n_iter``, ``n_windows`` scored, and
        ``same_as``: the earlier candidate it resolves to (a season or lookback
        that ``None`` would choose anyway), which is not fitted twice, or None.
    Every fitted attribute of :class:`RNNForecaster`, from the chosen candidate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from rnnforecast import AutoRNNForecaster
    >>> t = np.arange(400)
    >>> y = pd.Series(np.sin(2 * np.pi * t / 24) + 0.01 * t, index=pd.date_range("2024", periods=400, freq="h"))
    >>> auto = AutoRNNForecaster(horizon=6, n_steps=48, hidden_size=8, max_iter=5, random_state=0,
    ...                          candidates=[{}, {"cell": "lstm"}]).fit(y)
    >>> auto.best_params_ in ({}, {"cell": "lstm"}), len(auto.candidates_)
    (True, 2)
    """

    _parameter_constraints: dict = {**RNNForecaster._parameter_constraints, "candidates": [list, tuple, None]}

    def __init__(self, horizon=1, n_steps=None, *, candidates=None, **params):
        super().__init__(horizon, n_steps, **params)
        self.candidates = candidates

    def _candidate_list(self):
        candidates = DEFAULT_CANDIDATES if self.candidates is None else self.candidates
        names = set(RNNForecaster._get_param_names())
        if not candidates:
            raise ValueError("candidates is empty; give at least one dict of parameter changes, e.g. [{}]")
        for change in candidates:
            if not isinstance(change, dict):
                raise ValueError(f"each candidate must be a dict of RNNForecaster parameters, got {change!r}")
            unknown = sorted(set(change) - names)
            if unknown:
                raise ValueError(f"candidate {change} sets {unknown}, which are not RNNForecaster parameters")
        return [dict(change) for change in candidates]

    @_fit_context(prefer_skip_nested_validation=True)
    @user_columns
    def fit(self, y: SeriesInput, X: ExogInput = None) -> AutoRNNForecaster:
        """Fit every candidate on ``y`` (and ``X``) and keep the one that forecasts the held-out windows best.

        Parameters
        ----------
        y : pandas Series, wide DataFrame or long DataFrame
            As for :meth:`RNNForecaster.fit`.
        X : pandas DataFrame or None
            As for :meth:`RNNForecaster.fit`.

        Returns
        -------
        self : AutoRNNForecaster
        """
        if self.scope != "global" or not self.early_stopping:
            raise ValueError(
                "AutoRNNForecaster chooses on held-out windows: it needs scope='global' and early_stopping=True"
            )
        changes = self._candidate_list()
        base = {name: getattr(self, name) for name in RNNForecaster._get_param_names()}
        models = [RNNForecaster(**{**base, **change}) for change in changes]
        prepared, first_of = [], {}  # a candidate that resolves to an earlier one's configuration is not refitted
        for model in models:
            model._validate_params()
            prepared.append(model._prepare_training(y, X))
            first_of.setdefault(_resolved(model), len(prepared) - 1)
        same_as = [first_of[_resolved(model)] for model in models]
        unique = sorted(set(same_as))
        with thread_scope(self.n_jobs):
            results = dict(zip(unique, train_prepared([prepared[i] for i in unique]), strict=True))
        windows = _common_windows([held_out_windows(prepared[i].state) for i in unique])
        scores = {}
        for i in unique:
            models[i]._complete_training(prepared[i], results[i])
            scores[i] = _held_out_errors(models[i], prepared[i].state.store, *windows)
        self.candidates_ = []
        for i, change in enumerate(changes):
            mae, naive_mae, n_windows = scores[same_as[i]]
            self.candidates_.append(
                {
                    "params": change,
                    "mae": mae,
                    "relative_mae": mae / naive_mae if naive_mae > 0 else np.nan,
                    "n_iter": models[same_as[i]].n_iter_,
                    "n_windows": n_windows,
                    "same_as": None if same_as[i] == i else same_as[i],
                }  # fmt: skip
            )
        self.best_index_ = int(np.argmin([row["mae"] for row in self.candidates_]))
        self.best_params_ = changes[self.best_index_]
        chosen = models[same_as[self.best_index_]]
        own = set(self.get_params(deep=False))
        self.__dict__.update({key: value for key, value in vars(chosen).items() if key not in own})
        return self

    def summary(self) -> ForecasterSummary:
        """:meth:`RNNForecaster.summary` of the chosen candidate, with the choice and the candidates' scores.

        Returns
        -------
        summary : ForecasterSummary
        """
        if not hasattr(self, "best_params_"):
            raise NotFittedError("this AutoRNNForecaster is not fitted yet; call fit first")
        rows = super().summary()
        scores = ", ".join(f"{_describe(row['params'])} {row['relative_mae']:.3f}" for row in self.candidates_)
        rows["chosen"] = f"{_describe(self.best_params_)} (held-out MAE / naive MAE: {scores})"
        return rows


# scikit-learn reads an estimator's parameters from its __init__ signature: show the full one
# (RNNForecaster's keywords and ``candidates``), not ``**params``.
_signature = inspect.signature(RNNForecaster.__init__)
AutoRNNForecaster.__init__.__signature__ = _signature.replace(
    parameters=[
        *_signature.parameters.values(),
        inspect.Parameter("candidates", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
)


def _inherited_parameters():
    """The Parameters entries of :class:`RNNForecaster`'s docstring (the base configuration's)."""
    doc = RNNForecaster.__doc__
    start = doc.index("----------\n", doc.index("    Parameters\n")) + len("----------\n")
    return doc[start : doc.index("\n    Attributes\n")].rstrip("\n") + "\n"


_PLACEHOLDER = "    <RNNForecaster parameters>\n"
AutoRNNForecaster.__doc__ = AutoRNNForecaster.__doc__.replace(_PLACEHOLDER, _inherited_parameters())


def _resolved(model):
    """A prepared candidate's configuration once ``None`` choices (season, lookback) are resolved."""
    params = {**model.get_params(), "season_length": model.season_length_, "n_steps": model.n_steps_}
    return repr(sorted(params.items()))


def _describe(change):
    return "base" if not change else ", ".join(f"{k}={v!r}" for k, v in change.items())


def _common_windows(windows):
    """The (series, origin) windows every candidate held out."""
    keys = [set(zip(series.tolist(), origins.tolist(), strict=True)) for series, origins in windows]
    common = sorted(set.intersection(*keys))
    if not common:
        raise ValueError("the candidates hold out no common window; lengthen the series or raise validation_fraction")
    series, origins = (np.array(column, dtype=np.intp) for column in zip(*common, strict=True))
    return series, origins


def _held_out_errors(model, store, series, origins):
    """Mean absolute error of ``model``'s final median forecast, and of the naive one, on the windows."""
    horizon = model.horizon
    keep = origins + horizon < store.lengths[series]
    series, origins = series[keep], origins[keep]
    if not len(origins):
        raise ValueError("no held-out window has a full horizon of actuals; lengthen the series")
    forecasts, _ = model._quantile_forecasts(store, series, origins, horizon)
    median = forecasts[:, int(np.searchsorted(model.quantiles_, 0.5))]
    actual = store.ahead(series, origins, horizon)
    naive = seasonal_naive_windows(store.past(series, origins), horizon, 1)
    ok = np.isfinite(actual)
    return float(np.abs(median - actual)[ok].mean()), float(np.abs(naive - actual)[ok].mean()), int(len(origins))
