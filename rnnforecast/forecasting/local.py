"""One model per series (``RNNForecaster(scope="local")``), fitted in parallel with joblib.

Every series becomes a single-series input in its own right (with its rows of
``X``), and a clone of the forecaster with ``scope="global"`` and one kernel
thread is fitted on it. The fits are independent joblib tasks, so
``joblib.parallel_config(backend="dask")`` (or Ray's backend) spreads them over a
cluster unchanged; each clone keeps the user's ``random_state``, so results do
not depend on where or in which order the tasks run.

With ``device="cuda"`` the per-series networks train together instead: every
clone prepares its windows, the jobs go to :func:`rnnforecast.nn.training.train_prepared`,
which trains same-shaped networks in one fused launch sequence (a fleet), and
every clone then calibrates its intervals. The models are the ones the separate
fits would give (same seeds, same shuffles), computed at once.
"""

from __future__ import annotations

import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from ..nn.device import resolve_device
from ..nn.progress import TaskProgress, task_verbosity
from ..nn.training import train_prepared
from .panel import LONG_COLUMNS, long_times, series_exog

__all__ = ["split_series", "fit_local", "fit_together", "forecast_local"]


def split_series(y, X, layout: str, ids: list) -> list:
    """``[(series id, y of that series as a Series, its X), ...]`` in the order of ``ids``."""
    unique_id, ds, value = LONG_COLUMNS
    parts = []
    for key in ids:
        if layout == "series":
            series = y if isinstance(y, pd.Series) else pd.Series(y, name=key)
        elif layout == "wide":
            series = y[key] if isinstance(y, pd.DataFrame) else pd.DataFrame(y).iloc[:, ids.index(key)]
        else:
            part = y[y[unique_id] == key]
            times = long_times(part[ds])
            series = pd.Series(part[value].to_numpy(), index=pd.Index(times, name=ds)).sort_index()
        parts.append((key, series.rename(key), series_exog(X, key, layout)))
    return parts


def _fit_one(forecaster, y, X):
    return forecaster.fit(y, X)


def fit_local(forecaster, y, X, panel):
    """Fit one single-series clone per series of ``panel``; returns ``{series id: fitted forecaster}``."""
    parts = split_series(y, X, panel.layout, panel.ids)
    outer, inner = task_verbosity(forecaster.verbose, len(parts))
    template = clone(forecaster).set_params(scope="global", n_jobs=1, verbose=inner)
    if resolve_device(forecaster.device) == "cuda":
        models = fit_together([clone(template) for _ in parts], parts)
    else:
        tasks = (delayed(_fit_one)(clone(template), series, exog) for _, series, exog in parts)
        with TaskProgress(len(parts), outer, "series fitted") as progress:
            generator = Parallel(n_jobs=forecaster.n_jobs, return_as="generator")(tasks)
            models = list(progress.iterate(generator, list(panel.ids)))
    return dict(zip(panel.ids, models, strict=True))


def fit_together(models, parts):
    """Fit global-scope forecaster ``models[i]`` on ``parts[i] = (id, y, X)``, their networks trained in fleets.

    Used for per-series models (above) and for a backtest's refits on CUDA.
    """
    prepared = []
    for model, (_, series, exog) in zip(models, parts, strict=True):
        model._validate_params()
        prepared.append(model._prepare_training(series, exog))
    results = train_prepared(prepared)
    for model, fit, fit_results in zip(models, prepared, results, strict=True):
        model._complete_training(fit, fit_results)
    return models


def forecast_local(forecaster, horizon, X):
    """Each local model's forecasts, as :meth:`RNNForecaster._forecast` returns them, in series order."""
    results = []
    for key, model in forecaster.local_models_.items():
        results += model._forecast(horizon, series_exog(X, key, forecaster.layout_))
    return results
