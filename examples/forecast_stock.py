"""Forecast Microsoft's closing price a week ahead, with a 90 % interval, and check it against a random walk.

Daily prices are close to a random walk, so "tomorrow = today" is the forecast to
beat. The forecaster's default ``normalize="window"`` learns a correction to that
forecast, in units of the recent daily moves, so it is at least as accurate and
adds calibrated intervals.

    python examples/forecast_stock.py [--quick] [--output output]
"""

import argparse
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, backtest
from rnnforecast.datasets import load_stock
from rnnforecast.plotting import plot_forecast


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few epochs and windows (smoke test)")
    parser.add_argument("--output", default="output")
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    close = load_stock()["Close"]  # trading days: the business-day frequency is inferred, holidays skipped
    forecaster = RNNForecaster(horizon=5, max_train_size=1000, max_iter=3 if args.quick else 100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = backtest(forecaster, close, n_windows=2 if args.quick else 12, step=20, season_length=1, refit=False)
        forecaster.fit(close)
    summary = result.summary()
    print("MSFT close, 5 trading days ahead, rolling-origin backtest (season_length=1: the random walk):")
    print(summary.round(3).to_string())
    interval = forecaster.predict_interval(coverage=0.9)
    print(interval.round(2).to_string())
    ax = plot_forecast(
        close,
        interval["forecast"],
        interval,
        coverage=0.9,
        n_history=120,
        title="MSFT daily close (USD): next 5 trading days",
    )
    ax.figure.savefig(output / "example_stock.png", dpi=110)
    return summary


if __name__ == "__main__":
    main()
