"""Turn what users pass as series (Series, wide or long frames) into one checked panel.

A :class:`Panel` holds one or more series that share a time axis: an evenly
spaced ``DatetimeIndex`` (with a frequency), a business-day index that may skip
market holidays, or an integer ``RangeIndex``. Each series keeps its own first
observation (series in a wide frame may start at different times: leading NaN
are trimmed), and exogenous columns travel with it, aligned on the same index.

Everything here is validation and reshaping with pandas; no numbers are
modified except by the documented missing-value policy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "Panel",
    "LONG_COLUMNS",
    "to_panel",
    "future_index",
    "infer_frequency",
    "check_same_time_kind",
    "long_times",
    "series_exog",
]

LONG_COLUMNS = ("unique_id", "ds", "y")
MISSING_POLICIES = ("error", "interpolate")


@dataclass
class Panel:
    """Series sharing one time axis.

    Attributes
    ----------
    ids : list
        Series names, in the user's order.
    values : list of ndarray (n_i,)
        Target values of each series, float64, without NaN.
    index : list of Index
        Time stamps of each series (``DatetimeIndex`` or ``RangeIndex``).
    exog : list of ndarray (n_i, n_exog) or None
        Exogenous values aligned with each series.
    exog_names : list of str
    freq : pandas offset or None
        ``None`` for integer (``RangeIndex``) time.
    layout : {"series", "wide", "long"}
        How the user passed the series (outputs come back the same way).
    name : str or None
        Name of a single Series.
    """

    ids: list
    values: list
    index: list
    exog: list | None
    exog_names: list = field(default_factory=list)
    freq: object = None
    layout: str = "series"
    name: object = None

    @property
    def n_series(self) -> int:
        return len(self.ids)


def infer_frequency(index: pd.Index, freq=None):
    """Frequency of ``index``: ``freq`` when given, else inferred; ``None`` for integer time.

    Business days are recognised even when holidays are missing (stock prices):
    every timestamp falls on a weekday at midnight, consecutive timestamps are
    usually one day and at most ten days apart.

    Raises
    ------
    ValueError
        When the timestamps are not evenly spaced and ``freq`` was not given.
    """
    if not isinstance(index, pd.DatetimeIndex):
        if freq is not None:
            raise ValueError(f"freq={freq!r} needs a DatetimeIndex, but the series has a {type(index).__name__}")
        return None
    if freq is not None:
        try:
            return pd.tseries.frequencies.to_offset(freq)
        except ValueError as error:
            raise ValueError(f"freq={freq!r} is not a pandas frequency string: {error}") from None
    if index.freq is not None:
        return index.freq
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns that infer_freq will return an offset, not a string
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            inferred = pd.infer_freq(index)
        if inferred is not None:
            return pd.tseries.frequencies.to_offset(inferred)
        if _looks_like_business_days(index):
            return pd.offsets.BDay()
    raise ValueError(
        "cannot infer the frequency of the time index (timestamps are not evenly spaced); pass freq='D', 'h', "
        "'B', ... or make the index regular first (e.g. y.asfreq('h'), then missing='interpolate')"
    )


def _looks_like_business_days(index: pd.DatetimeIndex) -> bool:
    if (index.day_of_week >= 5).any() or (index != index.normalize()).any():
        return False
    gaps = np.diff(index.to_numpy()) // np.timedelta64(1, "D")
    # Most gaps are one day; weekends and holidays add a few; rare closures (2001-09-11: a week) are allowed.
    return bool(gaps.min() >= 1 and np.median(gaps) == 1 and gaps.max() <= 10)


def future_index(last, periods: int, freq) -> pd.Index:
    """The ``periods`` time stamps after ``last`` (integers when ``freq`` is None)."""
    if freq is None:
        return pd.RangeIndex(last + 1, last + 1 + periods)
    return pd.date_range(last + freq, periods=periods, freq=freq)


def _check_index(index: pd.Index, what: str) -> None:
    is_time = isinstance(index, pd.DatetimeIndex | pd.RangeIndex)
    if not is_time and not (pd.api.types.is_integer_dtype(index) and not index.empty):
        raise TypeError(
            f"{what} must be indexed by time: a DatetimeIndex (parse dates with pd.to_datetime and set_index) "
            f"or integer positions, got a {type(index).__name__} of dtype {index.dtype}"
        )
    if index.hasnans:
        raise ValueError(f"{what} has missing (NaT) timestamps in its index; drop those rows")
    if index.has_duplicates:
        duplicated = index[index.duplicated()][:3].tolist()
        raise ValueError(
            f"{what} has duplicate timestamps (e.g. {duplicated}); aggregate them first, e.g. y.groupby(level=0).mean()"
        )
    if not index.is_monotonic_increasing:
        raise ValueError(f"{what}'s index is not sorted in time; call .sort_index() first")


def check_same_time_kind(y_index: pd.Index, x_index: pd.Index) -> None:
    """Raise when ``X`` cannot align with ``y``: dates against integers, or different time zones."""
    y_dates, x_dates = isinstance(y_index, pd.DatetimeIndex), isinstance(x_index, pd.DatetimeIndex)
    if y_dates != x_dates:
        kinds = {True: "dates", False: "integer positions"}
        raise TypeError(f"y is indexed by {kinds[y_dates]} but X by {kinds[x_dates]}; index both the same way")
    if y_dates and str(y_index.tz) != str(x_index.tz):
        raise ValueError(
            f"y's time stamps are in time zone {y_index.tz} but X's in {x_index.tz}; convert one "
            "(.tz_convert(...) or .tz_localize(...)) so both use the same"
        )


def _regular(index: pd.Index, freq, what: str) -> pd.Index:
    """The complete grid of ``index`` under ``freq`` (business days may skip holidays)."""
    if freq is None:
        steps = np.diff(np.asarray(index))
        if len(steps) and not (steps == 1).all():
            raise ValueError(f"{what}'s integer index must count up by 1 (0, 1, 2, ...); found steps of {set(steps)}")
        return index
    if isinstance(freq, pd.offsets.BusinessDay):
        if not _looks_like_business_days(index) and len(index) > 1:
            raise ValueError(f"{what} is declared business-daily but has weekend, intraday or long gaps")
        return index
    grid = pd.date_range(index[0], index[-1], freq=freq)
    if len(grid) != len(index) or not grid.equals(index):
        if not index.isin(grid).all():
            raise ValueError(
                f"{what}'s timestamps do not fall on a regular {freq.freqstr} grid; resample it (y.resample(...)) "
                "or pass the right freq"
            )
        return grid  # holes become NaN rows, handled by the missing-value policy
    return index


def _numeric_frame(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        raise ValueError(f"{what} has duplicate column names {duplicated}; give every column its own name")
    bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) or frame[c].dtype == bool]
    if bad:
        raise TypeError(f"{what} has non-numeric columns {bad}; encode them as numbers or drop them")
    values = frame.to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError(f"{what} contains infinite values; replace them (e.g. with NaN and missing='interpolate')")
    return frame.astype(np.float64)


def long_times(column: pd.Series, what: str = "y") -> pd.Series:
    """The time column ``ds`` of a long frame: integers as they are, anything else parsed as dates of one zone."""
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_integer_dtype(column):
        return column
    ds = LONG_COLUMNS[1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            times = pd.to_datetime(column)
    except (ValueError, TypeError) as error:
        raise ValueError(f"cannot parse the '{ds}' column of {what} as dates: {error}") from None
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise ValueError(
            f"cannot parse the '{ds}' column of {what} as dates of one time zone (mixed offsets or zones); "
            f"convert it with pd.to_datetime({what}['{ds}'], utc=True)"
        )
    return times


def series_exog(X, key, layout: str):
    """The rows of ``X`` that belong to series ``key``, indexed by time (shared ``X`` is returned as is)."""
    if X is None:
        return None
    unique_id, ds, _ = LONG_COLUMNS
    if layout == "long" and isinstance(X, pd.DataFrame) and {unique_id, ds} <= set(X.columns):
        part = X[X[unique_id] == key]
        times = long_times(part[ds], "X")
        return part.drop(columns=[unique_id, ds]).set_index(pd.Index(times, name=ds)).sort_index()
    return X


def _from_long(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    unique_id, ds, y = LONG_COLUMNS
    missing = [c for c in LONG_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"long-format {what} needs the columns {list(LONG_COLUMNS)}; missing {missing}")
    frame = frame.assign(**{ds: long_times(frame[ds], what)})
    if frame.duplicated([unique_id, ds]).any():
        raise ValueError(f"{what} has duplicate ({unique_id}, {ds}) rows; aggregate them first")
    values = _numeric_frame(frame[[y]], what)[y]
    wide = frame.assign(**{y: values}).pivot(index=ds, columns=unique_id, values=y)
    wide.columns = list(wide.columns)
    return wide.sort_index()


def _to_wide(y, what="y") -> tuple[pd.DataFrame, str, object]:
    if isinstance(y, pd.Series):
        name = y.name
        frame = y.to_frame(name if name is not None else "y")
        return frame, "series", name
    if isinstance(y, pd.DataFrame):
        if set(LONG_COLUMNS) <= set(y.columns):
            return _from_long(y, what), "long", None
        if y.shape[1] == 0:
            raise ValueError(f"{what} has no columns")
        return y, "wide", None
    if isinstance(y, np.ndarray | list | tuple):
        array = np.asarray(y)
        if array.ndim == 1:
            return pd.DataFrame({"y": array}), "series", None
        if array.ndim == 2:
            return pd.DataFrame(array, columns=[f"y{i}" for i in range(array.shape[1])]), "wide", None
        raise ValueError(f"{what} must be 1-D or 2-D, got {array.ndim} dimensions")
    raise TypeError(
        f"{what} must be a pandas Series, a wide DataFrame (one column per series) or a long DataFrame with "
        f"columns {list(LONG_COLUMNS)}, got {type(y).__name__}"
    )


def _exog_for(X, wide_index: pd.Index, ids: list, layout: str) -> dict | None:
    """Exogenous frame per series id, reindexed on ``wide_index`` (rows may be NaN where absent)."""
    if X is None:
        return None
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of exogenous columns, got {type(X).__name__}")
    unique_id, ds, _ = LONG_COLUMNS
    if layout == "long" and {unique_id, ds} <= set(X.columns):
        X = X.assign(**{ds: long_times(X[ds], "X")})
        if X.duplicated([unique_id, ds]).any():
            raise ValueError(f"X has duplicate ({unique_id}, {ds}) rows")
        columns = [c for c in X.columns if c not in (unique_id, ds)]
        frames = {key: part.set_index(ds)[columns] for key, part in X.groupby(unique_id, sort=False)}
        absent = [i for i in ids if i not in frames]
        if absent:
            raise ValueError(f"X has no rows for the series {absent[:5]}")
    else:
        _check_index(X.index, "X")
        check_same_time_kind(wide_index, X.index)
        frames = dict.fromkeys(ids, X)
    out = {}
    for key, frame in frames.items():
        if key not in ids:
            continue
        frame = _numeric_frame(frame, "X")
        out[key] = frame
    return out


def to_panel(y, X=None, *, freq=None, missing="error", min_length=1) -> Panel:
    """Check and convert ``y`` (and ``X``) into a :class:`Panel`.

    Parameters
    ----------
    y : Series, DataFrame (wide, one column per series) or long DataFrame (``unique_id, ds, y``)
    X : DataFrame or None
        Exogenous columns indexed by time (shared by every series) or, with long
        ``y``, a long frame with ``unique_id, ds`` and the exogenous columns.
    freq : str or None
        Frequency of the time index; inferred when None.
    missing : {"error", "interpolate"}
        Interior missing target values (and holes in the time grid): raise, or
        interpolate linearly in time. Leading NaN (a series starting later than
        others) are always dropped; trailing NaN are filled with the last value
        under ``"interpolate"``.
    min_length : int
        Minimum number of observations per series.

    Returns
    -------
    panel : Panel
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}")
    wide, layout, name = _to_wide(y)
    if len(wide) == 0:
        raise ValueError("y is empty: it has no observations to learn from")
    _check_index(wide.index, "y")
    wide = _numeric_frame(wide, "y")
    frequency = infer_frequency(wide.index, freq)
    grid = _regular(wide.index, frequency, "y")
    if not grid.equals(wide.index):
        wide = wide.reindex(grid)
    ids = list(wide.columns)
    if len(set(ids)) != len(ids):
        raise ValueError("y has duplicate series (column) names")
    exog_frames = _exog_for(X, wide.index, ids, layout)
    exog_names = list(next(iter(exog_frames.values())).columns) if exog_frames else []
    values, indexes, exogs = [], [], [] if exog_frames else None
    for key in ids:
        column = wide[key]
        observed = column.notna().to_numpy()
        if not observed.any():
            raise ValueError(f"series {key!r} has no observed values")
        first, last = np.argmax(observed), len(observed) - np.argmax(observed[::-1])
        if last < len(observed) and missing == "error":
            raise ValueError(
                f"series {key!r} ends with {len(observed) - last} missing values at {column.index[last]}; "
                "drop them or pass missing='interpolate' (fills with the last value)"
            )
        column = column.iloc[first:]
        holes = int(column.isna().sum())
        if holes and missing == "error":
            where = column.index[column.isna().to_numpy()][:3].tolist()
            raise ValueError(
                f"series {key!r} has {holes} missing values (NaN, or timestamps absent from the {_name(frequency)} "
                f"grid), e.g. at {where}; fill them yourself or pass missing='interpolate'"
            )
        if holes:
            method = "time" if isinstance(column.index, pd.DatetimeIndex) else "linear"
            column = column.interpolate(method=method, limit_direction="forward").ffill()
        if len(column) > 1 and np.ptp(column.to_numpy()) == 0:
            raise ValueError(
                f"series {key!r} is constant (every value is {column.iloc[0]!r}): there is nothing to learn, and "
                "its forecast is that value; drop it from y"
            )
        if len(column) < min_length:
            raise ValueError(
                f"series {key!r} has {len(column)} observations; at least {min_length} are needed "
                "(n_steps + horizon for training)"
            )
        values.append(column.to_numpy(dtype=np.float64))
        indexes.append(column.index)
        if exog_frames is not None:
            exogs.append(_align_exog(exog_frames[key], column.index, key, missing, exog_names))
    return Panel(ids, values, indexes, exogs, exog_names, frequency, layout, name)


def _name(freq) -> str:
    return "integer" if freq is None else freq.freqstr


def _align_exog(frame: pd.DataFrame, index: pd.Index, key, missing: str, names: list) -> np.ndarray:
    if list(frame.columns) != names:
        raise ValueError("X must have the same columns for every series")
    if frame.index.has_duplicates:
        raise ValueError("X has duplicate timestamps")
    absent = ~index.isin(frame.index)
    if absent.any():
        raise ValueError(
            f"X has no rows for {int(absent.sum())} timestamps of series {key!r} (first {index[absent][0]}); "
            "X must cover every time stamp of y"
        )
    aligned = frame.reindex(index)
    if aligned.isna().to_numpy().any():
        if missing == "error":
            bad = aligned.columns[aligned.isna().any()].tolist()
            raise ValueError(f"X has missing values in {bad}; fill them or pass missing='interpolate'")
        aligned = aligned.interpolate(limit_direction="both").fillna(0.0)
    return aligned.to_numpy(dtype=np.float64)
