"""RNNForecaster: input layouts, exogenous columns, strategies, outputs and errors."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, backtest
from rnnforecast.datasets import load_stock, load_weather

FAST = dict(hidden_size=8, max_iter=8, n_iter_no_change=3, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def seasonal(n=300, period=7, start="2023-01-02", freq="D", name="y", phase=0.0):
    t = np.arange(n)
    values = 20 + 5 * np.sin(2 * np.pi * t / period + phase) + 0.1 * np.cos(t / 13)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name=name)


def test_single_series_forecast_index_and_values():
    y = seasonal()
    model = RNNForecaster(horizon=7, n_steps=14, **{**FAST, "max_iter": 60}).fit(y)
    forecast = model.predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "y"
    pd.testing.assert_index_equal(forecast.index, pd.date_range(y.index[-1] + pd.Timedelta(days=1), periods=7))
    assert np.isfinite(forecast).all()
    assert len(model.predict(3)) == 3
    truth = seasonal(307).iloc[-7:].to_numpy()
    assert np.abs(forecast.to_numpy() - truth).mean() < 1.0  # the series swings by +-5


def test_same_seed_same_forecast_and_input_untouched():
    y = seasonal()
    before = y.copy()
    first = RNNForecaster(horizon=5, n_steps=14, **FAST).fit(y).predict()
    second = RNNForecaster(horizon=5, n_steps=14, **FAST).fit(y).predict()
    np.testing.assert_array_equal(first.to_numpy(), second.to_numpy())
    pd.testing.assert_series_equal(y, before)


def test_wide_frame_trains_one_global_model():
    wide = pd.concat([seasonal(name="a"), seasonal(name="b", phase=1.0) * 3], axis=1)
    wide.iloc[:20, 1] = np.nan  # series b starts later: leading NaN are trimmed
    model = RNNForecaster(horizon=4, n_steps=14, **FAST).fit(wide)
    forecast = model.predict()
    assert list(forecast.columns) == ["a", "b"] and len(forecast) == 4
    assert forecast.index[0] == wide.index[-1] + pd.Timedelta(days=1)
    assert forecast["b"].mean() > 2 * forecast["a"].mean()  # per-series scaling: b lives near 60, a near 20


def test_long_frame_with_different_lengths():
    a, b = seasonal(name="a"), seasonal(n=200, start="2023-04-12", name="b", phase=2.0)
    long = pd.concat(
        [pd.DataFrame({"unique_id": key, "ds": s.index, "y": s.to_numpy()}) for key, s in (("a", a), ("b", b))]
    )
    model = RNNForecaster(horizon=3, n_steps=14, **FAST).fit(long)
    forecast = model.predict()
    assert list(forecast.columns) == ["unique_id", "ds", "forecast"]
    assert forecast.groupby("unique_id").size().to_dict() == {"a": 3, "b": 3}
    assert (forecast.groupby("unique_id")["ds"].min() == a.index[-1] + pd.Timedelta(days=1)).all()
    interval = model.predict_interval()
    assert list(interval.columns) == ["unique_id", "ds", "forecast", "lower", "upper"]


def test_future_known_and_past_only_exogenous_columns():
    y = seasonal(n=320)
    X = pd.DataFrame(
        {"promo": (np.arange(330) % 5 == 0).astype(float), "footfall": np.cos(np.arange(330) / 3)},
        index=pd.date_range(y.index[0], periods=330),
    )
    y = y + 3 * X["promo"].iloc[:320].to_numpy()
    model = RNNForecaster(horizon=5, n_steps=14, past_exog=["footfall"], **FAST).fit(y, X.iloc[:320])
    assert model.season_length_ == 7  # the weekly cycle: its seasonal-naive forecast errs least
    assert model.spec_.n_channels == 1 + 1 + 1 + 1 + 4 + 1  # y, footfall, flag, promo, 4 calendar, baseline
    with pytest.raises(ValueError, match="X is required.*promo"):
        model.predict()
    with pytest.raises(ValueError, match="no rows for 3 of the 5 forecast time stamps"):
        model.predict(X=X.iloc[:322])
    forecast = model.predict(X=X)
    assert len(forecast) == 5 and np.isfinite(forecast).all()
    changed = X.copy()
    changed.loc[forecast.index, "promo"] = 1.0
    assert not np.allclose(model.predict(X=changed), forecast)  # the future column is read
    with pytest.raises(ValueError, match="past_exog names columns"):
        RNNForecaster(past_exog=["nope"], **FAST).fit(y, X.iloc[:320])
    with pytest.raises(ValueError, match="recursive.*known in the future"):
        RNNForecaster(strategy="recursive", past_exog=["footfall"], **FAST).fit(y, X.iloc[:320])


def test_recursive_strategy_forecasts_beyond_training_horizon():
    y = seasonal()
    model = RNNForecaster(horizon=3, n_steps=14, strategy="recursive", **FAST).fit(y)
    forecast = model.predict(10)
    assert len(forecast) == 10 and np.isfinite(forecast).all()
    interval = model.predict_interval(3)
    assert (interval["lower"] <= interval["forecast"]).all() and (interval["forecast"] <= interval["upper"]).all()
    long = model.predict_interval(10)  # beyond the 3 calibrated steps the widths grow like a random walk's
    half = (long["upper"] - long["forecast"]).to_numpy()
    np.testing.assert_allclose(half[:3], (interval["upper"] - interval["forecast"]).to_numpy())
    np.testing.assert_allclose(half[3:], half[2] * np.sqrt(np.arange(4, 11) / 3))
    with pytest.raises(ValueError, match="one-step quantiles"):
        model.predict_quantiles()
    direct = RNNForecaster(horizon=3, n_steps=14, **FAST).fit(y)
    with pytest.raises(ValueError, match="trained for horizon=3"):
        direct.predict(4)


def test_quantiles_never_cross_and_intervals_contain_median():
    y = seasonal()
    model = RNNForecaster(horizon=7, n_steps=14, quantiles=(0.1, 0.9, 0.3), **FAST).fit(y)
    np.testing.assert_array_equal(model.quantiles_, [0.1, 0.3, 0.5, 0.9])
    table = model.predict_quantiles()
    assert list(table.columns) == [0.1, 0.3, 0.5, 0.9]
    assert (np.diff(table.to_numpy(), axis=1) >= 0).all()
    assert list(model.predict_quantiles(quantiles=[0.2]).columns) == [0.2]
    with pytest.raises(ValueError, match="within the trained levels"):
        model.predict_quantiles(quantiles=[0.05])
    with pytest.raises(ValueError, match=r"coverage up to 0\.80, not 0\.95: use method='conformal'"):
        model.predict_interval(coverage=0.95, method="quantile")
    assert len(model.predict_interval(coverage=0.95, method="conformal")) == 7
    for method in ("conformal", "quantile"):
        interval = model.predict_interval(coverage=0.8, method=method)
        assert list(interval.columns) == ["forecast", "lower", "upper"]
        assert (interval["lower"] <= interval["forecast"]).all() and (interval["forecast"] <= interval["upper"]).all()
    narrow, wide = model.conformal_width(0.5), model.conformal_width(0.9)
    assert (narrow <= wide).all()
    with pytest.raises(ValueError, match="cannot calibrate"):
        model.conformal_width(0.999)


def test_business_days_with_holidays_and_integer_index():
    prices = load_stock()["Close"].iloc[-300:]
    model = RNNForecaster(horizon=5, n_steps=20, **FAST).fit(prices)
    forecast = model.predict()
    assert model.freq_.freqstr == "B"
    assert forecast.index[0] == pd.Timestamp("2017-11-13")  # the Monday after Friday 2017-11-10
    assert (forecast.index.day_of_week < 5).all()
    numbers = pd.Series(seasonal().to_numpy())
    integer_model = RNNForecaster(horizon=2, n_steps=14, **FAST).fit(numbers)
    assert list(integer_model.predict().index) == [300, 301]


def test_missing_values_policy():
    y = seasonal()
    y.iloc[100] = np.nan
    with pytest.raises(ValueError, match="1 missing values.*missing='interpolate'"):
        RNNForecaster(**FAST).fit(y)
    holes = seasonal().drop(seasonal().index[[50, 51]])
    with pytest.raises(ValueError, match="2 missing values"):
        RNNForecaster(freq="D", **FAST).fit(holes)
    model = RNNForecaster(horizon=2, n_steps=14, missing="interpolate", freq="D", **FAST).fit(holes)
    assert np.isfinite(model.predict()).all()


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda y: y.iloc[::-1], ValueError, "not sorted"),
        (lambda y: pd.concat([y, y.iloc[-1:]]), ValueError, "duplicate timestamps"),
        (lambda y: y.iloc[:10], ValueError, "at least 21 are needed"),
        (lambda y: y.drop(y.index[[3, 40, 41, 90]]), ValueError, "cannot infer the frequency"),
        (lambda y: y.astype(str), TypeError, "non-numeric"),
        (lambda y: y.reset_index(drop=True).set_axis([f"d{i}" for i in range(len(y))]), TypeError, "indexed by time"),
        (lambda y: y.replace(y.iloc[5], np.inf), ValueError, "infinite"),
        (lambda y: y.to_numpy()[:, None, None], ValueError, "1-D or 2-D"),
        (lambda y: pd.DataFrame({"unique_id": ["a"] * len(y), "ds": y.index, "value": y.to_numpy()}), None, None),
    ],
)
def test_bad_series_get_clear_errors(make, error, words):
    y = make(seasonal())
    if error is None:  # a long frame without a "y" column is read as a wide frame with a non-numeric column
        with pytest.raises(TypeError, match="non-numeric"):
            RNNForecaster(horizon=7, n_steps=14, **FAST).fit(y)
        return
    with pytest.raises(error, match=words):
        RNNForecaster(horizon=7, n_steps=14, **FAST).fit(y)


def test_invalid_parameters_and_horizon():
    y = seasonal()
    with pytest.raises(ValueError, match="strategy"):
        RNNForecaster(strategy="sideways").fit(y)
    with pytest.raises(ValueError, match="quantiles must lie strictly between 0 and 1"):
        RNNForecaster(quantiles=(0.0, 0.5), **FAST).fit(y)
    model = RNNForecaster(horizon=3, n_steps=14, **FAST).fit(y)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="horizon must be a positive integer"):
            model.predict(bad)
    with pytest.raises(ValueError, match="coverage"):
        model.predict_interval(coverage=1.2)


def test_clone_pickle_and_small_state():
    y = seasonal()
    model = RNNForecaster(horizon=7, n_steps=14, **FAST)
    assert clone(model).get_params() == model.get_params()
    model.fit(y)
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(), model.predict())
    pd.testing.assert_frame_equal(restored.predict_interval(), model.predict_interval())
    assert len(pickle.dumps(model)) < 60_000  # the last window of each series is kept, not the training data


def test_real_weather_backtest_beats_last_value():
    from rnnforecast import backtest

    y = load_weather("daily")["temp_max"]
    model = RNNForecaster(horizon=7, hidden_size=16, max_iter=30, random_state=0)
    result = backtest(model, y, n_windows=8, step=21, refit=False, season_length=1)
    summary = result.summary()
    assert summary.loc["rnn", "mase"] < summary.loc["seasonal_naive", "mase"]


@pytest.mark.parametrize("scope", ["global", "local"])
def test_long_frames_with_long_future_exogenous_columns(scope):
    index = pd.date_range("2023-01-01", periods=130, freq="D")
    ys, xs = [], []
    for k, key in enumerate(["a", "b"]):
        promo = (np.arange(130) % 5 == k).astype(float)
        values = 10 + np.sin(np.arange(130) / 3 + k) + 2 * promo
        ys.append(pd.DataFrame({"unique_id": key, "ds": index[:120], "y": values[:120]}))
        xs.append(pd.DataFrame({"unique_id": key, "ds": index.strftime("%Y-%m-%d"), "promo": promo}))
    long_y, long_X = pd.concat(ys), pd.concat(xs)
    # shrinkage=None: 120 points hold too few validation windows for the network's correction to be kept, and
    # this test is about each series reading its own rows of X.
    model = RNNForecaster(horizon=3, n_steps=14, scope=scope, shrinkage=None, **FAST).fit(long_y, long_X)
    forecast = model.predict(X=long_X)
    assert forecast.groupby("unique_id")["ds"].min().tolist() == [index[120]] * 2
    changed = long_X.assign(promo=1.0)
    assert not np.allclose(model.predict(X=changed)["forecast"], forecast["forecast"])  # each series reads its rows
    with pytest.raises(ValueError, match="no rows for 3 of the 3 forecast time stamps of series 'b'"):
        model.predict(X=long_X[(long_X["unique_id"] == "a")])


def test_nonnegative_targets_get_nonnegative_forecasts_and_bounds():
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=400, freq="D")
    counts = pd.Series(np.abs(rng.normal(0, 3, size=400)) * (np.arange(400) % 7 < 2), index=index)  # mostly 0
    model = RNNForecaster(horizon=7, n_steps=14, interval_method="conformal", **FAST).fit(counts)
    assert model.nonnegative_
    bounds = [model.predict(), model.predict_interval(coverage=0.95), model.predict_quantiles()]
    assert all((np.asarray(b) >= 0).all() for b in bounds)
    free = RNNForecaster(horizon=7, n_steps=14, interval_method="conformal", nonnegative=False, **FAST).fit(counts)
    assert not free.nonnegative_ and (free.predict_interval(coverage=0.95)["lower"] < 0).any()
    frame = backtest(model, counts, n_windows=3, refit=False).forecasts
    assert (frame[["forecast", "lower", "upper"]] >= 0).all().all()
    assert not RNNForecaster(**FAST).fit(counts - 1.0).nonnegative_  # negative values: no floor


def test_forecast_from_new_observations_without_refitting():
    y = seasonal(400)
    model = RNNForecaster(horizon=7, n_steps=14, **FAST).fit(y.iloc[:300])
    before = model.predict()
    np.testing.assert_array_equal(model.predict(y=y.iloc[:300]).to_numpy(), before.to_numpy())
    later = model.predict(y=y.iloc[:350])
    assert later.index[0] == y.index[350] and len(later) == 7
    np.testing.assert_array_equal(model.predict().to_numpy(), before.to_numpy())  # the model itself is unchanged
    interval = model.predict_interval(y=y.iloc[:350])
    assert interval.index.equals(later.index) and (interval["lower"] <= interval["upper"]).all()
    assert model.predict_quantiles(y=y.iloc[:350]).shape == (7, len(model.quantiles_))


def test_a_global_model_forecasts_series_it_never_saw():
    y = seasonal(400)
    model = RNNForecaster(horizon=7, n_steps=14, **FAST).fit(y.iloc[:300])
    # Window normalisation makes the network level- and scale-free: a shifted, scaled copy gets the same forecast.
    stranger = (100 + 10 * y.iloc[:300]).rename("other")
    np.testing.assert_allclose(model.predict(y=stranger).to_numpy(), 100 + 10 * model.predict().to_numpy(), rtol=1e-4)
    wide = pd.concat([y.iloc[:300].rename("known"), stranger], axis=1)
    table = model.predict(y=wide)
    assert list(table.columns) == ["known", "other"]
    updated = clone(model).fit(y.iloc[:300]).update(wide)
    assert updated.series_ids_ == ["known", "other"] and updated.predict().shape == (7, 2)


def test_new_history_must_fit_the_model():
    y = seasonal(400)
    model = RNNForecaster(horizon=7, n_steps=14, **FAST).fit(y.iloc[:300])
    with pytest.raises(ValueError, match="at least 14"):
        model.predict(y=y.iloc[:10])
    hourly = pd.Series(np.arange(100.0), index=pd.date_range("2024-01-01", periods=100, freq="h"))
    with pytest.raises(ValueError, match="frequency"):
        model.predict(y=hourly)
    with pytest.raises(ValueError, match=r"predict\(horizon, y=new_history\)"):
        model.predict(y.iloc[:350])  # a longer history passed as the time stamps to forecast
    local = RNNForecaster(horizon=7, n_steps=14, scope="local", **FAST).fit(y.iloc[:300])
    with pytest.raises(ValueError, match="scope='global'"):
        local.update(y)


def test_a_fitted_model_says_what_it_is():
    y = seasonal(400)
    model = RNNForecaster(horizon=7, n_steps=14, max_train_size=300, **FAST).fit(y)
    summary = model.summary()
    assert summary["series"] == "1" and summary["frequency"] == "D" and summary["lookback"] == "14 steps"
    assert summary["training span"] == f"{y.index[100]} to {y.index[-1]}"
    assert summary["network"].startswith("GRU 1x8,") and summary["epochs"].endswith(f"of {FAST['max_iter']}")
    assert summary["shrinkage"].startswith(("keeps", "seasonal-naive")) and summary["non-negative"].startswith("yes")
    text = str(summary)
    assert len(text.splitlines()) == len(summary) and "training span" in text
    walk = pd.Series(
        100 + np.cumsum(np.random.default_rng(0).normal(size=600)), index=pd.date_range("2020", periods=600)
    )
    gated = RNNForecaster(horizon=5, season_length=1, **FAST).fit(walk).summary()["shrinkage"]
    assert gated.startswith("seasonal-naive forecast")
    local = RNNForecaster(horizon=7, n_steps=14, scope="local", **FAST).fit(pd.concat([y, y.rename("z")], axis=1))
    assert local.summary()["series"].startswith("2 (one model each")
