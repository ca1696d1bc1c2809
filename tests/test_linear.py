"""The linear correction of the seasonal-naive base, weighed beside the network on the held-out windows."""

import numpy as np
import pandas as pd
import pytest

from rnnforecast import RNNForecaster
from rnnforecast.forecasting.calendar import calendar_features, long_cycles
from rnnforecast.forecasting.linear import fit_linear, linear_correction, window_features
from rnnforecast.forecasting.shrinkage import choose_correction_weight, choose_weights, seasonal_naive_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
FAST = dict(n_steps=24, hidden_size=8, max_iter=30, random_state=0)


def _series(values, freq="h"):
    return pd.Series(values, index=pd.date_range("2021-01-01", periods=len(values), freq=freq), name="y")


def _anomalies(n, rng, season=24):
    """A daily cycle plus a persistent AR(1) anomaly: the seasonal-naive base misses it, a linear model does not."""
    anomaly = np.zeros(n)
    for t in range(1, n):
        anomaly[t] = 0.95 * anomaly[t - 1] + rng.normal()
    return 20 + 5 * np.sin(2 * np.pi * np.arange(n) / season) + anomaly


def test_fit_linear_recovers_a_linear_correction():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(500, 6)).cumsum(axis=1)
    scales = rng.uniform(0.5, 2.0, size=500)
    naive = raw[:, -1:] * np.ones((1, 2))
    truth = np.array([[0.0, 0.5], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.3, -0.2]])
    actual = naive + scales[:, None] * (window_features(raw, scales) @ truth)
    coef = fit_linear(raw, naive, actual + 1e-3 * rng.normal(size=actual.shape), scales)
    np.testing.assert_allclose(coef, truth, atol=0.02)  # the small ridge penalty shrinks a little
    correction = linear_correction(coef, raw, scales, 3)
    np.testing.assert_allclose(correction[:, :2], actual - naive, atol=0.05 * np.abs(actual - naive).max())
    assert (correction[:, 2] == 0).all()  # past the fitted steps: no correction


def test_fit_linear_needs_complete_windows():
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(20, 10))
    actual = rng.normal(size=(20, 2))
    assert fit_linear(raw, raw[:, -1:] * np.ones((1, 2)), actual, np.ones(20)) is None  # 20 < 2 x 11 regressors
    raw = rng.normal(size=(200, 3))
    actual = rng.normal(size=(200, 1))
    actual[::2] = np.nan
    assert fit_linear(raw, raw[:, -1:], actual, np.ones(200)).shape == (4, 1)  # the 100 complete windows
    holed = raw.copy()
    holed[0, 1] = np.nan
    assert np.isfinite(linear_correction(np.ones((4, 1)), holed, np.ones(200), 1)).all()


def test_choose_weights_picks_the_expert_that_is_right_and_reduces_to_one_expert():
    rng = np.random.default_rng(2)
    signal, noise = rng.normal(size=(2, 600, 3))
    target = signal + 0.3 * rng.normal(size=(600, 3))
    weights = choose_weights(np.stack([noise, signal]), target, np.arange(600) // 3)
    assert (weights[0] <= 0.1).all() and (weights[1] >= 0.9).all()
    assert not choose_weights(np.stack([noise, rng.normal(size=(600, 3))]), target, np.arange(600) // 3).any()
    halves = choose_weights(np.stack([signal, signal]), target, np.arange(600) // 3)  # two copies share the weight
    np.testing.assert_allclose(halves.sum(axis=0), 1.0, atol=0.1)
    np.testing.assert_array_equal(
        choose_weights(signal[None], target, np.arange(600)),
        choose_correction_weight(signal, target, np.arange(600))[None],
    )


def test_the_forecast_is_the_base_plus_both_weighted_corrections():
    rng = np.random.default_rng(3)
    y = _series(_anomalies(1500, rng))
    model = RNNForecaster(horizon=6, season_length=24, **FAST).fit(y)
    # Under yesterday's same hour, the day of the week is the calendar cycle the base does not carry.
    assert model.linear_calendar_ == ["weekday_sin", "weekday_cos", "weekend"]
    assert model.linear_coef_.shape == (24 + 3 + 1, 6) and model.linear_weight_.shape == (6,)
    assert model.linear_weight_.any()  # a persistent anomaly: the linear correction earns weight
    assert "of the linear correction" in model.summary()["shrinkage"]
    forecast = model.predict().to_numpy()
    network = RNNForecaster(horizon=6, season_length=24, shrinkage=None, **FAST).fit(y).predict().to_numpy()
    raw = y.to_numpy()[None, -24:]
    naive = seasonal_naive_windows(raw, 6, 24)[0]
    scale = np.abs(np.diff(raw[0])).mean()
    first_step = pd.date_range(y.index[-1], periods=2, freq="h")[1:]
    calendar = calendar_features(first_step)[model.linear_calendar_].to_numpy()
    linear = linear_correction(model.linear_coef_, raw, np.array([scale]), 6, calendar)[0]
    expected = naive + model.correction_weight_ * (network - naive) + model.linear_weight_ * linear
    np.testing.assert_allclose(forecast, expected, rtol=1e-6)


def test_calendar_regressors_carry_the_annual_cycle_a_daily_last_value_misses():
    # A daily series: an annual cycle under noise. The last value misses the cycle's drift over the horizon; a
    # correction given the time of the year learns it. Under last week's same half-hour there is no such cycle.
    rng = np.random.default_rng(8)
    t = np.arange(3 * 365)
    y = _series(10 * np.sin(2 * np.pi * t / 365.25) + 0.5 * rng.normal(size=len(t)), freq="D")
    errors = {}
    for calendar in (True, False):
        model = RNNForecaster(
            horizon=14, n_steps=28, season_length=1, hidden_size=4, max_iter=5, random_state=0, calendar=calendar
        ).fit(y.iloc[:900])
        expected = ["weekday_sin", "weekday_cos", "year_sin", "year_cos"] if calendar else []
        assert model.linear_calendar_ == expected
        assert model.linear_coef_.shape == (28 + len(expected) + 1, 14)
        if calendar:
            assert "linear correction (window and weekday, year)" in model.summary()["shrinkage"]
        errors[calendar] = sum(
            np.abs(model.predict(y=y.iloc[:origin]).to_numpy() - y.iloc[origin : origin + 14].to_numpy()).sum()
            for origin in range(900, 1080, 30)
        )
    assert errors[True] < 0.9 * errors[False]
    assert long_cycles(pd.date_range("2021-01-01", periods=4, freq="30min"), None, 336) == []


def test_the_linear_correction_lowers_the_error_on_persistent_anomalies():
    rng = np.random.default_rng(4)
    values = _anomalies(2400, rng)
    errors = {}
    for shrinkage in ("network", "auto"):
        total = 0.0
        for origin in range(2000, 2400, 40):
            model = RNNForecaster(horizon=12, season_length=24, shrinkage=shrinkage, **FAST)
            forecast = model.fit(_series(values[:origin])).predict().to_numpy()
            total += np.abs(forecast - values[origin : origin + 12]).sum()
        errors[shrinkage] = total
    assert errors["auto"] < errors["network"]


def test_a_random_walk_gets_no_linear_correction_and_recursive_models_use_it_too():
    rng = np.random.default_rng(5)
    walk = _series(100 + np.cumsum(rng.normal(size=900)), freq="D")
    model = RNNForecaster(horizon=5, season_length=1, **FAST).fit(walk)
    assert not model.linear_weight_.any()
    np.testing.assert_allclose(model.predict().to_numpy(), walk.iloc[-1], rtol=1e-12)
    y = _series(_anomalies(1500, rng))
    recursive = RNNForecaster(horizon=4, season_length=24, strategy="recursive", **FAST).fit(y)
    assert recursive.linear_coef_.shape == (24 + 3 + 1, 4)  # the window, the day of the week, a constant
    assert np.isfinite(recursive.predict(horizon=9).to_numpy()).all()  # past the fitted steps: no linear part
