"""Backtests (refit or not), metrics, sklearn search and the plots."""

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from rnnforecast import RNNForecaster, backtest
from rnnforecast.metrics import mae, mase, seasonal_naive, smape
from rnnforecast.plotting import plot_backtest, plot_forecast, plot_loss

matplotlib.use("Agg")

FAST = dict(n_steps=14, hidden_size=8, max_iter=6, n_iter_no_change=3, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def series(n=260, name="y", phase=0.0):
    t = np.arange(n)
    return pd.Series(
        50 + 10 * np.sin(2 * np.pi * t / 7 + phase) + t * 0.05, index=pd.date_range("2022-01-03", periods=n), name=name
    )


def test_backtest_without_refit_matches_a_model_fitted_at_the_first_cutoff():
    y = series()
    forecaster = RNNForecaster(horizon=5, **FAST)
    result = backtest(forecaster, y, n_windows=3, step=5, refit=False)
    frame = result.forecasts
    assert list(frame.columns) == [
        "unique_id",
        "window",
        "cutoff",
        "ds",
        "step",
        "y",
        "forecast",
        "lower",
        "upper",
        "naive",
    ]
    assert frame.groupby("window").size().tolist() == [5, 5, 5]
    cutoffs = frame.groupby("window")["cutoff"].first()
    assert cutoffs.iloc[-1] == y.index[-6] and (cutoffs.diff().dropna() == pd.Timedelta(days=5)).all()
    # One batched pass over all origins gives what fit-then-predict gives at each origin.
    model = clone(forecaster).fit(y.loc[: cutoffs.iloc[0]])
    np.testing.assert_allclose(frame.loc[frame.window == 0, "forecast"], model.predict().to_numpy(), rtol=1e-6)
    later = frame.loc[frame.window == 2, "forecast"].to_numpy()
    refit = clone(forecaster).fit(y.loc[: cutoffs.iloc[0]])
    np.testing.assert_allclose(refit.predict().to_numpy(), model.predict().to_numpy())
    assert np.isfinite(later).all()
    assert result.fit_seconds > 0
    assert forecaster.__dict__.get("model_") is None  # the forecaster passed in stays unfitted


def test_backtest_with_refit_and_metrics_by_hand():
    y = series()
    result = backtest(RNNForecaster(horizon=4, **FAST), y, n_windows=2, refit=True, season_length=7)
    for window, part in result.forecasts.groupby("window"):
        cutoff = part["cutoff"].iloc[0]
        model = RNNForecaster(horizon=4, **FAST).fit(y.loc[:cutoff])
        np.testing.assert_allclose(part["forecast"], model.predict().to_numpy(), rtol=1e-6)
        history = y.loc[:cutoff].to_numpy()
        np.testing.assert_allclose(part["naive"], seasonal_naive(history, 4, 7))
        metrics = result.metrics
        row = metrics[(metrics["window"] == window) & (metrics["model"] == "rnn")].iloc[0]
        assert row["mae"] == pytest.approx(mae(part["y"], part["forecast"]))
        assert row["smape"] == pytest.approx(smape(part["y"], part["forecast"]))
        assert row["mase"] == pytest.approx(mase(part["y"], part["forecast"], history, 7))
        assert 0 <= row["coverage"] <= 1
    summary = result.summary()
    assert set(summary.index) == {"rnn", "seasonal_naive"}


def test_backtest_refit_every_k_windows_and_many_series():
    wide = pd.concat([series(name="a"), series(name="b", phase=2.0)], axis=1)
    result = backtest(RNNForecaster(horizon=3, **FAST), wide, n_windows=4, refit=2, interval_method="quantile")
    assert set(result.forecasts["unique_id"]) == {"a", "b"}
    assert len(result.metrics) == 2 * 4 * 2
    assert (result.forecasts["lower"] <= result.forecasts["upper"]).all()
    pooled = result.summary()
    assert "mae" not in pooled.columns and "mase" in pooled.columns  # no MAE averaged over series' units
    per_series = result.summary(by="series")
    assert list(per_series.index) == [("a", "rnn"), ("a", "seasonal_naive"), ("b", "rnn"), ("b", "seasonal_naive")]
    metrics = result.metrics
    b_rnn = metrics[(metrics["unique_id"] == "b") & (metrics["model"] == "rnn")]
    assert per_series.loc[("b", "rnn"), "mae"] == pytest.approx(b_rnn["mae"].mean())
    with pytest.raises(ValueError, match="by must be 'model' or 'series'"):
        result.summary(by="window")


def test_backtest_errors():
    y = series(60)
    with pytest.raises(ValueError, match="need more than"):
        backtest(RNNForecaster(horizon=5, **FAST), y, n_windows=20)
    with pytest.raises(ValueError, match="refit must be"):
        backtest(RNNForecaster(horizon=5, **FAST), y, refit=-1)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        backtest(RNNForecaster(**FAST), y, horizon=0)


def test_grid_search_with_time_series_split():
    y = series(200)
    search = GridSearchCV(
        RNNForecaster(horizon=7, **FAST), {"hidden_size": [4, 8]}, cv=TimeSeriesSplit(n_splits=2, test_size=7)
    )
    search.fit(y)
    assert set(search.cv_results_["param_hidden_size"]) == {4, 8}
    assert np.all(search.cv_results_["mean_test_score"] < 0)  # negative MAE
    assert len(search.best_estimator_.predict()) == 7
    model = RNNForecaster(horizon=7, **FAST).fit(y.iloc[:190])
    assert model.score(y.iloc[190:197]) == pytest.approx(-mae(y.iloc[190:197], model.predict()))
    assert model.score(y.iloc[192:197]) == pytest.approx(-mae(y.iloc[192:197], model.predict().iloc[2:]))
    # Past the trained horizon the stretch is forecast recursively in blocks of 7 steps (not an error).
    far = y.iloc[190:200]
    assert model.score(far) == pytest.approx(-mae(far, model.predict(far)))


def test_plots_render(tmp_path):
    y = series()
    model = RNNForecaster(horizon=7, **FAST).fit(y)
    ax = plot_forecast(y, model.predict(), model.predict_interval(), coverage=0.9)
    assert ax.get_title() == "y: forecast"
    assert len(ax.collections) == 1  # the interval band
    ax.figure.savefig(tmp_path / "forecast.png")
    result = backtest(RNNForecaster(horizon=7, **FAST), y, n_windows=3, refit=False)
    ax = plot_backtest(result, history=y)
    assert "MASE" in ax.get_title()
    ax.figure.savefig(tmp_path / "backtest.png")
    ax = plot_loss(model)
    ax.figure.savefig(tmp_path / "loss.png")
    assert all((tmp_path / name).stat().st_size > 10_000 for name in ("forecast.png", "backtest.png", "loss.png"))
    with pytest.raises(ValueError, match="no series"):
        plot_backtest(result, unique_id="zzz")


def test_backtest_plot_zooms_to_the_windows_and_grids_far_apart_ones():
    import matplotlib.dates as mdates

    y = series(260)
    tiled = backtest(RNNForecaster(horizon=7, **FAST), y, n_windows=3, refit=False)
    ax = plot_backtest(tiled, history=y)
    assert len(ax.figure.axes) == 1 and ax.get_xlabel() == "time" and ax.get_ylabel() == "value"
    first_cutoff = tiled.forecasts["cutoff"].min()
    left = mdates.num2date(ax.get_xlim()[0]).replace(tzinfo=None)
    assert left == first_cutoff - pd.Timedelta(days=7)  # one window of context before the first cutoff
    spread = backtest(RNNForecaster(horizon=7, **FAST), y, n_windows=5, step=30, refit=False)
    ax = plot_backtest(spread, history=y)
    visible = [panel for panel in ax.figure.axes if panel.get_visible()]
    assert len(visible) == 5 and ax.figure.get_suptitle().startswith("y: backtest, MASE")
    assert plot_backtest(spread, history=y, ax=plt_axes()).figure.axes.__len__() == 1  # a given Axes: one panel


def plt_axes():
    from matplotlib.figure import Figure

    return Figure().add_subplot()


def test_loss_plot_shows_the_minimised_loss_on_training_and_held_out_windows():
    model = RNNForecaster(horizon=7, **{**FAST, "max_iter": 6}).fit(series())
    ax = plot_loss(model)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:2] == ["training windows", "held-out windows"] and labels[2].startswith("kept (epoch ")
    assert ax.get_ylabel() == "pinball loss (scaled units)"
    assert len(model.validation_loss_curve_) == len(model.loss_curve_) == model.n_iter_
