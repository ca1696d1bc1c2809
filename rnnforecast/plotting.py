"""Plots of forecasts, backtests and training curves (matplotlib; every function returns its Axes).

The functions draw on the ``ax`` given, or on a new figure made with
:class:`matplotlib.figure.Figure` (no pyplot state, no ``show()``), so they work
the same in scripts, notebooks and servers. Save with ``ax.figure.savefig(path)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .forecasting.panel import LONG_COLUMNS

__all__ = ["plot_forecast", "plot_backtest", "plot_loss"]

if TYPE_CHECKING:  # annotations only: importing plotting loads neither matplotlib nor the estimators
    from matplotlib.axes import Axes

    from .forecaster import RNNForecaster
    from .model_selection import BacktestResult
    from .regressor import RNNRegressor


def _axes(ax, figsize=(10, 4)):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _is_long(frame, id_col, time_col) -> bool:
    return isinstance(frame, pd.DataFrame) and {id_col, time_col} <= set(frame.columns)


def _one_series(frame, unique_id, id_col, time_col) -> pd.DataFrame:
    """The rows of series ``unique_id`` of a long frame, indexed by time."""
    part = frame[frame[id_col] == unique_id]
    if part.empty:
        raise ValueError(f"the long frame has no series {unique_id!r} in its {id_col!r} column")
    return part.set_index(time_col).sort_index()


def plot_forecast(
    history: pd.Series | pd.DataFrame,
    forecast: pd.Series | pd.DataFrame,
    interval: pd.DataFrame | None = None,
    *,
    n_history: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    coverage: float | None = None,
    unique_id: object = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> Axes:
    """History, point forecast and (optionally) the prediction-interval band.

    Parameters
    ----------
    history : pandas Series or long DataFrame
        Observed values (the end of the fitted series), or a long frame
        (``id_col, time_col, target_col``) of which the series ``unique_id`` is drawn.
    forecast : pandas Series or long DataFrame
        Point forecast indexed by future time stamps (``RNNForecaster.predict``),
        or a long frame of ``predict`` or ``predict_interval`` (whose ``lower``
        and ``upper`` then draw the band when ``interval`` is None).
    interval : pandas DataFrame or None
        ``lower`` and ``upper`` columns on the forecast index
        (``RNNForecaster.predict_interval``), or a long frame of it.
    n_history : int or None
        Show only the last ``n_history`` observations (default: 5 times the
        forecast length, at least 100).
    ax : matplotlib Axes or None, default=None
        Axes to draw on (default: a new figure's).
    title : str or None, default=None
        Axes title.
    coverage : float or None
        Nominal coverage, for the band's legend label.
    unique_id : object or None, default=None
        Series to draw from long frames (default: the first of ``history``).
    id_col : str, default="unique_id"
        Series column of long frames.
    time_col : str, default="ds"
        Time column of long frames.
    target_col : str, default="y"
        Observations column of a long ``history``.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.Series(range(10), index=pd.date_range("2024-01-01", periods=10), dtype=float)
    >>> forecast = pd.Series([10.0, 11.0], index=pd.date_range("2024-01-11", periods=2))
    >>> ax = plot_forecast(history, forecast)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['observed', 'forecast']
    """
    ax = _axes(ax)
    if _is_long(history, id_col, time_col):
        unique_id = history[id_col].iloc[0] if unique_id is None else unique_id
        history = _one_series(history, unique_id, id_col, time_col)[target_col].rename(unique_id)
    if _is_long(forecast, id_col, time_col):
        part = _one_series(forecast, unique_id if unique_id is not None else forecast[id_col].iloc[0], id_col, time_col)
        interval = part if interval is None and {"lower", "upper"} <= set(part.columns) else interval
        forecast = part["forecast"]
    if _is_long(interval, id_col, time_col):
        interval = _one_series(interval, unique_id if unique_id is not None else interval[id_col].iloc[0], id_col,
                               time_col)  # fmt: skip
    n_history = n_history or max(100, 5 * len(forecast))
    recent = history.iloc[-n_history:]
    ax.plot(recent.index, recent.to_numpy(dtype=float), color="0.35", lw=1.0, label="observed")
    # Join the forecast to the last observation so the line is continuous.
    joined = pd.concat([recent.iloc[-1:], forecast])
    ax.plot(joined.index, joined.to_numpy(dtype=float), color="tab:red", lw=1.8, label="forecast")
    if interval is not None:
        label = "interval" if coverage is None else f"{coverage:.0%} interval"
        ax.fill_between(
            interval.index,
            interval["lower"].to_numpy(dtype=float),
            interval["upper"].to_numpy(dtype=float),
            color="tab:red",
            alpha=0.2,
            lw=0,
            label=label,
        )
    ax.axvline(recent.index[-1], color="0.5", ls=":", lw=1)
    ax.set_title(title or (f"{history.name}: forecast" if history.name is not None else "forecast"))
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_backtest(
    result: BacktestResult,
    *,
    unique_id: object = None,
    history: pd.Series | pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Each backtest window's forecast and interval over the actual values.

    Parameters
    ----------
    result : BacktestResult
        From :func:`rnnforecast.model_selection.backtest`.
    unique_id : object or None
        Series to draw (default: the first).
    history : pandas Series or None
        The full observed series, drawn behind the windows (default: the actual
        values of the windows only).
    ax : matplotlib Axes or None, default=None
        Axes to draw on (default: a new figure's).
    title : str or None, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = _axes(ax, figsize=(11, 4))
    id_col, ds, observed = getattr(result, "columns", LONG_COLUMNS)
    frame = result.forecasts
    unique_id = frame[id_col].iloc[0] if unique_id is None else unique_id
    frame = frame[frame[id_col] == unique_id]
    if frame.empty:
        raise ValueError(f"the backtest has no series {unique_id!r}")
    if history is not None:
        start = frame[ds].min() - 3 * (frame[ds].max() - frame[ds].min()) / max(1, frame["window"].nunique())
        shown = history.loc[start:]
        ax.plot(shown.index, shown.to_numpy(dtype=float), color="0.35", lw=0.9, label="observed")
    else:
        ax.plot(frame[ds], frame[observed], color="0.35", lw=0.9, label="observed")
    for window, part in frame.groupby("window"):
        first = window == frame["window"].min()
        ax.fill_between(
            part[ds],
            part["lower"],
            part["upper"],
            color="tab:red",
            alpha=0.18,
            lw=0,
            label="interval" if first else None,
        )
        ax.plot(part[ds], part["forecast"], color="tab:red", lw=1.3, label="forecast" if first else None)
        ax.plot(part[ds], part["naive"], color="tab:blue", lw=0.8, ls="--", label="seasonal naive" if first else None)
        ax.axvline(part["cutoff"].iloc[0], color="0.6", ls=":", lw=0.7)
    summary = result.metrics[result.metrics[id_col] == unique_id].groupby("model")["mase"].mean()
    ax.set_title(
        title
        or f"{unique_id}: backtest, MASE rnn {summary.get('rnn', np.nan):.2f} vs seasonal naive "
        f"{summary.get('seasonal_naive', np.nan):.2f}"
    )
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_loss(forecaster: RNNForecaster | RNNRegressor, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Training loss per epoch, and the validation R² when early stopping ran.

    Parameters
    ----------
    forecaster : fitted RNNForecaster or RNNRegressor
        The model whose ``loss_curve_`` (and ``validation_scores_``) to draw.
    ax : matplotlib Axes or None, default=None
        Axes to draw on (default: a new figure's).
    title : str or None, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = _axes(ax, figsize=(6, 3.5))
    losses = np.asarray(forecaster.loss_curve_, dtype=float)
    epochs = np.arange(1, len(losses) + 1)
    ax.plot(epochs, losses, color="tab:blue", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (normalised units)")
    scores = getattr(forecaster, "validation_scores_", None)
    if scores:
        twin = ax.twinx()
        twin.plot(np.arange(1, len(scores) + 1), scores, color="tab:orange", label="validation R²")
        twin.set_ylabel("validation R²")
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="center right", fontsize=8)
    else:
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "training curve")
    ax.grid(alpha=0.3)
    return ax
