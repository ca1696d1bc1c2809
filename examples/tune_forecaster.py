"""Tune RNNForecaster with scikit-learn's GridSearchCV and TimeSeriesSplit on Seattle's daily temperature.

``RNNForecaster.score(y_next)`` is minus the MAE of its forecast of the observations
that follow its training data, so ``GridSearchCV(..., cv=TimeSeriesSplit(test_size=horizon))``
fits every candidate on each expanding training fold and scores it on the next
``horizon`` days. The chosen model is then checked on the last 14 days of 2015.

    python examples/tune_forecaster.py [--quick]
"""

import argparse
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from rnnforecast import RNNForecaster
from rnnforecast.datasets import load_weather


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two candidates, two folds, few epochs")
    args = parser.parse_args(argv)
    temperature = load_weather("daily")["temp_max"]
    train, test = temperature.iloc[:-14], temperature.iloc[-14:]
    grid = {"cell": ["lstm", "gru"]} if args.quick else {"cell": ["lstm", "gru"], "n_steps": [28, 56]}
    search = GridSearchCV(
        RNNForecaster(horizon=14, max_iter=3 if args.quick else 100, random_state=0),
        grid,
        cv=TimeSeriesSplit(n_splits=2 if args.quick else 4, test_size=14),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(train)
    print(
        f"grid search over {len(search.cv_results_['params'])} candidates; best {search.best_params_} "
        f"(cross-validated MAE {-search.best_score_:.2f} °C)"
    )
    forecast = search.best_estimator_.predict()
    mae = float(np.mean(np.abs(forecast.to_numpy() - test.to_numpy())))
    last_value = float(np.mean(np.abs(train.iloc[-1] - test.to_numpy())))
    print(f"last 14 days of 2015: MAE {mae:.2f} °C (last value: {last_value:.2f} °C)")
    return mae, last_value


if __name__ == "__main__":
    main()
