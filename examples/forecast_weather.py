"""Forecast Seattle's daily maximum temperature two weeks ahead, and Shanghai's hourly temperature a day ahead.

Both series are real NOAA/UCI observations bundled with rnnforecast. The hourly
Shanghai file has a few missing readings: ``missing="interpolate"`` fills them
(the default, ``"error"``, would refuse them).

    python examples/forecast_weather.py [--quick] [--output output]
"""

import argparse
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, backtest
from rnnforecast.datasets import load_weather
from rnnforecast.plotting import plot_forecast


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few epochs and windows (smoke test)")
    parser.add_argument("--output", default="output")
    args = parser.parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    epochs, windows = (3, 2) if args.quick else (100, 8)
    cases = {
        "seattle_daily": (load_weather("daily")["temp_max"], dict(horizon=14), 365),
        "shanghai_hourly": (
            load_weather("hourly")["TEMP"].loc["2015-01-01":],
            dict(horizon=24, missing="interpolate", max_train_size=24 * 7 * 26),
            24,
        ),
    }
    summaries = {}
    for name, (series, options, season) in cases.items():
        forecaster = RNNForecaster(**options, max_iter=epochs, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = backtest(
                forecaster, series, n_windows=windows, step=3 * options["horizon"], refit=False, season_length=season
            )
            forecaster.fit(series)
        summaries[name] = result.summary()
        print(f"{name}: rolling-origin backtest against the seasonal naive forecast (season {season})")
        print(summaries[name].round(3).to_string())
        interval = forecaster.predict_interval(coverage=0.9)
        ax = plot_forecast(
            series, interval["forecast"], interval, coverage=0.9, title=f"{name}: temperature forecast (°C)"
        )
        ax.figure.savefig(output / f"example_weather_{name}.png", dpi=110)
    return summaries


if __name__ == "__main__":
    main()
