"""Many series: panels read from Parquet by series, and forecasts of a global model batch by batch.

A panel of many series is best kept as one long Parquet dataset (a file or a
folder of files) with the columns ``unique_id, ds, y`` and any exogenous
columns. :func:`read_panel` reads the rows of chosen series only (pyarrow
skips the row groups and partitions of the others), :func:`panel_series` lists
the series from the ``unique_id`` column alone, and :func:`forecast_many`
forecasts a fitted global model for every series of such a dataset (or of a
frame) batch by batch, each batch read and forecast in its own joblib task (on
a dask cluster under ``joblib.parallel_config(backend="dask")``): forecasting
is embarrassingly parallel over series, and a global model forecasts series it
never saw, each scaled on its own history.

Reading Parquet needs pyarrow (``pip install "rnnforecast[distributed]"``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from joblib import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from .forecasting.panel import LONG_COLUMNS

if TYPE_CHECKING:
    from .forecaster import RNNForecaster

__all__ = ["read_panel", "panel_series", "forecast_many"]

KINDS = {"point": "predict", "quantiles": "predict_quantiles", "interval": "predict_interval"}


def _read(path, **options) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, **options)
    except ImportError as error:
        raise ImportError(
            f"reading Parquet needs pyarrow ({error}); install it with pip install pyarrow "
            '(or pip install "rnnforecast[distributed]")'
        ) from None


def _check_path(path):
    if not isinstance(path, (str, os.PathLike)) or not os.path.exists(path):
        raise ValueError(f"no Parquet file or folder at {path!r}")


def panel_series(path: str | os.PathLike) -> list:
    """The series of a long Parquet panel, in first-seen order (only the ``unique_id`` column is read).

    Parameters
    ----------
    path : str or path-like
        A Parquet file or a folder of Parquet files (a dataset).

    Returns
    -------
    ids : list
    """
    _check_path(path)
    frame = _read(path, columns=["unique_id"])
    return list(pd.unique(frame["unique_id"]))


def read_panel(
    path: str | os.PathLike, series: Sequence | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read a long panel (``unique_id, ds, y`` and exogenous columns) from Parquet, only the series asked for.

    Parameters
    ----------
    path : str or path-like
        A Parquet file or a folder of Parquet files (a dataset).
    series : list or None, default=None
        The ``unique_id`` values to read (all when None); pyarrow reads only
        the row groups and partitions that may hold them.
    columns : list of str or None, default=None
        Exogenous columns to read besides ``unique_id, ds, y`` (all when None).

    Returns
    -------
    frame : pandas DataFrame
        Long frame sorted by series (in the order of ``series``) and time,
        ready for ``RNNForecaster.fit``, ``predict(y=...)`` or ``update``.

    Examples
    --------
    >>> import tempfile, os
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [1, 2, 1], "y": [1.0, 2.0, 3.0]})
    >>> path = os.path.join(tempfile.mkdtemp(), "panel.parquet")
    >>> frame.to_parquet(path)  # doctest: +SKIP
    >>> read_panel(path, series=["b"])  # doctest: +SKIP
      unique_id  ds    y
    0         b   1  3.0
    """
    _check_path(path)
    wanted = None if columns is None else [*LONG_COLUMNS, *[c for c in columns if c not in LONG_COLUMNS]]
    filters = None if series is None else [("unique_id", "in", list(series))]
    frame = _read(path, columns=wanted, filters=filters)
    missing = [column for column in LONG_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{path!r} has no column(s) {missing}: a long panel needs the columns unique_id, ds and y "
            f"(it has {list(frame.columns)})"
        )
    if series is not None:
        absent = [key for key in series if key not in set(frame["unique_id"])]
        if absent:
            raise ValueError(f"series {absent[:5]} are not in {path!r}; list them with panel_series(path)")
        order = {key: i for i, key in enumerate(series)}
        frame = frame.assign(_order=frame["unique_id"].map(order)).sort_values(["_order", "ds"], kind="stable")
        frame = frame.drop(columns="_order")
    else:
        frame = frame.sort_values(["unique_id", "ds"], kind="stable")
    if isinstance(frame["unique_id"].dtype, pd.CategoricalDtype):  # partition columns come back categorical
        frame["unique_id"] = frame["unique_id"].astype(object)
    return frame.reset_index(drop=True)


def _batch_forecast(model, source, ids, horizon, X, method, options):
    """One task of :func:`forecast_many`: the batch's series (read from Parquet, or given) and their forecasts."""
    y = read_panel(source, ids) if isinstance(source, (str, os.PathLike)) else source
    return getattr(model, method)(horizon, X, y=y, **options)


def forecast_many(
    model: RNNForecaster,
    y: str | os.PathLike | pd.DataFrame,
    horizon: int | None = None,
    X: pd.DataFrame | None = None,
    *,
    kind: str = "point",
    batch_size: int = 1000,
    n_jobs: int | None = None,
    **options,
) -> pd.DataFrame:
    """Forecasts of a fitted global model for many series, ``batch_size`` series per joblib task.

    Each task forecasts its series from the end of their history with
    ``model.predict(horizon, X, y=batch)`` (or ``predict_quantiles``,
    ``predict_interval``): the series may be the fitted ones (observed
    further) or new ones, each scaled on its own history. A Parquet
    ``y`` is read by each task for its own series only, so the caller never
    holds the panel; with ``joblib.parallel_config(backend="dask")`` the tasks
    run on a dask cluster. The forecasts equal one ``model.predict(y=...)`` of
    the whole panel up to float32 rounding (batches put a series in a
    different position of the kernels' batch chunks).

    Parameters
    ----------
    model : RNNForecaster
        Fitted with ``scope="global"``.
    y : str or path-like, long DataFrame or wide DataFrame
        The series to forecast: a long Parquet panel (:func:`read_panel`), a
        long frame ``unique_id, ds, y``, or a wide frame (one column per series).
    horizon : int or None, default=None
        Steps to forecast (the model's ``horizon`` when None).
    X : pandas DataFrame or None, default=None
        Future values of the future-known exogenous columns, as ``predict`` takes them.
    kind : {"point", "quantiles", "interval"}, default="point"
        Which forecasts: ``predict``, ``predict_quantiles`` or ``predict_interval``.
    batch_size : int, default=1000
        Series per task.
    n_jobs : int or None, default=None
        Parallel tasks (joblib's meaning; the active joblib backend runs them).
    **options
        Passed to that method (``coverage=0.8``, ``method="conformal"``, ``quantiles=[0.1, 0.9]``).

    Returns
    -------
    forecasts : pandas DataFrame
        That method's output for every series, batches concatenated in order
        (long rows for long and Parquet input, columns for a wide frame).
    """
    check_is_fitted(model)
    if getattr(model, "scope_", "global") != "global":
        raise ValueError("forecast_many needs a global model (scope='global'); a local model knows only its series")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if isinstance(y, (str, os.PathLike)):
        ids = panel_series(y)
        long = True
    elif isinstance(y, pd.DataFrame):
        long = "unique_id" in y.columns and "ds" in y.columns
        ids = list(pd.unique(y["unique_id"])) if long else list(y.columns)
    else:
        hint = " (a single series: y.to_frame())" if isinstance(y, pd.Series) else ""
        raise ValueError(f"y must be a Parquet path, a long or a wide DataFrame, got {type(y).__name__}{hint}")
    batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
    if not batches:
        raise ValueError("y holds no series")

    def source(batch):  # a path (each task reads its own series) or the batch's part of the frame
        if not isinstance(y, pd.DataFrame):
            return y
        return y[y["unique_id"].isin(batch)] if long else y[batch]

    parts = Parallel(n_jobs=n_jobs)(
        delayed(_batch_forecast)(model, source(batch), batch, horizon, X, KINDS[kind], options) for batch in batches
    )
    return pd.concat(parts, ignore_index=True) if long else pd.concat(parts, axis=1)
