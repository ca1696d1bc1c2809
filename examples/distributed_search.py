"""Tune a forecaster and fit per-series models on a dask cluster, through joblib, with no other change.

Everything parallel in rnnforecast and scikit-learn runs as joblib tasks. Inside
``joblib.parallel_config(backend="dask")`` those tasks go to the dask cluster the
current ``Client`` is connected to: here a ``LocalCluster`` on this machine, or a
real one with ``--scheduler tcp://scheduler-host:8786``. Results are identical to
a sequential run (same seeds, independent tasks).

    python examples/distributed_search.py [--quick] [--scheduler tcp://host:8786]

On a real cluster the workers need rnnforecast installed and, to compile the
kernels once per machine instead of once per worker start, a writable
``NUMBA_CACHE_DIR`` on each worker, e.g. ``NUMBA_CACHE_DIR=/scratch/numba dask worker ...``
(or ``dask.config.set({"distributed.nanny.pre-spawn-environ.NUMBA_CACHE_DIR": "/scratch/numba"})``
before starting a cluster from Python).
"""

import argparse
import warnings

from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from rnnforecast import RNNForecaster, backtest
from rnnforecast.datasets import load_weather


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid, few epochs (smoke test)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    weather = load_weather("daily")[["temp_max", "temp_min", "wind"]]
    epochs = 3 if args.quick else 60
    grid = {"cell": ["gru", "lstm"]} if args.quick else {"cell": ["gru", "lstm"], "n_steps": [28, 56]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = (
            None
            if args.scheduler
            else LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        )
        client = Client(args.scheduler or cluster)
    try:
        print(f"dask cluster: {len(client.scheduler_info()['workers'])} workers")
        with parallel_config(backend="dask"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search = GridSearchCV(
                RNNForecaster(horizon=7, max_iter=epochs, random_state=0),
                grid,
                cv=TimeSeriesSplit(n_splits=2 if args.quick else 4, test_size=7),
                n_jobs=-1,
            ).fit(weather["temp_max"])
            print(
                f"grid search over {len(search.cv_results_['params'])} candidates on the cluster; best "
                f"{search.best_params_} (MAE {-search.best_score_:.2f} °C)"
            )
            local = RNNForecaster(horizon=7, scope="local", n_jobs=-1, max_iter=epochs, random_state=0)
            result = backtest(local, weather, n_windows=2 if args.quick else 6, step=14, n_jobs=-1)
        print("one model per series (max/min temperature, wind), backtested on the cluster:")
        print(result.metrics.groupby(["unique_id", "model"])["mase"].mean().unstack().round(3).to_string())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return search, result


if __name__ == "__main__":
    main()
