"""Property tests (hypothesis): batching and order never change predictions, float32 tracks float64,
and forecasts are finite and shaped as documented for any finite input."""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, RNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", params=["lstm", "gru", "rnn", "peephole"])
def fitted(request):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 3 * 10)), rng.normal(size=(200, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = RNNRegressor(
            cell=request.param, hidden_size=8, num_layers=2, n_steps=10, max_iter=2, dtype="float64", random_state=0
        ).fit(X, y)
    return model


@SETTINGS
@given(data=st.data())
def test_batch_prediction_equals_one_window_at_a_time_in_any_order(fitted, data):
    n = data.draw(st.integers(1, 70), label="windows")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30)) * data.draw(st.sampled_from([1e-3, 1.0, 1e3]), label="scale")
    together = fitted.predict(X)
    one_by_one = np.concatenate([fitted.predict(X[i : i + 1]) for i in range(n)])
    order = rng.permutation(n)
    np.testing.assert_allclose(one_by_one, together, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fitted.predict(X[order]), together[order], rtol=1e-12, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_float32_tracks_float64(fitted, seed):
    single = copy.deepcopy(fitted)
    single.params_ = fitted.params_.astype(np.float32)
    X = np.random.default_rng(seed).normal(size=(16, 30))
    reference = fitted.predict(X)
    np.testing.assert_allclose(single.predict(X), reference, rtol=0, atol=2e-4 * np.abs(reference).max() + 1e-5)


@settings(max_examples=12, deadline=None)
@given(
    values=arrays(np.float64, st.integers(40, 90), elements=st.floats(-1e6, 1e6, allow_nan=False, width=64)),
    horizon=st.integers(1, 4),
    n_steps=st.integers(2, 12),
    strategy=st.sampled_from(["direct", "recursive"]),
    freq=st.sampled_from(["h", "D", "B", None]),
    wide=st.booleans(),
)
def test_forecasts_are_finite_and_shaped_as_documented(values, horizon, n_steps, strategy, freq, wide):
    assume(np.ptp(values) > 0)
    index = pd.RangeIndex(len(values)) if freq is None else pd.date_range("2024-01-01", periods=len(values), freq=freq)
    y = pd.Series(values, index=index, name="v")
    if wide:
        y = pd.DataFrame({"v": y, "w": y[::-1].to_numpy() * 0.5 + 1.0})
        assume(np.ptp(y["w"].to_numpy()) > 0)  # tiny values vanish next to the 1.0: a constant series is an error
    model = RNNForecaster(
        horizon=horizon,
        n_steps=n_steps,
        strategy=strategy,
        hidden_size=4,
        max_iter=1,
        validation_fraction=0.25,
        random_state=0,
    )
    model.fit(y)
    forecast = model.predict()
    last = index[-1]
    expected_index = (
        pd.RangeIndex(last + 1, last + 1 + horizon)
        if freq is None
        else pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
    )
    assert isinstance(forecast, pd.DataFrame if wide else pd.Series)
    assert list(forecast.index) == list(expected_index)
    assert (forecast.dtypes == np.float64).all() if wide else forecast.dtype == np.float64
    assert np.isfinite(forecast.to_numpy()).all()
    if strategy == "recursive" and len(model.conformal_scores_) < 9:
        with pytest.raises(ValueError, match="cannot calibrate 90% intervals"):
            model.predict_interval()  # too few held-out windows for conformal intervals: a clear error
        return
    interval = model.predict_interval()
    assert np.isfinite(interval[["forecast", "lower", "upper"]].to_numpy()).all()
    assert (interval["lower"] <= interval["forecast"]).all() and (interval["forecast"] <= interval["upper"]).all()
