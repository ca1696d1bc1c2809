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
    ax.set_xlabel("time")
    ax.set_ylabel(str(history.name) if history.name is not None else "value")
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
    """Each backtest window's forecast and interval over the actual values, zoomed to the windows.

    Windows that tile a stretch of time share one panel, limited to them and one
    window of context before the first; windows far apart (gaps longer than a
    window) get one small panel each, in a grid, so hourly windows months apart
    are not drawn as slivers. The seasonal-naive forecast is drawn beside the
    network's.

    Parameters
    ----------
    result : BacktestResult
        From :func:`rnnforecast.model_selection.backtest`.
    unique_id : object or None
        Series to draw (default: the first).
    history : pandas Series or None
        The full observed series, drawn as context (default: the actual
        values of the windows only).
    ax : matplotlib Axes or None, default=None
        Axes to draw on (one panel, whatever the gaps; default: a new figure).
    title : str or None, default=None
        Title (of the figure when there is a grid).

    Returns
    -------
    ax : matplotlib Axes
        The panel (the first one of a grid; ``ax.figure.axes`` holds them all).
    """
    id_col, ds, observed = getattr(result, "columns", LONG_COLUMNS)
    frame = result.forecasts
    unique_id = frame[id_col].iloc[0] if unique_id is None else unique_id
    frame = frame[frame[id_col] == unique_id]
    if frame.empty:
        raise ValueError(f"the backtest has no series {unique_id!r}")
    windows = [part for _, part in frame.groupby("window")]
    length = max(part[ds].iloc[-1] - part["cutoff"].iloc[0] for part in windows)
    pairs = zip(windows[:-1], windows[1:], strict=True)
    gaps = [later["cutoff"].iloc[0] - earlier[ds].iloc[-1] for earlier, later in pairs]
    summary = result.metrics[result.metrics[id_col] == unique_id].groupby("model")["mase"].mean()
    heading = title or (
        f"{unique_id}: backtest, MASE rnn {summary.get('rnn', np.nan):.2f} vs seasonal naive "
        f"{summary.get('seasonal_naive', np.nan):.2f}"
    )
    context = history if history is not None else frame.set_index(ds)[observed]
    if ax is None and gaps and max(gaps) > length:
        from matplotlib.figure import Figure

        n_cols = min(4, len(windows))
        n_rows = -(-len(windows) // n_cols)
        figure = Figure(figsize=(3.2 * n_cols, 2.4 * n_rows + 0.5), layout="constrained")
        panels = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
        for k, (panel, part) in enumerate(zip(panels, windows, strict=False)):
            _draw_windows(panel, [part], context, length, ds, legend=k == 0, panel=True)
            panel.set_title(f"from {part['cutoff'].iloc[0]:%Y-%m-%d %H:%M}", fontsize=8)
            panel.tick_params(labelsize=7)
        for panel in panels[len(windows) :]:
            panel.set_visible(False)
        figure.suptitle(heading, fontsize=10)
        return panels[0]
    ax = _axes(ax, figsize=(11, 4))
    _draw_windows(ax, windows, context, length, ds, legend=True)
    ax.set_title(heading)
    return ax


def _draw_windows(ax, windows, context, length, ds, legend, panel=False):
    """Observed context from one window before the first cutoff, then each window's forecasts."""
    start, stop = windows[0]["cutoff"].iloc[0] - length, windows[-1][ds].iloc[-1]
    shown = context.loc[start:stop]
    ax.plot(shown.index, shown.to_numpy(dtype=float), color="0.35", lw=0.9, label="observed")
    for k, part in enumerate(windows):
        first = legend and k == 0
        ax.fill_between(part[ds], part["lower"], part["upper"], color="tab:red", alpha=0.18, lw=0,
                        label="interval" if first else None)  # fmt: skip
        ax.plot(part[ds], part["forecast"], color="tab:red", lw=1.3, label="forecast" if first else None)
        ax.plot(part[ds], part["naive"], color="tab:blue", lw=0.8, ls="--", label="seasonal naive" if first else None)
        ax.axvline(part["cutoff"].iloc[0], color="0.6", ls=":", lw=0.7)
    ax.set_xlim(start, stop)
    if not panel:  # a grid's panels are titled by their cutoff; the date offset sits where the label would
        ax.set_xlabel("time")
    ax.set_ylabel("value")
    if legend:
        ax.legend(loc="upper left", fontsize=7)
    ax.grid(alpha=0.3)
    if isinstance(shown.index, pd.DatetimeIndex):  # few, short date labels: panels stay legible
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=5 if panel else 9)
        locator.intervald[mdates.HOURLY] = [1, 2, 3, 4, 6, 12, 24, 48]  # a few days of hours in a small panel
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_loss(forecaster: RNNForecaster | RNNRegressor, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """The loss the model minimised, per epoch: on the training windows and on the held-out ones.

    Both curves are the training objective (the forecaster's pinball loss over
    its quantile heads, the regressor's ``loss``) in the scaled units the
    network sees, so they share one axis; the best held-out epoch, whose
    weights early stopping kept, is marked.

    Parameters
    ----------
    forecaster : fitted RNNForecaster or RNNRegressor
        The model whose ``loss_curve_`` (and ``validation_loss_curve_``) to draw.
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
    ax.plot(np.arange(1, len(losses) + 1), losses, color="tab:blue", label="training windows")
    held_out = np.asarray(getattr(forecaster, "validation_loss_curve_", None) or [], dtype=float)
    if len(held_out):
        epochs = np.arange(len(losses) - len(held_out) + 1, len(losses) + 1)
        ax.plot(epochs, held_out, color="tab:orange", label="held-out windows")
        best = int(np.argmin(held_out))
        ax.plot(epochs[best], held_out[best], "o", color="tab:orange", ms=5, label=f"kept (epoch {epochs[best]})")
    regressor = getattr(forecaster, "model_", forecaster)
    name = {"pinball": "pinball loss", "squared_error": "squared error", "absolute_error": "absolute error"}
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{name.get(getattr(regressor, 'loss', ''), 'loss')} (scaled units)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "training curve: the loss minimised")
    ax.grid(alpha=0.3)
    return ax
