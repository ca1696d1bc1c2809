"""Tune an RNNRegressor with GridSearchCV over TimeSeriesSplit on real weather data.

Seattle daily maximum temperature (bundled): 28-day windows with the day's minimum
temperature and wind as past exogenous columns, a 7-day direct horizon, and a
grid over the cell type and width. ``TimeSeriesSplit(gap=horizon - 1)`` keeps
every validation target out of the training windows.

    python examples/grid_search_weather.py [--quick]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rnnforecast import RNNRegressor, make_windows
from rnnforecast.datasets import load_weather

LOOKBACK, HORIZON = 28, 7


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny grid and few epochs (smoke test)")
    args = parser.parse_args(argv)

    weather = load_weather("daily")
    X, y, target_index = make_windows(
        weather["temp_max"], n_steps=LOOKBACK, horizon=HORIZON, exog=weather[["temp_min", "wind"]]
    )
    test = target_index >= "2015-01-01"  # the last year is kept for the final check
    pipeline = make_pipeline(
        StandardScaler(),
        RNNRegressor(
            n_steps=LOOKBACK,
            max_iter=4 if args.quick else 40,
            learning_rate_init=3e-3,
            early_stopping=True,
            random_state=0,
        ),
    )
    grid = {"rnnregressor__cell": ["gru", "lstm"], "rnnregressor__hidden_size": [8] if args.quick else [16, 32]}
    search = GridSearchCV(
        pipeline, grid, cv=TimeSeriesSplit(n_splits=3, gap=HORIZON - 1), scoring="neg_mean_absolute_error", n_jobs=1
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X[~test], y[~test])
    print(
        f"grid search over {len(search.cv_results_['params'])} candidates x 3 folds in "
        f"{time.perf_counter() - started:.1f} s"
    )
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True):
        print(f"  {params}: validation MAE {-score:.2f} °C")
    mae = np.abs(search.predict(X[test]) - y[test]).mean(axis=0)
    persistence = np.abs(X[test][:, -3][:, None] - y[test]).mean(axis=0)  # last observed temp_max
    print(f"best {search.best_params_}; 2015 test MAE by days ahead (°C):")
    print("  model      ", " ".join(f"{v:5.2f}" for v in mae))
    print("  last value ", " ".join(f"{v:5.2f}" for v in persistence))
    return mae, persistence


if __name__ == "__main__":
    main()
