"""Forecast hourly traffic on I-94 a day ahead, with holidays as a future-known exogenous column.

The bundled series has holes (hours missing from the source); ``missing="interpolate"``
fills them for training, and the backtest scores only hours that were observed.
The forecaster sees a week of history (``n_steps=168`` by default for hourly
data), calendar features and its seasonal-naive base (same hour last week).
Holidays are known in advance, so they are passed in ``X``; predict needs their
values for the next 24 hours.

    python examples/forecast_traffic.py [--quick] [--output output]
"""

import argparse
import warnings
from pathlib import Path

import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, backtest
from rnnforecast.datasets import load_traffic
from rnnforecast.plotting import plot_forecast


def holiday_flags(traffic):
    """1.0 for every hour of a holiday (the source marks only its midnight hour)."""
    marked = traffic["holiday"].fillna("None").ne("None")
    days = marked[marked].index.normalize().unique()
    return traffic.index.normalize().isin(days).astype(float)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few epochs and windows (smoke test)")
    parser.add_argument("--output", default="output")
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    traffic = load_traffic().loc["2015-07-01":]
    volume = traffic["traffic_volume"]
    X = traffic[[]].assign(holiday=holiday_flags(traffic))
    next_day = pd.date_range(X.index[-1] + pd.Timedelta(hours=1), periods=24, freq="h")
    X = X.reindex(X.index.append(next_day), fill_value=0.0)  # no holiday in the next 24 hours (2018-10-01)
    forecaster = RNNForecaster(
        horizon=24,
        missing="interpolate",
        max_train_size=24 * 7 * 26,
        max_iter=3 if args.quick else 100,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = backtest(
            forecaster, volume, X, n_windows=2 if args.quick else 10, step=24 * 7, refit=False, season_length=168
        )
        forecaster.fit(volume, X)
    summary = result.summary()
    print("I-94 traffic, 24 hours ahead, backtest against the same hour last week:")
    print(summary.round(3).to_string())
    interval = forecaster.predict_interval(X=X, coverage=0.9)
    ax = plot_forecast(
        volume,
        interval["forecast"],
        interval,
        coverage=0.9,
        n_history=24 * 7,
        title="I-94 westbound traffic (vehicles/h): next 24 hours",
    )
    ax.figure.savefig(output / "example_traffic.png", dpi=110)
    return summary


if __name__ == "__main__":
    main()
