"""The series of the wide accuracy protocol: the four bundled ones and more real series of each kind.

The extra series are openly licensed data that installable packages ship, copied
into ``benchmarks/data/`` with their provenance in ``benchmarks/data/README.md``
(none of them is one of the evaluation-reserved series the README names). Each
entry says how the series is forecast in the protocol: the horizon, the season
of the seasonal-naive baseline and the forecaster options the series needs
(missing-value policy); every series trains on its whole history, as the
default does, except I-94 traffic, which keeps the demo's 52 weeks (cost). Prices are scored against
the random walk alone (season 1, as for MSFT): a weekly "seasonal naive" of a
price is no forecast anyone uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rnnforecast.demo import DEMO_SERIES, load_demo_series

__all__ = ["WideSeries", "WIDE_SERIES", "load_wide_series"]

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class WideSeries:
    """One series of the protocol: its kind, horizon, baseline season and forecaster options."""

    kind: str
    title: str
    horizon: int
    season_length: int
    options: dict = field(default_factory=dict)


def _close(file):
    frame = pd.read_csv(DATA / file)
    return pd.Series(frame["Close"].to_numpy(float), index=pd.to_datetime(frame["Date"], format="%m/%d/%Y"))


def _wti():
    frame = pd.read_csv(DATA / "wti.csv.gz", na_values=".")
    series = pd.Series(frame["DCOILWTICO"].to_numpy(float), index=pd.to_datetime(frame["Date"], format="%m/%d/%Y"))
    return series.dropna()  # market holidays: no price, as for the stocks (trading days only)


def _temps(file):
    frame = pd.read_csv(DATA / file)
    series = pd.Series(frame["temp"].to_numpy(float), index=pd.to_datetime(frame["date"]))
    return (series.sort_index() - 32.0) / 1.8  # °F -> °C; the one absent hour becomes NaN on the hourly grid


def _taylor():
    frame = pd.read_csv(DATA / "taylor-half-hourly.csv.gz", parse_dates=["datetime"])
    return frame.set_index("datetime")["demand_mw"].astype(float).asfreq("30min")


_EXTRA_LOADERS = {
    "sp500": lambda: _close("sp500.csv.gz"),
    "nasdaq": lambda: _close("nasdaq.csv.gz"),
    "wti": _wti,
    "weather_hourly_sf": lambda: _temps("sf-temps.csv.gz").asfreq("h"),
    "weather_hourly_seattle": lambda: _temps("seattle-temps.csv.gz").asfreq("h"),
    "load_taylor": _taylor,
}

#: Bundled series whose refits keep the demo's training length: a refit of I-94 traffic on its whole
#: 28,512 hours costs ~10 minutes on a 2-core VM, 36 of them do not fit in a session.
SHORTENED = {"traffic"}


def _protocol_options(name, options):
    """The demo's options of a bundled series, without its training-length cap unless it is in :data:`SHORTENED`.

    The protocol judges the forecaster's defaults, and the default trains on the whole history.
    """
    return {k: v for k, v in options.items() if k != "max_train_size" or name in SHORTENED}


WIDE_SERIES = {
    **{
        name: WideSeries(
            name.split("_")[0], spec.title, spec.horizon, spec.season_length, _protocol_options(name, spec.options)
        )
        for name, spec in DEMO_SERIES.items()
    },
    "sp500": WideSeries("stock", "S&P 500 daily close", 10, 1),
    "nasdaq": WideSeries("stock", "NASDAQ Composite daily close", 10, 1),
    "wti": WideSeries("stock", "WTI crude oil daily spot price", 10, 1),
    "weather_hourly_sf": WideSeries(
        "weather", "San Francisco hourly temperature normals", 24, 24, {"missing": "interpolate"}
    ),
    "weather_hourly_seattle": WideSeries(
        "weather", "Seattle hourly temperature normals", 24, 24, {"missing": "interpolate"}
    ),
    "load_taylor": WideSeries("load", "England and Wales half-hourly electricity demand (2000)", 48, 336),
}


def load_wide_series(name: str) -> pd.Series:
    """The target series of a :data:`WIDE_SERIES` entry."""
    if name in DEMO_SERIES:
        return load_demo_series(name)
    if name in _EXTRA_LOADERS:
        return _EXTRA_LOADERS[name]()
    raise ValueError(f"unknown series {name!r}; choose one of {sorted(WIDE_SERIES)}")
