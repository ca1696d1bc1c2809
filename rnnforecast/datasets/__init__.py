"""Real, openly licensed time series shipped with rnnforecast.

=====================  ===========================================  ============
loader                 series                                       license
=====================  ===========================================  ============
:func:`load_stock`     Microsoft (MSFT) daily prices, 1986-2017      CC0 1.0
:func:`load_weather`   Seattle daily weather 2012-2015 (``daily``)   public domain
                       Shanghai hourly weather + PM2.5 2010-2015     CC BY 4.0
                       (``hourly``)
:func:`load_traffic`   I-94 hourly traffic volume 2012-2018          CC BY 4.0
=====================  ===========================================  ============

Provenance, attribution and every normalisation step of the files are in
``rnnforecast/datasets/data/README.md`` (credits: "Huge Stock Market Dataset,
Boris Marjanovic, via pmdarima"; "NOAA NCDC, via vega-datasets"; Liang et al.
(2016) and the UCI Machine Learning Repository; Hogue, J. (2019), Metro Interstate
Traffic Volume, UCI Machine Learning Repository).

Every loader returns a ``pandas.DataFrame`` with a sorted, duplicate-free
``DatetimeIndex``. What the loaders change, visibly:

* stock: the index keeps trading days only (``freq`` is not set: weekends and
  market holidays are absent, as in the source); ``OpenInt`` (always 0) is dropped.
* Shanghai hourly: ``NA`` cells become ``NaN``; the index is the complete hourly grid.
* traffic: with ``regular=True`` (default) the index is reindexed to the complete
  hourly grid, so the 11,976 hours absent from the source appear as ``NaN`` rows
  (never silently interpolated); ``holiday`` keeps the string ``"None"``. With
  ``clean=True`` (default) the source's placeholder readings become ``NaN``: the
  10 hours with ``temp`` = 0 K (sensor error) and the one hour with
  ``rain_1h`` = 9831.3 mm (more than any rainfall record; the next largest is
  55.6 mm).
* Duplicate timestamps: none remain in the bundled files (the traffic source's
  repeated hours were reduced to their first row, see the data README); the
  loaders check this and raise if a file ever has some.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

import pandas as pd

__all__ = ["load_stock", "load_weather", "load_traffic", "data_path"]

_FILES = {
    "stock": "stock_msft_daily.csv",
    "weather_daily": "weather_seattle_daily.csv",
    "weather_hourly": "weather_shanghai_hourly.csv",
    "traffic": "traffic_metro_interstate_hourly.csv",
}


def data_path(name: str) -> Traversable:
    """Path of a bundled CSV file.

    Parameters
    ----------
    name : {"stock", "weather_daily", "weather_hourly", "traffic"}
        The data set.

    Returns
    -------
    path : importlib.resources.abc.Traversable
    """
    if name not in _FILES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(_FILES)}")
    return resources.files(__name__).joinpath("data", _FILES[name])


def _read(name: str, **read_options) -> pd.DataFrame:
    with resources.as_file(data_path(name)) as path:
        frame = pd.read_csv(path, **read_options)
    index_column = frame.columns[0]
    frame[index_column] = pd.to_datetime(frame[index_column])
    frame = frame.set_index(index_column).sort_index()
    if frame.index.has_duplicates:
        raise ValueError(f"bundled dataset {name!r} has duplicate timestamps")
    return frame


def load_stock() -> pd.DataFrame:
    """Microsoft (MSFT) daily prices, 1986-03-13 to 2017-11-10 (7,983 trading days).

    Returns
    -------
    frame : pandas.DataFrame
        Columns ``Open, High, Low, Close, Volume`` (split/dividend adjusted),
        indexed by trading day.

    Examples
    --------
    >>> from rnnforecast.datasets import load_stock
    >>> prices = load_stock()
    >>> prices["Close"].iloc[-1]
    np.float64(83.87)
    """
    return _read("stock").drop(columns=["OpenInt"])


def load_weather(kind: str = "daily") -> pd.DataFrame:
    """Weather observations.

    Parameters
    ----------
    kind : {"daily", "hourly"}, default="daily"
        ``"daily"``: Seattle, 2012-2015 (``precipitation, temp_max, temp_min,
        wind, weather``), complete. ``"hourly"``: Shanghai, 2010-2015 (PM2.5 at
        three sites, ``DEWP, HUMI, PRES, TEMP, cbwd, Iws, precipitation, Iprec``),
        complete hourly grid with ``NaN`` where the source has ``NA``.

    Returns
    -------
    frame : pandas.DataFrame with an evenly spaced DatetimeIndex (``freq`` set)

    Examples
    --------
    >>> from rnnforecast.datasets import load_weather
    >>> load_weather().index.freqstr
    'D'
    """
    if kind == "daily":
        frame = _read("weather_daily")
        return frame.asfreq("D")
    if kind == "hourly":
        frame = _read("weather_hourly")
        return frame.asfreq("h")
    raise ValueError(f"kind must be 'daily' or 'hourly', got {kind!r}")


def load_traffic(regular: bool = True, clean: bool = True) -> pd.DataFrame:
    """Hourly westbound traffic volume on I-94 (Minneapolis-St Paul), 2012-2018.

    Parameters
    ----------
    regular : bool, default=True
        Reindex to the complete hourly grid: hours missing from the source
        become rows of ``NaN``. ``False`` returns the 40,575 observed hours.
    clean : bool, default=True
        Replace placeholder readings with ``NaN``: ``temp`` of 0 K (10 hours)
        and ``rain_1h`` above 1000 mm (one hour, 9831.3 mm).

    Returns
    -------
    frame : pandas.DataFrame
        ``traffic_volume`` (the target, vehicles per hour) plus weather and
        holiday columns.

    Examples
    --------
    >>> from rnnforecast.datasets import load_traffic
    >>> traffic = load_traffic()
    >>> int(traffic["traffic_volume"].isna().sum())
    11976
    >>> int(load_traffic(regular=False)["temp"].isna().sum()), int(load_traffic(clean=False)["temp"].eq(0).sum())
    (10, 10)
    """
    frame = _read("traffic", keep_default_na=False, na_values=[""])
    if clean:
        frame["temp"] = frame["temp"].mask(frame["temp"] <= 0)
        frame["rain_1h"] = frame["rain_1h"].mask(frame["rain_1h"] > 1000)
    return frame.asfreq("h") if regular else frame
