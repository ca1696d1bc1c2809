"""Every kind of bad input, at every public entry point, gets a clear error; inputs are never modified.

``CASES`` is the table in ``docs/errors.md``: each row names an entry point, the
bad input, the exception type and words its message must contain. A test checks
that the document lists every case.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import AutoRNNForecaster, RNNForecaster, RNNRegressor, backtest, make_windows
from rnnforecast.cli import main as cli
from rnnforecast.datasets import data_path, load_weather
from rnnforecast.panels import forecast_many, read_panel

DOCS = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
FAST = dict(n_steps=8, hidden_size=4, max_iter=2, random_state=0)
DAYS = pd.date_range("2024-01-01", periods=60, freq="D")
Y = pd.Series(np.sin(np.arange(60) / 3) + 5, index=DAYS, name="y")
X_FUTURE = pd.DataFrame({"promo": np.arange(70) % 2.0}, index=pd.date_range("2024-01-01", periods=70, freq="D"))


def fit(y=Y, X=None, **options):
    return RNNForecaster(horizon=3, **{**FAST, **options}).fit(y, X)


def fitted(**options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(**options) if "X" not in options else fit(X=options.pop("X"), **options)


def warm_start_new_shape():
    X, y, _ = make_windows(Y, 5)
    model = RNNRegressor(n_steps=5, hidden_size=4, max_iter=1, warm_start=True).fit(X, y)
    model.set_params(hidden_size=8).fit(X, y)


def with_value(position, value):
    y = Y.copy()
    y.iloc[position] = value
    return y


def regressor():
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return RNNRegressor(hidden_size=4, max_iter=1, random_state=0).fit(
            rng.normal(size=(30, 6)), rng.normal(size=30)
        )


CASES = [
    # (case, call, exception, words in the message)
    (
        "forecaster: ensemble of no networks",
        lambda: RNNForecaster(horizon=3, n_models=0, **FAST).fit(Y),
        ValueError,
        "'n_models' parameter of RNNForecaster must be an int in the range \\[1, inf\\)",
    ),
    (
        "auto: a candidate with an unknown parameter",
        lambda: AutoRNNForecaster(horizon=3, candidates=[{"colour": "red"}], **FAST).fit(Y),
        ValueError,
        "sets \\['colour'\\], which are not RNNForecaster parameters",
    ),
    (
        "auto: no held-out windows to choose on",
        lambda: AutoRNNForecaster(horizon=3, candidates=[{}], early_stopping=False, **FAST).fit(Y),
        ValueError,
        "needs scope='global' and early_stopping=True",
    ),
    ("forecaster: NaN in y", lambda: fit(with_value(10, np.nan)), ValueError, "missing values.*missing='interpolate'"),
    ("forecaster: NaN at the end of y", lambda: fit(with_value(-1, np.nan)), ValueError, "ends with 1 missing"),
    ("forecaster: inf in y", lambda: fit(with_value(5, np.inf)), ValueError, "infinite"),
    (
        "forecaster: NaN in X",
        lambda: fit(X=X_FUTURE.assign(promo=X_FUTURE.promo.where(X_FUTURE.index.day != 9))),
        ValueError,
        "X has missing values in \\['promo'\\]",
    ),
    ("forecaster: inf in X", lambda: fit(X=X_FUTURE.assign(promo=np.inf)), ValueError, "X contains infinite"),
    ("forecaster: empty y", lambda: fit(Y.iloc[:0]), ValueError, "y is empty"),
    (
        "forecaster: series shorter than lookback + horizon",
        lambda: fit(Y.iloc[:10]),
        ValueError,
        "10 observations; at least 11 are needed",
    ),
    ("forecaster: constant series", lambda: fit(Y * 0 + 3.0), ValueError, "constant.*nothing to learn"),
    ("forecaster: object (text) values", lambda: fit(Y.astype(str)), TypeError, "non-numeric columns"),
    (
        "forecaster: non-numeric X column",
        lambda: fit(X=X_FUTURE.assign(promo="yes")),
        TypeError,
        "X has non-numeric columns \\['promo'\\]",
    ),
    ("forecaster: unsorted timestamps", lambda: fit(Y.iloc[::-1]), ValueError, "not sorted.*sort_index"),
    ("forecaster: duplicated timestamps", lambda: fit(pd.concat([Y, Y.iloc[-2:]])), ValueError, "duplicate timestamps"),
    (
        "forecaster: irregular timestamps",
        lambda: fit(Y.drop(Y.index[[3, 20, 21, 40]])),
        ValueError,
        "cannot infer the frequency.*freq=",
    ),
    (
        "forecaster: timestamps off the declared grid",
        lambda: fit(Y.set_axis(Y.index + pd.Timedelta(hours=1) * (np.arange(60) == 5).astype(int)), freq="D"),
        ValueError,
        "do not fall on a regular D grid",
    ),
    (
        "forecaster: index that is not time",
        lambda: fit(Y.set_axis([f"day {i}" for i in range(60)])),
        TypeError,
        "must be indexed by time",
    ),
    (
        "forecaster: y and X in different time zones",
        lambda: fit(Y.tz_localize("UTC"), X=X_FUTURE),
        ValueError,
        "time zone UTC but X's in None",
    ),
    (
        "forecaster: y dated, X by position",
        lambda: fit(X=X_FUTURE.reset_index(drop=True)),
        TypeError,
        "y is indexed by dates but X by integer positions",
    ),
    (
        "forecaster: long frame with mixed time zones",
        lambda: fit(
            pd.DataFrame(
                {
                    "unique_id": "a",
                    "y": Y.to_numpy(),
                    "ds": [f"{day:%Y-%m-%d} 00:00:00{'+01:00' if i % 2 else '+00:00'}" for i, day in enumerate(DAYS)],
                }
            )
        ),
        ValueError,
        "cannot parse the 'ds' column",
    ),
    (
        "forecaster: X shorter than y",
        lambda: fit(X=X_FUTURE.iloc[:50]),
        ValueError,
        "X has no rows for 10 timestamps.*must cover every time stamp",
    ),
    (
        "forecaster: future X rows missing at predict",
        lambda: fitted(X=X_FUTURE.iloc[:60]).predict(X=X_FUTURE.iloc[:61]),
        ValueError,
        "no rows for 2 of the 3 forecast time stamps",
    ),
    (
        "forecaster: X missing at predict",
        lambda: fitted(X=X_FUTURE.iloc[:60]).predict(),
        ValueError,
        "X is required.*promo",
    ),
    (
        "forecaster: X lacks a column at predict",
        lambda: fitted(X=X_FUTURE.iloc[:60]).predict(X=X_FUTURE.rename(columns={"promo": "discount"})),
        ValueError,
        "lacks the future-known columns",
    ),
    ("forecaster: horizon 0", lambda: fitted().predict(0), ValueError, "horizon must be a positive integer"),
    (
        "forecaster: horizon beyond a direct model's",
        lambda: fitted().predict(4),
        ValueError,
        "trained for horizon=3.*recursive",
    ),
    ("forecaster: invalid parameter", lambda: fit(cell="transformer"), ValueError, "'cell' parameter"),
    (
        "forecaster: past_exog not in X",
        lambda: fit(X=X_FUTURE, past_exog=["volume"]),
        ValueError,
        "past_exog names columns \\['volume'\\]",
    ),
    (
        "forecaster: coverage outside (0, 1)",
        lambda: fitted().predict_interval(coverage=1.0),
        ValueError,
        "coverage must lie strictly between 0 and 1",
    ),
    ("forecaster: y of three dimensions", lambda: fit(np.zeros((4, 4, 4))), ValueError, "1-D or 2-D"),
    (
        "backtest: more windows than the series holds",
        lambda: backtest(RNNForecaster(horizon=3, **FAST), Y, n_windows=30),
        ValueError,
        "need more than",
    ),
    (
        "backtest: invalid refit",
        lambda: backtest(RNNForecaster(**FAST), Y, refit="sometimes"),
        ValueError,
        "refit must be True, False or a positive integer",
    ),
    (
        "backtest: coverage outside (0, 1)",
        lambda: backtest(RNNForecaster(**FAST), Y, coverage_level=1.5),
        ValueError,
        "coverage_level must lie strictly between 0 and 1",
    ),
    (
        "predict: time stamps before the end of training",
        lambda: fitted().predict(Y.iloc[10:20]),
        ValueError,
        "must follow the end of the training data",
    ),
    (
        "predict: a longer history as the time stamps",
        lambda: fitted().predict(pd.concat([Y, Y.set_axis(Y.index + pd.Timedelta(days=60))])),
        ValueError,
        r"predict\(horizon, y=new_history\)",
    ),
    (
        "predict: new history on another frequency",
        lambda: fitted().predict(y=pd.Series(np.arange(30.0), index=pd.date_range("2024", periods=30, freq="h"))),
        ValueError,
        "frequency",
    ),
    (
        "predict_interval: coverage beyond the quantile heads",
        lambda: fitted().predict_interval(coverage=0.99, method="quantile"),
        ValueError,
        "coverage up to 0.90, not 0.99: use method='conformal'",
    ),
    (
        "regressor: NaN in X",
        lambda: RNNRegressor().fit(np.full((5, 4), np.nan), np.zeros(5)),
        ValueError,
        "Input X contains NaN",
    ),
    (
        "regressor: inf in y",
        lambda: RNNRegressor().fit(np.zeros((5, 4)), np.full(5, np.inf)),
        ValueError,
        "Input y contains infinity",
    ),
    (
        "regressor: wrong feature count at predict",
        lambda: regressor().predict(np.zeros((2, 5))),
        ValueError,
        "X has 5 features, but RNNRegressor is expecting 6",
    ),
    (
        "regressor: columns not a multiple of n_steps",
        lambda: RNNRegressor(n_steps=4).fit(np.zeros((5, 6)), np.zeros(5)),
        ValueError,
        "not a multiple of n_steps=4",
    ),
    (
        "regressor: y with another length",
        lambda: RNNRegressor().fit(np.zeros((5, 4)), np.zeros(4)),
        ValueError,
        "inconsistent numbers of samples",
    ),
    (
        "regressor: text features",
        lambda: RNNRegressor().fit(np.array([["a", "b"]] * 5), np.zeros(5)),
        ValueError,
        "could not convert string to float",
    ),
    (
        "make_windows: NaN in the series",
        lambda: make_windows(with_value(3, np.nan), 5),
        ValueError,
        "contains NaN or infinite values",
    ),
    ("make_windows: series too short", lambda: make_windows(Y.iloc[:5], 5, 2), ValueError, "too short"),
    (
        "make_windows: exog with another length",
        lambda: make_windows(Y, 5, exog=X_FUTURE),
        ValueError,
        "exog has 70 rows but series has 60",
    ),
    (
        "make_windows: horizon 0",
        lambda: make_windows(Y, 5, horizon=0),
        ValueError,
        "horizon must be a positive integer",
    ),
    ("loader: unknown weather kind", lambda: load_weather("monthly"), ValueError, "kind must be 'daily' or 'hourly'"),
    ("loader: unknown dataset", lambda: data_path("crypto"), ValueError, "unknown dataset 'crypto'"),
    (
        "forecaster: duplicate column names",
        lambda: fit(pd.DataFrame({"a": Y, "b": Y * 2}).set_axis(["a", "a"], axis=1)),
        ValueError,
        r"duplicate column names \['a'\]",
    ),
    ("regressor: warm start after a shape change", warm_start_new_shape, ValueError, "warm_start continues"),
    ("forecaster: windows_per_epoch 0", lambda: fit(windows_per_epoch=0), ValueError, "'windows_per_epoch' parameter"),
    ("panels: no Parquet at the path", lambda: read_panel("no/such.parquet"), ValueError, "no Parquet file or folder"),
    (
        "panels: forecast_many of an unknown kind",
        lambda: forecast_many(fitted(), Y.to_frame(), kind="median"),
        ValueError,
        "kind must be one of",
    ),
    (
        "panels: forecast_many of a series",
        lambda: forecast_many(fitted(), Y),
        ValueError,
        "y must be a Parquet path, a long or a wide DataFrame",
    ),
]


@pytest.mark.parametrize(("case", "call", "error", "words"), CASES, ids=[case[0] for case in CASES])
def test_bad_input_gets_a_clear_error(case, call, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(error, match=words):
            call()


CLI_CASES = [
    ("cli: missing column", ["--target", "revenue"], "no column(s) ['revenue']"),
    ("cli: unparseable dates", ["--target", "sales", "--date-column", "label"], "cannot parse column 'label'"),
    ("cli: series too short", ["--target", "sales", "--n-steps", "100"], "at least 101 are needed"),
    ("cli: NaN inside the target", ["--target", "gappy"], "missing values"),
]


@pytest.mark.parametrize(("case", "args", "words"), CLI_CASES, ids=[case[0] for case in CLI_CASES])
def test_command_line_errors_exit_1(case, args, words, tmp_path, capsys):
    frame = pd.DataFrame({"date": DAYS.strftime("%Y-%m-%d"), "sales": Y.to_numpy(), "label": "x"})
    frame["gappy"] = frame["sales"].where(np.arange(60) != 30)
    frame.to_csv(tmp_path / "data.csv", index=False)
    assert cli(["forecast", str(tmp_path / "data.csv"), *args, "--output", str(tmp_path / "out.csv")]) == 1
    assert words in capsys.readouterr().err


def test_docs_table_lists_every_case():
    text = DOCS.read_text()
    documented = set(re.findall(r"^\| ([^|]+?) \|", text, flags=re.MULTILINE))
    missing = [case for case, *_ in CASES + CLI_CASES if case not in documented]
    assert not missing, f"docs/errors.md lacks {missing}"


def test_nothing_the_user_passed_is_modified():
    y, X = Y.copy(), X_FUTURE.copy()
    y_before, X_before = y.copy(), X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = fit(y, X.iloc[:60])
        model.predict(X=X)
        model.predict_interval(X=X)
        backtest(RNNForecaster(horizon=3, **FAST), y, X, n_windows=2)
        make_windows(y, 5, 2, exog=X.iloc[:60])
        rng = np.random.default_rng(1)
        features, target, weight = rng.normal(size=(20, 6)), rng.normal(size=20), rng.uniform(size=20)
        copies = features.copy(), target.copy(), weight.copy()
        RNNRegressor(hidden_size=4, max_iter=1).fit(features, target, sample_weight=weight).predict(features)
    pd.testing.assert_series_equal(y, y_before)
    pd.testing.assert_frame_equal(X, X_before)
    for array, copy in zip((features, target, weight), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_command_line_errors_name_its_options_not_python_parameters(tmp_path, capsys):
    frame = pd.DataFrame({"date": DAYS.strftime("%Y-%m-%d"), "sales": Y.to_numpy()})
    frame.loc[30, "sales"] = np.nan
    frame.to_csv(tmp_path / "data.csv", index=False)
    assert cli(["forecast", str(tmp_path / "data.csv"), "--target", "sales", "--max-train-size", "3"]) == 1
    message = capsys.readouterr().err
    assert "--missing interpolate" in message and "missing='" not in message
    frame["sales"] = frame["sales"].fillna(1.0)
    frame.iloc[[5, 9, 20]].to_csv(tmp_path / "irregular.csv", index=False)
    assert cli(["forecast", str(tmp_path / "irregular.csv"), "--target", "sales"]) == 1
    message = capsys.readouterr().err
    assert "pass --freq D, h, B" in message and "freq='" not in message
