"""Long frames in the user's own column names: id_col, time_col, target_col on the forecaster, backtests, plots."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, backtest
from rnnforecast.plotting import plot_backtest, plot_forecast

FAST = dict(horizon=4, n_steps=21, hidden_size=8, max_iter=3, n_iter_no_change=3, random_state=0)
NAMES = dict(id_col="store", time_col="date", target_col="sales")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def long_frames(n=160):
    days = pd.date_range("2024-01-01", periods=n, freq="D")
    t = np.arange(n)
    rows = []
    for k, store in enumerate(["north", "south"]):
        rows.append(pd.DataFrame({"store": store, "date": days, "sales": 50 + 10 * np.sin(2 * np.pi * t / 7 + k)}))
    y = pd.concat(rows, ignore_index=True)
    X = y[["store", "date"]].assign(promo=(np.arange(len(y)) % 5 == 0).astype(float))
    return y, X


def internal(frame):
    return frame.rename(columns={"store": "unique_id", "date": "ds", "sales": "y"})


def test_user_names_give_the_same_forecasts_in_the_same_names():
    y, X = long_frames()
    named = RNNForecaster(**FAST, **NAMES, past_exog=["promo"]).fit(y, X)
    plain = RNNForecaster(**FAST, past_exog=["promo"]).fit(internal(y), internal(X))
    for method in ("predict", "predict_quantiles", "predict_interval"):
        mine, reference = getattr(named, method)(), getattr(plain, method)()
        assert list(mine.columns[:2]) == ["store", "date"]
        pd.testing.assert_frame_equal(internal(mine), reference)
    newer = y[y["date"] <= "2024-05-20"]
    pd.testing.assert_frame_equal(
        internal(named.predict(y=newer, X=X[X["date"] <= "2024-05-20"])),
        plain.predict(y=internal(newer), X=internal(X[X["date"] <= "2024-05-20"])),
    )
    assert named.update(newer, X[X["date"] <= "2024-05-20"]) is named


def test_backtest_and_plots_speak_the_user_names():
    y, _ = long_frames()
    result = backtest(RNNForecaster(**FAST, **NAMES), y, n_windows=2, refit=False)
    assert {"store", "date", "sales"} <= set(result.forecasts.columns)
    assert "unique_id" not in result.forecasts.columns and "store" in result.metrics.columns
    assert result.columns == ("store", "date", "sales")
    assert list(result.summary(by="series").index.names) == ["store", "model"]
    ax = plot_backtest(result, unique_id="south")
    assert ax.get_title().startswith("south: backtest")
    model = RNNForecaster(**FAST, **NAMES).fit(y)
    ax = plot_forecast(y, model.predict_interval(), unique_id="south", **NAMES)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["observed", "forecast", "interval"] and ax.get_title() == "south: forecast"
    with pytest.raises(ValueError, match="no series 'east' in its 'store' column"):
        plot_forecast(y, model.predict(), unique_id="east", **NAMES)


def test_plot_forecast_takes_long_frames_in_the_default_names():
    y, _ = long_frames()
    model = RNNForecaster(**FAST).fit(internal(y))
    ax = plot_forecast(internal(y), model.predict())  # the first series, point forecast only
    assert ax.get_title() == "north: forecast" and len(ax.get_legend().get_texts()) == 2


def test_column_names_that_clash_are_errors():
    y, _ = long_frames()
    with pytest.raises(ValueError, match="three different column names"):
        RNNForecaster(**FAST, id_col="store", time_col="store", target_col="sales").fit(y)
    with pytest.raises(ValueError, match="cannot play the role of 'unique_id'"):
        RNNForecaster(**FAST, id_col="ds", time_col="date", target_col="sales").fit(y)
    with pytest.raises(ValueError, match=r"has both the columns \['sales'\] and \['y'\]"):
        RNNForecaster(**FAST, **NAMES).fit(y.assign(y=1.0))
