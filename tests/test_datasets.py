"""The bundled loaders: proper DatetimeIndex, and the documented, visible cleaning."""

import numpy as np
import pandas as pd
import pytest

from rnnforecast.datasets import data_path, load_stock, load_traffic, load_weather


def test_stock_keeps_trading_days_only():
    prices = load_stock()
    assert isinstance(prices.index, pd.DatetimeIndex) and prices.index.is_monotonic_increasing
    assert len(prices) == 7983 and "OpenInt" not in prices.columns
    assert (prices.index.day_of_week < 5).all()  # weekends absent; holidays absent too (no freq set)
    assert prices.index.freq is None


def test_weather_grids_are_complete():
    daily, hourly = load_weather("daily"), load_weather("hourly")
    assert daily.index.freqstr == "D" and len(daily) == 1461 and not daily["temp_max"].isna().any()
    assert hourly.index.freqstr == "h" and len(hourly) == 52584
    assert int(hourly["TEMP"].isna().sum()) == 13  # the source's NA cells, kept visible
    with pytest.raises(ValueError, match="kind must be"):
        load_weather("weekly")


def test_traffic_holes_and_placeholders_are_nan():
    regular, observed = load_traffic(), load_traffic(regular=False)
    assert regular.index.freqstr == "h" and len(observed) == 40575
    assert int(regular["traffic_volume"].isna().sum()) == 11976
    raw = load_traffic(regular=False, clean=False)
    placeholders = (raw["temp"] == 0) | (raw["rain_1h"] > 1000)
    assert int(placeholders.sum()) == 11
    assert observed.loc[placeholders, ["temp", "rain_1h"]].isna().any(axis=1).all()
    unchanged = ~placeholders
    pd.testing.assert_frame_equal(observed[unchanged], raw[unchanged])
    assert observed["temp"].min() > 240 and observed["rain_1h"].max() < 100
    assert (observed["holiday"] == "None").sum() > 40_000  # the string is kept, not read as NaN


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset"):
        data_path("crypto")
    assert np.isfinite(load_stock()["Close"]).all()
