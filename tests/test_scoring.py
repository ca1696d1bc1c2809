"""scikit-learn scoring of forecasters: standard scorers, folds longer than the horizon, never a silent NaN."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import make_scorer, mean_absolute_error
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)

from rnnforecast import RNNForecaster
from rnnforecast.forecasting.scoring import is_target_copy
from rnnforecast.model_selection import forecast_scorer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
FAST = dict(n_steps=14, hidden_size=8, max_iter=10, random_state=0)


def _series(n=400, seed=0):
    rng = np.random.default_rng(seed)
    values = 10 + np.sin(np.arange(n) * 2 * np.pi / 7) + 0.1 * rng.normal(size=n)
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="D"), name="sales")


@pytest.fixture
def no_failed_scoring():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Ss]coring failed")  # sklearn's NaN-with-warning path
        yield


@pytest.mark.parametrize(
    "scoring",
    ["neg_mean_absolute_error", "neg_root_mean_squared_error", "r2", "neg_mean_absolute_percentage_error"],
)
def test_standard_scorers_work_with_the_series_as_x_and_y(scoring, no_failed_scoring):
    y = _series()
    scores = cross_val_score(
        RNNForecaster(horizon=7, **FAST), y, y, cv=TimeSeriesSplit(3, test_size=7), scoring=scoring
    )
    assert np.isfinite(scores).all()
    if scoring == "r2":
        assert (scores > 0.8).all()  # a learnable weekly cycle


def test_a_scorer_needs_no_y_when_wrapped(no_failed_scoring):
    y = _series()
    model = RNNForecaster(horizon=7, **FAST)
    wrapped = cross_val_score(model, y, cv=TimeSeriesSplit(3, test_size=7), scoring=forecast_scorer())
    plain = cross_val_score(model, y, y, cv=TimeSeriesSplit(3, test_size=7), scoring="neg_mean_absolute_error")
    np.testing.assert_allclose(wrapped, plain)
    custom = forecast_scorer(make_scorer(mean_absolute_error, greater_is_better=False))
    np.testing.assert_allclose(cross_val_score(model, y, cv=TimeSeriesSplit(3, test_size=7), scoring=custom), plain)


def test_folds_longer_than_the_horizon_are_forecast_recursively_in_blocks(no_failed_scoring):
    y = _series()
    model = RNNForecaster(horizon=7, **FAST)
    scores = cross_validate(model, y, y, cv=TimeSeriesSplit(3), scoring=["neg_mean_absolute_error", "r2"])
    assert np.isfinite(scores["test_neg_mean_absolute_error"]).all() and (scores["test_r2"] > 0.5).all()
    assert np.isfinite(cross_val_score(model, y, cv=TimeSeriesSplit(3))).all()  # the estimator's own score
    fitted = model.fit(y.iloc[:300])
    stretch = y.iloc[300:320]
    far = fitted.predict(stretch)
    assert isinstance(far, pd.Series) and far.index.equals(stretch.index) and far.name == "sales"
    np.testing.assert_array_equal(far.iloc[:7].to_numpy(), fitted.predict().to_numpy())  # block 1: the forecast
    assert np.abs(far - stretch).mean() < 0.5
    np.testing.assert_array_equal(fitted.predict(y.iloc[305:310]).to_numpy(), far.iloc[5:10].to_numpy())  # a gap
    assert fitted.score(stretch, stretch) == fitted.score(stretch)


def test_searches_rank_candidates_by_a_standard_scorer(no_failed_scoring):
    y = _series()
    cv = TimeSeriesSplit(2, test_size=7)
    grid = GridSearchCV(RNNForecaster(horizon=7, **FAST), {"hidden_size": [4, 8]}, cv=cv, scoring="r2").fit(y, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_estimator_.predict().shape == (7,)
    search = RandomizedSearchCV(
        RNNForecaster(horizon=7, **FAST), {"n_steps": [7, 14, 21]}, n_iter=2, cv=cv, random_state=0,
        scoring="neg_mean_absolute_error",
    ).fit(y, y)  # fmt: skip
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_wide_frames_are_scored_column_by_column(no_failed_scoring):
    wide = pd.concat([_series(seed=0).rename("a"), _series(seed=1).rename("b") * 2], axis=1)
    scores = cross_val_score(RNNForecaster(horizon=7, **FAST), wide, wide, cv=TimeSeriesSplit(2, test_size=10))
    assert np.isfinite(scores).all()
    model = RNNForecaster(horizon=7, **FAST).fit(wide.iloc[:300])
    table = model.predict(wide.iloc[300:312][["b"]])
    assert list(table.columns) == ["b"] and len(table) == 12


def test_stamps_that_cannot_be_forecast_raise_clear_errors():
    y = _series()
    model = RNNForecaster(horizon=7, **FAST).fit(y.iloc[:300])
    with pytest.raises(ValueError, match="must follow the end of the training data"):
        model.predict(y.iloc[100:110])
    with pytest.raises(ValueError, match="not on the model's forecast grid"):
        model.predict(pd.Series([1.0], index=[pd.Timestamp("2024-10-27 12:00")]))
    with pytest.raises(ValueError, match="no time stamps"):
        model.predict(y.iloc[:0])
    X = pd.DataFrame({"promo": np.arange(400) % 2}, index=y.index, dtype=float)
    exog = RNNForecaster(horizon=7, **FAST).fit(y.iloc[:300], X.iloc[:300])
    with pytest.raises(ValueError, match="exogenous columns cannot"):
        exog.predict(y.iloc[300:320])


def test_target_copies_are_recognised_and_nothing_else():
    y = _series()
    assert is_target_copy(y, y) and is_target_copy(y, y.copy())
    assert not is_target_copy(y, y + 1) and not is_target_copy(y, None)
    assert not is_target_copy(y, y.to_frame()) and not is_target_copy(y, y.iloc[1:])
    fitted = RNNForecaster(horizon=7, **FAST).fit(y, y.copy())
    assert fitted.exog_names_ == []
