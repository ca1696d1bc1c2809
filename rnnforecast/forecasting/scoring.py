"""Forecasts at the time stamps of a later stretch of the series: what scikit-learn's scorers need.

scikit-learn scores an estimator by calling ``estimator.predict(X_test)`` and
comparing the result with ``y_test``. For a forecaster the test fold *is* a
later stretch of the series, so :func:`forecast_at` forecasts exactly its time
stamps: from the end of the training data through the fold's last stamp, and
returns the values at the fold's stamps. Folds longer than a direct model's
``horizon`` are forecast recursively in blocks: each block of ``horizon`` steps
starts from the windows extended by the previous blocks' medians (a recursive
model forecasts step by step anyway).

With ``cross_val_score(model, y, y, scoring=...)`` (the series passed as both
``X`` and ``y``, as for any scikit-learn regressor), ``fit`` receives the
training fold twice; :func:`is_target_copy` recognises the copy so it is not
taken for exogenous columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import output as _output
from .panel import future_index

__all__ = ["is_target_copy", "median_path", "forecast_at", "stamps_between"]


def stamps_between(end, last, freq) -> pd.Index:
    """Time stamps after ``end`` up to and including ``last`` on the grid of ``freq`` (integers when None).

    Parameters
    ----------
    end, last : Timestamp or int
        The end of the training data and the last stamp wanted.
    freq : pandas offset or None
        The fitted frequency.

    Returns
    -------
    stamps : pandas Index
    """
    if freq is None:
        return pd.RangeIndex(end + 1, last + 1)
    return pd.date_range(end, last, freq=freq)[1:]


def is_target_copy(y, X) -> bool:
    """Whether ``X`` is the target ``y`` again (same type, index, columns and values).

    Parameters
    ----------
    y, X : pandas Series or DataFrame, or None
        The arguments of ``fit`` or ``score``.

    Returns
    -------
    bool
    """
    if X is None or y is None:
        return False
    if X is y:
        return True
    if type(X) is not type(y) or not isinstance(X, pd.Series | pd.DataFrame) or X.shape != y.shape:
        return False
    if not X.index.equals(y.index) or (isinstance(X, pd.DataFrame) and not X.columns.equals(y.columns)):
        return False
    try:
        return bool(np.array_equal(X.to_numpy(dtype=np.float64), y.to_numpy(dtype=np.float64), equal_nan=True))
    except (TypeError, ValueError):
        return False


def median_path(model, steps):
    """Median forecasts of the next ``steps`` steps of every fitted series, recursive in blocks past ``horizon``.

    Parameters
    ----------
    model : RNNForecaster
        Fitted.
    steps : int
        Steps after the end of the training data.

    Returns
    -------
    forecasts : list of (future index, ndarray (steps,))
        Per series, in the fitted order.
    """
    if model.scope_ == "local":
        return [path for local in model.local_models_.values() for path in median_path(local, steps)]
    median = int(np.searchsorted(model.quantiles_, 0.5))
    if model.strategy == "recursive" or steps <= model.horizon:
        return [(f.future, f.quantiles[median]) for f in model._forecast(steps, None)]
    if len(model.spec_.past_columns) or len(model.spec_.future_columns):
        raise ValueError(
            f"forecasting {steps} steps needs blocks beyond horizon={model.horizon}, which a model with exogenous "
            f"columns cannot do (their values past the data are unknown); refit with horizon={steps}"
        )
    paths = []
    for i, tail in enumerate(model._tails):
        values, index = tail.values, tail.index
        while len(values) - len(tail.values) < steps:
            block = min(model.horizon, steps - (len(values) - len(tail.values)))
            exog, calendar = model._padded(None, index, block)
            [(quantiles, _)] = model._forecast_from([i], [values], [exog], [calendar], [[len(values) - 1]], block)
            values = np.concatenate([values, quantiles[0, median]])
            index = index.append(future_index(index[-1], block, model.freq_))
        paths.append((index[len(tail.index) :], values[len(tail.values) :]))
    return paths


def forecast_at(model, stamps):
    """Median forecasts at the time stamps of ``stamps`` (a later stretch of the fitted series).

    Parameters
    ----------
    model : RNNForecaster
        Fitted on a Series or a wide DataFrame.
    stamps : pandas Series, DataFrame or Index
        The stretch to forecast: its index (or the Index itself) gives the time
        stamps, a DataFrame's columns the series.

    Returns
    -------
    forecast : pandas Series or DataFrame
        Shaped like ``stamps`` (a Series for a Series or an Index) with its index.
    """
    if model.layout_ == "long":
        raise ValueError("forecasts at given time stamps need y as a Series or wide DataFrame; use backtest for long")
    index = stamps if isinstance(stamps, pd.Index) else stamps.index
    if not len(index):
        raise ValueError("there are no time stamps to forecast")
    end = model._training_end()
    last = index.max()
    if not last > end:
        raise ValueError(f"the time stamps to forecast must follow the end of the training data ({end})")
    steps = len(stamps_between(end, last, model.freq_))
    table = _output.point_frame(model, median_path(model, steps))
    table = table.to_frame() if isinstance(table, pd.Series) else table
    if isinstance(stamps, pd.DataFrame) and model.layout_ == "wide":
        unknown = [c for c in stamps.columns if c not in table.columns]
        if unknown:
            raise ValueError(f"the model was not fitted on the series {unknown}")
        table = table[list(stamps.columns)]
    elif table.shape[1] != 1 or (isinstance(stamps, pd.DataFrame) and stamps.shape[1] != 1):
        raise ValueError("give one column per fitted series: the model was fitted on a different layout")
    table = table.reindex(index)
    if table.isna().to_numpy().any():
        raise ValueError(
            "some time stamps are not on the model's forecast grid (they precede the end of the training data "
            f"or fall between its {getattr(model.freq_, 'freqstr', 'integer')} steps); to forecast from the end of "
            "new observations, use "
            "predict(horizon, y=new_history)"
        )
    if isinstance(stamps, pd.DataFrame):
        return table
    return table.iloc[:, 0].rename(stamps.name if isinstance(stamps, pd.Series) else model.name_)
