"""AutoRNNForecaster: candidates fitted on the same data, chosen on the windows all of them held out."""

import numpy as np
import pandas as pd
import pytest
from conftest import hourly_series
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from rnnforecast import AutoRNNForecaster, RNNForecaster, backtest
from rnnforecast.auto import DEFAULT_CANDIDATES

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_steps=48, hidden_size=8, max_iter=8, n_iter_no_change=4, random_state=0)
CANDIDATES = [{}, {"cell": "lstm"}, {"season_length": 1}]


def _hourly(n=500, seed=0):
    return hourly_series(n, seed)


def test_the_chosen_candidate_is_the_best_held_out_one_and_is_what_a_plain_fit_gives():
    y = _hourly()
    auto = AutoRNNForecaster(horizon=6, candidates=CANDIDATES, **FAST).fit(y)
    maes = [row["mae"] for row in auto.candidates_]
    assert auto.best_index_ == int(np.argmin(maes)) and auto.best_params_ == CANDIDATES[auto.best_index_]
    assert len({row["n_windows"] for row in auto.candidates_}) == 1  # every candidate on the same windows
    assert all(np.isfinite(row["relative_mae"]) and row["relative_mae"] > 0 for row in auto.candidates_)
    plain = RNNForecaster(horizon=6, **{**FAST, **auto.best_params_}).fit(y)
    pd.testing.assert_frame_equal(auto.predict_interval(), plain.predict_interval())
    np.testing.assert_array_equal(auto.model_.params_, plain.model_.params_)
    text = str(auto.summary())
    assert "chosen" in text and "held-out MAE / naive MAE" in text
    assert auto.summary()["network"].startswith(plain.model_.cell.upper())


def test_a_candidate_is_chosen_for_what_it_forecasts(monkeypatch):
    """Rig the scores: the candidate with the smallest held-out error wins, whichever position it has."""
    import rnnforecast.auto as auto_module

    errors = iter([(3.0, 2.0, 10), (1.0, 2.0, 10), (2.0, 2.0, 10)])
    monkeypatch.setattr(auto_module, "_held_out_errors", lambda *args: next(errors))
    auto = AutoRNNForecaster(horizon=6, candidates=CANDIDATES, **FAST).fit(_hourly())
    assert auto.best_params_ == {"cell": "lstm"} and auto.model_.cell == "lstm"
    assert [row["relative_mae"] for row in auto.candidates_] == [1.5, 0.5, 1.0]


def test_parameters_clone_and_default_candidates():
    auto = AutoRNNForecaster(horizon=3, hidden_size=16, candidates=[{}, {"cell": "rnn"}])
    params = auto.get_params()
    assert params["candidates"] == [{}, {"cell": "rnn"}] and params["hidden_size"] == 16
    assert set(params) == set(RNNForecaster().get_params()) | {"candidates"}
    assert clone(auto).get_params() == params
    assert "candidates" in repr(auto)
    assert DEFAULT_CANDIDATES[0] == {} and len(DEFAULT_CANDIDATES) >= 3


def test_it_works_in_backtests_and_grid_search():
    y = _hourly(400)
    model = AutoRNNForecaster(horizon=6, candidates=[{}, {"season_length": 1}], **FAST)
    result = backtest(model, y, n_windows=2, step=6)
    assert np.isfinite(result.forecasts["forecast"]).all()
    search = GridSearchCV(
        model, {"hidden_size": [4, 8]}, cv=TimeSeriesSplit(n_splits=2, test_size=6), scoring=None, error_score="raise"
    )
    search.fit(y.to_frame(), y)
    assert search.best_params_["hidden_size"] in (4, 8)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(candidates=[]), "candidates is empty"),
        (dict(candidates=[{"colour": "red"}]), "not RNNForecaster parameters"),
        (dict(candidates=["lstm"]), "must be a dict"),
        (dict(candidates=[{}], early_stopping=False), "early_stopping=True"),
        (dict(candidates=[{}], scope="local"), "scope='global'"),
    ],
)
def test_bad_candidates_get_a_clear_error(options, message):
    with pytest.raises(ValueError, match=message):
        AutoRNNForecaster(horizon=6, **{**FAST, **options}).fit(_hourly(300))


def test_a_candidate_that_resolves_to_an_earlier_one_is_not_fitted_twice():
    y = _hourly()
    auto = AutoRNNForecaster(horizon=6, candidates=[{}, {"season_length": 24}, {"cell": "lstm"}], **FAST).fit(y)
    assert RNNForecaster(horizon=6, **FAST).fit(y).season_length_ == 24  # the base chooses the daily season
    rows = auto.candidates_
    assert [row["same_as"] for row in rows] == [None, 0, None]
    assert rows[1]["mae"] == rows[0]["mae"] and rows[1]["n_iter"] == rows[0]["n_iter"]
