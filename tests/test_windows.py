"""make_windows: shapes, alignment, pandas labels, exogenous columns and clear errors."""

import numpy as np
import pandas as pd
import pytest

from rnnforecast import RNNRegressor, make_windows
from rnnforecast.datasets import load_weather


def test_windows_align_with_their_targets():
    series = np.arange(20.0)
    X, y, index = make_windows(series, n_steps=5, horizon=3)
    assert X.shape == (13, 5) and y.shape == (13, 3)
    for i in range(13):
        assert X[i, -1] + 1 == y[i, 0] == index[i]


def test_pandas_series_gives_timestamps_and_exog_is_interleaved():
    weather = load_weather("daily").iloc[:60]
    X, y, index = make_windows(weather["temp_max"], n_steps=7, exog=weather[["temp_min", "wind"]])
    assert X.shape == (53, 21) and y.shape == (53,)
    assert index[0] == pd.Timestamp("2012-01-08")
    assert X[0, 0] == weather["temp_max"].iloc[0] and X[0, 1] == weather["temp_min"].iloc[0]
    assert X[0, 3] == weather["temp_max"].iloc[1]
    model = RNNRegressor(cell="gru", hidden_size=4, n_steps=7, max_iter=2, random_state=0).fit(X, y)
    assert model.n_input_features_ == 3


def test_input_is_not_modified():
    series = pd.Series(np.arange(10.0))
    copy = series.copy()
    make_windows(series, 3)
    pd.testing.assert_series_equal(series, copy)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(series=np.arange(5.0), n_steps=5), ValueError, "too short for n_steps=5 plus horizon=1"),
        (dict(series=np.array([1.0, np.nan, 2, 3, 4]), n_steps=2), ValueError, "series contains NaN"),
        (dict(series=np.arange(9.0), n_steps=0), ValueError, "n_steps must be a positive integer"),
        (dict(series=np.arange(9.0), n_steps=2, horizon=0), ValueError, "horizon must be a positive integer"),
        (dict(series=np.arange(9.0), n_steps=2, exog=np.ones((8, 1))), ValueError, "exog has 8 rows"),
        (dict(series=np.ones((9, 2)), n_steps=2), ValueError, "series must have one column"),
        (dict(series=pd.Series(list("abcdefgh")), n_steps=2), TypeError, "series must be numeric"),
        (
            dict(series=pd.Series(np.arange(4.0)), n_steps=2, exog=pd.DataFrame({"w": list("abcd")})),
            TypeError,
            "non-numeric columns",
        ),
        (
            dict(series=pd.Series(np.arange(4.0)), n_steps=1, exog=pd.DataFrame({"w": np.ones(4)}, index=[5, 6, 7, 8])),
            ValueError,
            "index differs",
        ),
    ],
)
def test_bad_input_raises_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_windows(**kwargs)
