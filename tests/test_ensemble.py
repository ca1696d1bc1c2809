"""Ensembles of seeds (``RNNForecaster(n_models=K)``): members, combination, reproducibility, thread independence."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import hourly_series
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, RNNRegressor
from rnnforecast.forecasting.ensemble import combine_members, member_seeds
from rnnforecast.nn.threads import thread_scope
from rnnforecast.nn.training import train_jobs

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_steps=24, hidden_size=8, max_iter=8, n_iter_no_change=4, random_state=3)


def _hourly(n=400, seed=0):
    return hourly_series(n, seed)


def test_member_seeds_are_distinct_reproducible_and_one_member_keeps_the_seed():
    assert member_seeds(5, 1) == [5]
    assert member_seeds(None, 3) == [None, None, None]
    seeds = member_seeds(5, 4)
    assert len(set(seeds)) == 4 and seeds == member_seeds(5, 4) and seeds != member_seeds(6, 4)
    assert all(isinstance(seed, int) for seed in seeds)


def test_combination_is_the_median_and_stays_sorted():
    rng = np.random.default_rng(0)
    outputs = [np.sort(rng.normal(size=(6, 5, 3)), axis=1) for _ in range(5)]
    combined = combine_members(outputs)
    np.testing.assert_array_equal(combined, np.median(np.stack(outputs), axis=0))
    assert (np.diff(combined, axis=1) >= 0).all()
    assert combine_members(outputs[:1]) is outputs[0]


def test_an_ensemble_forecasts_the_median_of_its_members():
    y = _hourly()
    model = RNNForecaster(horizon=6, n_models=3, shrinkage=None, **FAST).fit(y)
    assert len(model.models_) == 3 and model.model_ is model.models_[0]
    params = [member.params_ for member in model.models_]
    assert not np.array_equal(params[0], params[1]) and not np.array_equal(params[1], params[2])
    # Each member alone, as a one-network forecaster with the same state (the combination before the
    # spread fitted on held-out windows, which rescales the combined quantiles around their median).
    assert model.quantile_spread_ is not None
    model.quantile_spread_ = None
    members = []
    for member in model.models_:
        single = pickle.loads(pickle.dumps(model))
        single.models_, single.model_ = [member], member
        members.append(single.predict_quantiles().to_numpy())
    combined = model.predict_quantiles().to_numpy()
    np.testing.assert_allclose(combined, np.median(np.stack(members), axis=0), rtol=1e-12, atol=1e-9)
    assert "ensemble of 3 seeds" in str(model.summary())


def test_one_member_is_the_single_model():
    y = _hourly()
    single = RNNForecaster(horizon=6, **FAST).fit(y)
    one = RNNForecaster(horizon=6, n_models=1, **FAST).fit(y)
    np.testing.assert_array_equal(single.model_.params_, one.model_.params_)
    pd.testing.assert_frame_equal(single.predict_interval(), one.predict_interval())


def test_an_ensemble_is_reproducible_and_independent_of_the_thread_count():
    y = _hourly()
    runs = [RNNForecaster(horizon=6, n_models=3, n_jobs=n_jobs, **FAST).fit(y) for n_jobs in (1, 2, 1)]
    for run in runs[1:]:
        for a, b in zip(runs[0].models_, run.models_, strict=True):
            np.testing.assert_array_equal(a.params_, b.params_)
        pd.testing.assert_frame_equal(runs[0].predict_interval(), run.predict_interval())
    other = RNNForecaster(horizon=6, n_models=3, **{**FAST, "random_state": 4}).fit(y)
    assert not np.array_equal(other.model_.params_, runs[0].model_.params_)


def test_an_ensemble_clones_pickles_and_backtests():
    y = _hourly(300)
    model = RNNForecaster(horizon=6, n_models=2, **FAST)
    assert clone(model).get_params()["n_models"] == 2
    fitted = model.fit(y)
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(fitted.predict_interval(), restored.predict_interval())
    from rnnforecast import backtest

    result = backtest(RNNForecaster(horizon=6, n_models=2, **FAST), y, n_windows=2, step=6, refit=True)
    assert np.isfinite(result.forecasts["forecast"]).all()


def test_side_by_side_cpu_jobs_match_jobs_trained_one_by_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 10, 2))
    y = x[:, -3:, 0].sum(axis=1)

    def jobs():
        prepared = [
            RNNRegressor(hidden_size=6, max_iter=3, random_state=seed)._prepare_training(x, y) for seed in range(4)
        ]
        return [fit.jobs[0] for fit in prepared]

    one_by_one, side_by_side = jobs(), jobs()
    with pytest.warns(ConvergenceWarning) as sequential:
        first = train_jobs(one_by_one)
    with thread_scope(2), pytest.warns(ConvergenceWarning) as parallel:
        second = train_jobs(side_by_side)
    # The workers' warnings are issued by the waiting thread, at the caller's line, in job order.
    assert [str(w.message) for w in parallel] == [str(w.message) for w in sequential]
    assert {w.filename for w in parallel} == {__file__}
    for a, b, ra, rb in zip(one_by_one, side_by_side, first, second, strict=True):
        np.testing.assert_array_equal(a.params, b.params)
        assert ra.loss_curve == rb.loss_curve


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_n_models_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="n_models"):
        RNNForecaster(horizon=2, n_models=bad, **FAST).fit(_hourly(200))
