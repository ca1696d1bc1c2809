"""Validated shrinkage toward the seasonal-naive baseline: a random walk gives the random walk, signal is kept."""

import numpy as np
import pandas as pd
import pytest

from rnnforecast import RNNForecaster, backtest
from rnnforecast.forecasting.predictability import N_FOLDS, fold_gains, predictable
from rnnforecast.forecasting.shrinkage import (
    WEIGHT_GRID,
    choose_correction_weight,
    seasonal_naive_windows,
    shrink_quantiles,
    spread_factors,
    spread_quantiles,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
FAST = dict(n_steps=20, hidden_size=8, max_iter=30, random_state=0)


def _series(values):
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=len(values), freq="D"), name="y")


def test_choose_weight_keeps_a_helpful_correction_and_drops_noise():
    rng = np.random.default_rng(1)
    signal = rng.normal(size=(300, 2))
    target = np.column_stack([signal[:, 0] + 0.2 * rng.normal(size=300), rng.normal(size=300)])
    weight = choose_correction_weight(signal, target, np.arange(300) // 3)
    assert weight[0] >= 0.8 and weight[1] == 0.0
    assert set(weight) <= set(WEIGHT_GRID)


def test_choose_weight_needs_two_blocks_of_evidence():
    signal = np.ones((5, 1))
    assert choose_correction_weight(signal, signal, np.zeros(5)).tolist() == [0.0]


def test_a_half_right_correction_is_half_kept():
    rng = np.random.default_rng(2)
    correction = rng.normal(size=(2000, 1))
    target = 0.5 * correction + 0.01 * rng.normal(size=(2000, 1))
    assert choose_correction_weight(correction, target, np.arange(2000))[0] == pytest.approx(0.5, abs=0.05)


def test_seasonal_naive_windows_and_shrunk_quantiles():
    windows = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    assert seasonal_naive_windows(windows, 4, 2).tolist() == [[4.0, 5.0, 4.0, 5.0]]
    assert seasonal_naive_windows(windows, 2, 9).tolist() == [[5.0, 5.0]]  # a season past the window: last value
    quantiles = np.array([[[0.0, 10.0], [1.0, 12.0], [2.0, 14.0]]])  # (1 window, 3 quantiles, 2 steps)
    naive = np.array([[1.0, 2.0]])
    shrunk = shrink_quantiles(quantiles, naive, np.array([0.0, 0.5]), median=1)
    np.testing.assert_allclose(shrunk[0, 1], [1.0, 7.0])  # step 1: the naive value; step 2: halfway
    np.testing.assert_allclose(np.diff(shrunk[0], axis=0), np.diff(quantiles[0], axis=0))  # spread kept


def test_a_random_walk_is_forecast_by_the_random_walk():
    rng = np.random.default_rng(0)
    y = _series(100 + np.cumsum(rng.normal(size=900)))
    model = RNNForecaster(horizon=5, season_length=1, **FAST).fit(y)
    weight = model.correction_weight_
    assert weight.shape == (5,) and (weight == 0).sum() >= 4
    forecast = model.predict().to_numpy()
    np.testing.assert_allclose(forecast[weight == 0], y.iloc[-1], rtol=1e-12)
    unshrunk = RNNForecaster(horizon=5, season_length=1, shrinkage=None, **FAST).fit(y)
    assert unshrunk.correction_weight_ is None
    assert not np.allclose(unshrunk.predict().to_numpy(), y.iloc[-1])


@pytest.mark.parametrize("shrinkage", ["network", "auto"])
def test_a_learnable_signal_keeps_a_correction(shrinkage):
    rng = np.random.default_rng(0)
    # A 5-step cycle under a last-value base (season_length=1): the base is poor at steps 1-3, the network is not;
    # the cycle is linear in the window, so with shrinkage="auto" the linear correction may carry it instead.
    y = _series(10 + 2 * np.sin(np.arange(900) * 2 * np.pi / 5) + 0.2 * rng.normal(size=900))
    model = RNNForecaster(horizon=3, season_length=1, shrinkage=shrinkage, **FAST).fit(y)
    kept = model.correction_weight_ + (0 if model.linear_weight_ is None else model.linear_weight_)
    assert kept.min() >= 0.7
    if shrinkage == "network":
        assert model.linear_weight_ is None and model.linear_coef_ is None
        assert model.correction_weight_.min() >= 0.7
    result = backtest(model, y, n_windows=10, refit=False).summary()
    assert result.loc["rnn", "mae"] < 0.6 * result.loc["seasonal_naive", "mae"]


def test_intervals_are_calibrated_after_shrinkage():
    rng = np.random.default_rng(3)
    y = _series(100 + np.cumsum(rng.normal(size=900)))
    model = RNNForecaster(horizon=5, season_length=1, interval_method="conformal", **FAST).fit(y)
    interval = model.predict_interval(coverage=0.9)
    point = interval["forecast"].to_numpy()
    assert np.all(interval["lower"].to_numpy() < point) and np.all(point < interval["upper"].to_numpy())
    assert (model.conformal_width(0.9) > 0).all()
    result = backtest(model, y, n_windows=20, refit=False, interval_method="conformal").summary()
    assert 0.75 <= result.loc["rnn", "coverage"] <= 1.0


def test_spread_factors_make_held_out_intervals_cover_their_level():
    rng = np.random.default_rng(4)
    n, horizon = 400, 3
    centre = rng.normal(size=(n, horizon))
    actual = centre + 3.0 * rng.normal(size=(n, horizon)) * np.array([1.0, 2.0, 3.0])  # heads 3-9x too narrow
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    quantiles = centre[:, None, :] + np.array([-1.645, -0.674, 0.0, 0.674, 1.645])[None, :, None]
    factors = spread_factors(quantiles, actual, np.ones(n), levels)
    assert factors[2].tolist() == [1.0] * horizon and (np.diff(factors[-1]) > 0).all()
    np.testing.assert_array_equal(factors[0], factors[-1])  # one factor per symmetric pair
    spread = spread_quantiles(quantiles, factors, median=2)
    np.testing.assert_array_equal(spread[:, 2], centre)  # the point forecast never moves
    assert (np.diff(spread, axis=1) >= 0).all()
    inside = (actual >= spread[:, 0]) & (actual <= spread[:, -1])
    assert np.all(np.abs(inside.mean(axis=0) - 0.9) <= 0.02)
    fresh = centre + 3.0 * rng.normal(size=(n, horizon)) * np.array([1.0, 2.0, 3.0])  # new draws, same law
    assert np.all(np.abs(((fresh >= spread[:, 0]) & (fresh <= spread[:, -1])).mean(axis=0) - 0.9) <= 0.05)
    raw = (fresh >= quantiles[:, 0]) & (fresh <= quantiles[:, -1])
    assert raw.mean() < 0.5  # the heads alone cover far too little


def test_spread_factors_handle_lone_levels_missing_values_and_zero_spread():
    actual = np.arange(-9.0, 10.0).reshape(19, 1)
    quantiles = np.tile(np.array([0.0, 0.0, 1.0])[None, :, None], (19, 1, 1))  # no spread below the median
    actual_with_gap = actual.copy()
    actual_with_gap[0] = np.nan
    factors = spread_factors(quantiles, actual_with_gap, np.ones(19), np.array([0.3, 0.5, 0.8]))
    assert np.isfinite(factors).all() and factors[1, 0] == 1.0
    assert factors[2, 0] == 7.0  # one-sided: rank ceil(19 * 0.8) = 16 of the 18 observed values -8 .. 9
    assert spread_quantiles(quantiles, None, 1) is quantiles


def test_interval_spread_is_fitted_on_held_out_windows_and_reported():
    rng = np.random.default_rng(5)
    y = _series(1000 + np.cumsum(rng.normal(size=900)))
    model = RNNForecaster(horizon=5, season_length=1, **FAST).fit(y)
    spread = model.quantile_spread_
    assert spread.shape == (len(model.quantiles_), 5) and (spread > 0).all()
    median = int(np.searchsorted(model.quantiles_, 0.5))
    assert (spread[median] == 1).all()
    assert "to cover" in model.summary()["intervals"]
    calibrated = model.predict_interval(coverage=0.9)
    model.quantile_spread_ = np.ones_like(spread)
    heads = model.predict_interval(coverage=0.9)
    np.testing.assert_array_equal(calibrated["forecast"], heads["forecast"])
    outer = np.searchsorted(model.quantiles_, 0.95)
    widths = (calibrated["upper"] - calibrated["forecast"]) / (heads["upper"] - heads["forecast"])
    np.testing.assert_allclose(widths, spread[outer], rtol=1e-9)
    recursive = RNNForecaster(horizon=5, season_length=1, strategy="recursive", **FAST).fit(y)
    assert recursive.quantile_spread_ is None


def test_without_held_out_windows_there_is_no_shrinkage():
    y = _series(np.sin(np.arange(300) / 3) + 5)
    model = RNNForecaster(horizon=3, early_stopping=False, **FAST).fit(y)
    assert model.correction_weight_ is None


def test_recursive_models_extend_the_last_weight_beyond_the_trained_horizon():
    rng = np.random.default_rng(0)
    y = _series(100 + np.cumsum(rng.normal(size=600)))
    model = RNNForecaster(horizon=4, strategy="recursive", season_length=1, **FAST).fit(y)
    assert model.correction_weight_.shape == (4,)
    assert model.predict(horizon=9).shape == (9,)


def test_history_without_a_linear_signal_vetoes_a_recent_drift():
    # A random walk that drifts up in its last fifth: the held-out (most recent) windows reward a network that
    # learned the drift, but over the whole history a correction of the random walk wins as often as it loses.
    rng = np.random.default_rng(4)
    steps = rng.normal(size=1500)
    steps[-300:] += 0.8
    y = _series(100 + np.cumsum(steps))
    gains = fold_gains([y.to_numpy()], 20, 5, 1)
    assert gains.shape == (N_FOLDS,) and not predictable(gains)
    model = RNNForecaster(horizon=5, season_length=1, **FAST).fit(y)
    np.testing.assert_array_equal(model.predictability_, gains)
    assert (model.correction_weight_ == 0).all()
    np.testing.assert_allclose(model.predict().to_numpy(), y.iloc[-1], rtol=1e-12)
    assert RNNForecaster(horizon=5, season_length=1, shrinkage=None, **FAST).fit(y).predictability_ is None


def test_fold_gains_find_persistent_anomalies_and_pool_series():
    rng = np.random.default_rng(5)
    t = np.arange(2000)
    anomaly = np.convolve(rng.normal(size=2000), np.ones(30) / 6, "same")  # slow, persistent deviations
    series = [np.sin(2 * np.pi * t / 24) + anomaly, np.cos(2 * np.pi * t / 24) + anomaly[::-1]]
    gains = fold_gains(series, 48, 12, 24)
    assert predictable(gains) and gains.min() > 0.05
    walks = [np.cumsum(rng.normal(size=2000)) for _ in range(3)]
    assert not predictable(fold_gains(walks, 24, 5, 1))


def test_predictable_needs_a_positive_mean_one_standard_error_clear_of_zero():
    # A load-like history: a gain on most periods, a loss on the earliest ones (t = 1.7).
    assert predictable(np.array([0.10, 0.30, -0.20, 0.35, 0.35]))
    assert not predictable(np.array([0.10, -0.10, 0.05, -0.05, 0.02]))  # t = 0.3: no evidence either way
    assert not predictable(np.array([-0.30, -0.10, -0.20, -0.25, -0.15]))  # consistently worse
    rng = np.random.default_rng(7)
    walks = [np.cumsum(rng.normal(size=1500)) for _ in range(20)]
    assert not any(predictable(fold_gains([w], 60, 10, 1)) for w in walks)


def test_fold_gains_skip_missing_values_and_short_series():
    rng = np.random.default_rng(6)
    values = np.cumsum(rng.normal(size=1000))
    holed = values.copy()
    holed[100:110] = np.nan
    assert np.isfinite(fold_gains([holed], 24, 5, 1)).all()
    assert fold_gains([values[:30]], 24, 5, 1).shape == (0,)
    assert predictable(np.empty(0))  # too little history to tell: the held-out windows decide alone
