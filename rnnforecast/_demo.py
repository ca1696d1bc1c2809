"""The main job behind ``make demo``: forecast a bundled real series end to end.

For now (before the estimators exist) the demo drives the network and optimizer
directly: it trains an LSTM on Seattle's daily maximum temperature, evaluates it
on the last year against two naive forecasts, and writes the final forecast and a
plot.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._jit import thread_scope
from ._layout import initialize_parameters, make_layout
from .datasets import load_weather
from .network import RecurrentNetwork
from .optimizers import Adam
from .training import train_step
from .windows import make_windows

__all__ = ["run_demo"]

LOOKBACK = 56
HORIZON = 14
HOLDOUT_DAYS = 365


def _fit(x, y, *, cell, hidden_size, epochs, batch_size, learning_rate, seed):
    rng = np.random.default_rng(seed)
    layout = make_layout(cell, input_size=1, hidden_size=hidden_size, num_layers=1, output_size=y.shape[1])
    params = initialize_parameters(layout, rng)
    grad = np.zeros_like(params)
    network = RecurrentNetwork(layout)
    optimizer = Adam(params.size, learning_rate=learning_rate)
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        epoch_loss = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            epoch_loss += train_step(network, optimizer, params, grad, x[batch], y[batch]) * len(batch)
        losses.append(epoch_loss / len(x))
    return network, params, losses


def _plot(history: pd.Series, holdout: pd.DataFrame, forecast: pd.Series, path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    axes = figure.add_subplot()
    recent = history.iloc[-2 * HOLDOUT_DAYS :]
    axes.plot(recent.index, recent.to_numpy(), color="0.55", lw=0.9, label="observed")
    axes.plot(holdout.index, holdout["lstm_day1"], color="tab:blue", lw=0.9, label="LSTM, 1 day ahead (hold-out)")
    axes.plot(forecast.index, forecast.to_numpy(), color="tab:red", lw=2.0, label=f"LSTM forecast, next {HORIZON} days")
    axes.axvline(holdout.index[0], color="0.3", ls=":", lw=1)
    axes.set_title("Seattle daily maximum temperature: rnnforecast LSTM")
    axes.set_ylabel("°C")
    axes.legend(loc="upper left", fontsize=8)
    axes.grid(alpha=0.3)
    figure.savefig(path, dpi=110)


def run_demo(output: str | Path = "output", *, epochs: int = 40, hidden_size: int = 32, seed: int = 0) -> pd.DataFrame:
    """Train, evaluate and forecast on the bundled Seattle daily weather series.

    Parameters
    ----------
    output : str or Path, default="output"
        Folder for ``forecast_weather.csv``, ``holdout_weather.csv`` and
        ``forecast_weather.png`` (created if missing).
    epochs, hidden_size, seed : int
        Training length, LSTM width and random seed.

    Returns
    -------
    metrics : pandas.DataFrame
        Mean absolute error (°C) on the hold-out year of the LSTM and of two naive
        forecasts, by horizon.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    series = load_weather("daily")["temp_max"]
    values = series.to_numpy(dtype=np.float64)
    split = len(values) - HOLDOUT_DAYS
    mean, scale = values[:split].mean(), values[:split].std()
    scaled = (values - mean) / scale

    x_train, y_train, _ = make_windows(scaled[:split], LOOKBACK, HORIZON)
    # Hold-out windows: every origin whose targets fall in the last year.
    x_test, y_test, _ = make_windows(scaled[split - LOOKBACK :], LOOKBACK, HORIZON)
    x_train, x_test = x_train[:, :, None], x_test[:, :, None]  # (windows, steps, 1 feature)
    started = time.perf_counter()
    with thread_scope(-1):
        network, params, losses = _fit(
            x_train, y_train, cell="lstm", hidden_size=hidden_size, epochs=epochs,
            batch_size=64, learning_rate=3e-3, seed=seed,
        )  # fmt: skip
        predicted = network.forward(params, x_test).astype(np.float64) * scale + mean
        final = network.forward(params, scaled[-LOOKBACK:][None, :, None]).astype(np.float64)[0] * scale + mean
    seconds = time.perf_counter() - started

    actual = y_test * scale + mean
    last_value = values[split - 1 : split - 1 + len(actual)][:, None] * np.ones(HORIZON)
    origins = np.arange(split - 1, split - 1 + len(actual))
    same_day_last_year = values[origins[:, None] + 1 + np.arange(HORIZON) - 365]
    metrics = pd.DataFrame(
        {
            "lstm": np.abs(predicted - actual).mean(axis=0),
            "naive_last_value": np.abs(last_value - actual).mean(axis=0),
            "naive_same_day_last_year": np.abs(same_day_last_year - actual).mean(axis=0),
        },
        index=pd.RangeIndex(1, HORIZON + 1, name="days_ahead"),
    )

    future_index = pd.date_range(series.index[-1] + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    forecast = pd.Series(final, index=future_index, name="temp_max_forecast")
    forecast.to_csv(output / "forecast_weather.csv", index_label="date")
    holdout_index = series.index[split : split + len(actual)]
    holdout = pd.DataFrame({"observed": actual[:, 0], "lstm_day1": predicted[:, 0]}, index=holdout_index)
    holdout.to_csv(output / "holdout_weather.csv", index_label="date")
    metrics.to_csv(output / "metrics_weather.csv")
    _plot(series, holdout, forecast, output / "forecast_weather.png")

    print(f"Seattle daily max temperature: trained an LSTM(hidden={hidden_size}) on {len(x_train)} windows,")
    print(f"{epochs} epochs in {seconds:.1f} s (final training loss {losses[-1]:.3f}, scaled units).")
    print(f"Mean absolute error (°C) on the hold-out year ({len(actual)} forecast origins):")
    summary = metrics.loc[[1, 7, 14]].round(2)
    summary.loc["mean"] = metrics.mean().round(2)
    print(summary.to_string())
    print(f"Wrote {output / 'forecast_weather.csv'}, {output / 'forecast_weather.png'} and the hold-out table.")
    return metrics
