"""Scaling out through joblib: searches, per-series fits and backtests on a dask LocalCluster give the same
results as sequential runs, and leave the workers' thread settings as they found them."""

import warnings

import numba
import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, TimeSeriesSplit

from rnnforecast import RNNForecaster, RNNRegressor, backtest, make_windows
from rnnforecast.datasets import load_weather

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]

FAST = dict(n_steps=14, hidden_size=8, max_iter=4, random_state=0)


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's own start-up notices
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
        client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def panel():
    weather = load_weather("daily").iloc[-400:]
    return weather[["temp_max", "temp_min", "wind"]]


def _on_dask(function):
    with parallel_config(backend="dask"):
        return function()


def test_grid_search_over_the_regressor_matches_sequential(client, panel):
    X, y, _ = make_windows(panel["temp_max"], n_steps=14, horizon=3)
    search = lambda n_jobs: GridSearchCV(  # noqa: E731
        RNNRegressor(n_steps=14, hidden_size=8, max_iter=4, random_state=0),
        {"cell": ["gru", "lstm"], "hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=3, gap=2),
        n_jobs=n_jobs,
    ).fit(X, y)
    sequential = search(None)
    on_cluster = _on_dask(lambda: search(-1))
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(on_cluster.best_estimator_.predict(X), sequential.best_estimator_.predict(X))


def test_randomized_search_over_the_forecaster_matches_sequential(client, panel):
    search = lambda n_jobs: RandomizedSearchCV(  # noqa: E731
        RNNForecaster(horizon=7, **FAST),
        {"cell": ["gru", "rnn"], "n_steps": [14, 21]},
        n_iter=3,
        cv=TimeSeriesSplit(n_splits=2, test_size=7),
        n_jobs=n_jobs,
        random_state=0,
    ).fit(panel["temp_max"])
    sequential = search(None)
    on_cluster = _on_dask(lambda: search(-1))
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"])
    pd.testing.assert_series_equal(on_cluster.best_estimator_.predict(), sequential.best_estimator_.predict())


def test_per_series_models_and_backtest_match_sequential(client, panel):
    sequential = RNNForecaster(horizon=5, scope="local", n_jobs=1, **FAST).fit(panel)
    on_cluster = _on_dask(lambda: RNNForecaster(horizon=5, scope="local", n_jobs=-1, **FAST).fit(panel))
    pd.testing.assert_frame_equal(on_cluster.predict(), sequential.predict())
    pd.testing.assert_frame_equal(on_cluster.predict_interval(), sequential.predict_interval())
    for refit, forecaster in (
        (True, RNNForecaster(horizon=5, **FAST)),
        (False, RNNForecaster(horizon=5, scope="local", **FAST)),
    ):  # noqa: E501
        alone = backtest(forecaster, panel, n_windows=3, refit=refit)
        spread = _on_dask(lambda f=forecaster, r=refit: backtest(f, panel, n_windows=3, refit=r, n_jobs=-1))
        pd.testing.assert_frame_equal(spread.forecasts, alone.forecasts)
        pd.testing.assert_frame_equal(spread.metrics, alone.metrics)


def test_workers_keep_their_thread_settings(client, panel):
    before = client.run(numba.get_num_threads)
    _on_dask(lambda: RNNForecaster(horizon=3, scope="local", n_jobs=-1, **FAST).fit(panel))
    assert client.run(numba.get_num_threads) == before


def test_estimators_pickle_small(panel):
    import pickle

    model = RNNForecaster(horizon=5, scope="local", n_jobs=1, **FAST).fit(panel)
    assert len(pickle.dumps(model)) < 3 * 60_000  # three small models, no training data
    assert len(pickle.dumps(RNNForecaster(horizon=5, **FAST))) < 2_000  # what a search ships to workers


def test_forecast_many_reads_and_forecasts_parquet_batches_on_the_cluster(client, panel, tmp_path):
    pytest.importorskip("pyarrow")
    from rnnforecast.panels import forecast_many

    model = RNNForecaster(horizon=3, **FAST).fit(panel[["temp_max", "temp_min"]])
    long = panel.stack().rename("y").reset_index()
    long.columns = ["ds", "unique_id", "y"]
    path = tmp_path / "panel.parquet"
    long[["unique_id", "ds", "y"]].to_parquet(path)  # the workers read their own series from here
    sequential = forecast_many(model, path, batch_size=1)
    on_cluster = _on_dask(lambda: forecast_many(model, path, batch_size=1, n_jobs=-1))
    pd.testing.assert_frame_equal(on_cluster, sequential)
    assert list(pd.unique(on_cluster["unique_id"])) == ["temp_max", "temp_min", "wind"]  # wind: a new series
