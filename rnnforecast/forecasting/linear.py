"""A linear correction of the seasonal-naive base: the second expert beside the network.

The network forecasts a correction to the seasonal-naive base from the
window it sees. A ridge regression of the same correction on the same window
(relative to its last value, in units of its normalisation scale, with the
calendar cycles longer than the season that the network sees too) is a much
weaker model, but it has no seed, needs a few hundred windows rather than
thousands, and captures what is linear in the window: the persistence of a
weather anomaly, this week's level against last week's on a load curve. On
the wide protocol it beat the network on its own on several series (half-hourly
load, hourly temperature; ``benchmarks/RESULTS.md``), and lost to it on others
(daily temperature). So the forecaster fits both on the training windows and
lets the held-out windows weigh them, step by step
(:func:`rnnforecast.forecasting.shrinkage.choose_weights`)::

    forecast_k = naive_k + w_k * network correction_k + v_k * linear correction_k.

The same ridge (:func:`ridge_coefficients`) is the proxy that
:mod:`rnnforecast.forecasting.predictability` fits over the whole history.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RIDGE", "MAX_LINEAR_WINDOWS", "window_features", "ridge_coefficients", "fit_linear", "linear_correction"]

#: Ridge penalty per training window (features are in units of the window's scale).
RIDGE = 0.01
#: Training windows the linear correction is fitted on, at most (evenly spaced): bounds its cost on long panels.
MAX_LINEAR_WINDOWS = 6000


def window_features(raw, scales, calendar=None):
    """Regressors of each window: its values relative to the last one, in scale units, calendar columns and a 1.

    Parameters
    ----------
    raw : ndarray of shape (n_windows, n_steps)
        The observations before each origin.
    scales : ndarray of shape (n_windows,)
        Each window's normalisation scale (positive).
    calendar : ndarray of shape (n_windows, n_calendar) or None, default=None
        Calendar features of the first forecast step
        (:func:`~rnnforecast.forecasting.calendar.long_cycles`); None for none.

    Returns
    -------
    features : ndarray of shape (n_windows, n_steps + n_calendar + 1)

    Examples
    --------
    >>> import numpy as np
    >>> window_features(np.array([[1.0, 3.0, 5.0]]), np.array([2.0])).tolist()
    [[-2.0, -1.0, 0.0, 1.0]]
    >>> window_features(np.array([[1.0, 3.0, 5.0]]), np.array([2.0]), np.array([[0.5]])).tolist()
    [[-2.0, -1.0, 0.0, 0.5, 1.0]]
    """
    raw = np.asarray(raw, dtype=np.float64)
    relative = (raw - raw[:, -1:]) / np.asarray(scales, dtype=np.float64)[:, None]
    columns = [relative] if calendar is None else [relative, np.asarray(calendar, dtype=np.float64)]
    return np.column_stack([*columns, np.ones(len(raw))])


def ridge_coefficients(features, targets, ridge=RIDGE):
    """Ridge regression of ``targets`` on ``features``, the last feature (the constant) unpenalised.

    Parameters
    ----------
    features : ndarray of shape (n_windows, n_features)
        Regressors; the last column is the constant.
    targets : ndarray of shape (n_windows, n_targets)
    ridge : float, default=RIDGE
        Penalty per window on every coefficient but the constant's.

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets) or None
        None when the system is singular.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.column_stack([np.arange(10.0), np.ones(10)])
    >>> np.round(ridge_coefficients(x, 2 * x[:, :1] + 1, ridge=0.0).ravel(), 6).tolist()
    [2.0, 1.0]
    """
    penalty = ridge * len(features) * np.eye(features.shape[1])
    penalty[-1, -1] = 0.0  # the intercept (a drift) is not penalised
    try:
        return np.linalg.solve(features.T @ features + penalty, features.T @ targets)
    except np.linalg.LinAlgError:
        return None


def fit_linear(raw, naive, actual, scales, calendar=None):
    """The linear correction of the seasonal-naive base fitted on training windows.

    Parameters
    ----------
    raw : ndarray of shape (n_windows, n_steps)
        The observations before each window's origin.
    naive : ndarray of shape (n_windows, horizon)
        Seasonal-naive forecasts of the windows.
    actual : ndarray of shape (n_windows, horizon)
        What followed each origin (windows with a missing value anywhere are left out).
    scales : ndarray of shape (n_windows,)
        Normalisation scale of each window.
    calendar : ndarray of shape (n_windows, n_calendar) or None, default=None
        Calendar regressors of each window (:func:`window_features`).

    Returns
    -------
    coef : ndarray of shape (n_steps + n_calendar + 1, horizon) or None
        In scale units (see :func:`linear_correction`); None when fewer windows
        than twice the regressors are complete, or the fit is singular.
    """
    features = window_features(raw, scales, calendar)
    targets = (np.asarray(actual, dtype=np.float64) - naive) / np.asarray(scales, dtype=np.float64)[:, None]
    complete = np.isfinite(features).all(axis=1) & np.isfinite(targets).all(axis=1)
    if complete.sum() < 2 * features.shape[1]:
        return None
    return ridge_coefficients(features[complete], targets[complete])


def linear_correction(coef, raw, scales, horizon, calendar=None):
    """The linear correction of windows ``raw`` in data units; 0 past the fitted steps and for incomplete windows.

    Parameters
    ----------
    coef : ndarray of shape (n_steps + n_calendar + 1, n_fitted)
        From :func:`fit_linear`.
    raw : ndarray of shape (n_windows, n_steps)
        The observations before each origin.
    scales : ndarray of shape (n_windows,)
        Normalisation scale of each window.
    horizon : int
        Steps to correct.
    calendar : ndarray of shape (n_windows, n_calendar) or None, default=None
        The calendar regressors the coefficients were fitted with.

    Returns
    -------
    correction : ndarray of shape (n_windows, horizon)
        To add to the seasonal-naive forecast.

    Examples
    --------
    >>> import numpy as np
    >>> coef = np.array([[0.0], [0.0], [1.0]])  # one step: a constant drift of one scale unit
    >>> linear_correction(coef, np.array([[1.0, 2.0]]), np.array([0.5]), 2).tolist()
    [[0.5, 0.0]]
    """
    features = np.nan_to_num(window_features(raw, scales, calendar), nan=0.0, posinf=0.0, neginf=0.0)
    steps = min(horizon, coef.shape[1])
    correction = np.zeros((len(features), horizon))
    correction[:, :steps] = (features @ coef[:, :steps]) * np.asarray(scales, dtype=np.float64)[:, None]
    return correction
