"""RNNRegressor beyond sklearn's generic checks: windows, reproducibility, search, persistence."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rnnforecast import RNNRegressor
from rnnforecast.datasets import load_weather

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _weather_windows(lookback=14, horizon=1, n=500):
    series = load_weather("daily")["temp_max"].to_numpy()[:n]
    starts = np.arange(len(series) - lookback - horizon + 1)
    X = series[starts[:, None] + np.arange(lookback)]
    y = series[starts[:, None] + lookback + np.arange(horizon)]
    return X, (y[:, 0] if horizon == 1 else y)


def _fast(**kwargs):
    options = dict(cell="gru", hidden_size=8, max_iter=15, learning_rate_init=1e-2, random_state=0)
    options.update(kwargs)
    return RNNRegressor(**options)


def test_learns_real_weather_better_than_persistence():
    X, y = _weather_windows(n=900)
    model = _fast(max_iter=40).fit(X[:700], y[:700])
    mae = np.abs(model.predict(X[700:]) - y[700:]).mean()
    persistence = np.abs(X[700:, -1] - y[700:]).mean()
    assert mae < persistence, (mae, persistence)


def test_same_random_state_same_predictions_on_one_and_two_threads():
    X, y = _weather_windows()
    one = _fast(n_jobs=1, max_iter=5, batch_size=200).fit(X, y).predict(X)
    two = _fast(n_jobs=2, max_iter=5, batch_size=200).fit(X, y).predict(X)
    np.testing.assert_array_equal(one, two)


def test_multi_output_and_three_d_input():
    X, y = _weather_windows(lookback=12, horizon=3)
    model = _fast().fit(X, y)
    assert model.predict(X).shape == (len(X), 3)
    model_3d = _fast().fit(X[:, :, None], y)
    np.testing.assert_array_equal(model_3d.predict(X[:, :, None]), model.predict(X))


def test_multivariate_windows_with_n_steps():
    rng = np.random.default_rng(0)
    steps, features = 6, 3
    X3 = rng.standard_normal((200, steps, features))
    y = X3[:, -1, 0] - 0.5 * X3[:, -2, 2]
    model = _fast(n_steps=steps, max_iter=60).fit(X3.reshape(200, -1), y)
    assert model.n_input_features_ == features and model.n_features_in_ == steps * features
    assert model.score(X3.reshape(200, -1), y) > 0.8
    with pytest.raises(ValueError, match="not a multiple of n_steps=7"):
        _fast(n_steps=7).fit(X3.reshape(200, -1), y)


def test_early_stopping_records_validation_scores_and_restores_best():
    X, y = _weather_windows()
    model = _fast(early_stopping=True, validation_fraction=0.2, max_iter=50, n_iter_no_change=4).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    n_val = round(len(X) * 0.2)
    assert model.score(X[-n_val:], y[-n_val:]) == pytest.approx(model.best_validation_score_, abs=1e-4)


def test_warm_start_continues_training():
    X, y = _weather_windows()
    model = _fast(warm_start=True, max_iter=3).fit(X, y)
    first_curve = list(model.loss_curve_)
    model.fit(X, y)
    assert len(model.loss_curve_) == 2 * len(first_curve)
    assert model.loss_curve_[-1] < first_curve[0]


def test_clone_pickle_and_sample_weight_zero_equals_dropping():
    X, y = _weather_windows()
    model = _fast().fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert clone(model).get_params() == model.get_params()
    weights = np.ones(len(X))
    weights[:50] = 0.0
    weighted = _fast(shuffle=False, batch_size=1000).fit(X, y, sample_weight=weights)
    dropped = _fast(shuffle=False, batch_size=1000).fit(X[50:], y[50:])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "pinball"])
def test_other_losses_train(loss):
    X, y = _weather_windows()
    model = _fast(loss=loss, quantile=0.9, max_iter=30).fit(X, y)
    if loss == "pinball":
        # A 0.9-quantile model leaves about 90 % of the targets below it.
        assert 0.75 < np.mean(y < model.predict(X)) < 0.98
    else:
        assert model.score(X, y) > 0.5


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_other_optimizers_train(optimizer):
    X, y = _weather_windows()
    model = _fast(optimizer=optimizer, learning_rate_init=3e-3, max_iter=30, learning_rate="plateau").fit(X, y)
    assert model.score(X, y) > 0.5


def test_grid_search_with_time_series_split_on_real_data():
    """The documented recipe: pipeline + GridSearchCV over TimeSeriesSplit(gap=horizon - 1)."""
    horizon = 3
    X, y = _weather_windows(lookback=14, horizon=horizon, n=400)
    pipeline = make_pipeline(StandardScaler(), _fast(max_iter=8))
    search = GridSearchCV(
        pipeline,
        {"rnnregressor__cell": ["gru", "lstm"], "rnnregressor__hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=3, gap=horizon - 1),
    )
    search.fit(X, y)
    assert set(search.best_params_) == {"rnnregressor__cell", "rnnregressor__hidden_size"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    parallel = GridSearchCV(
        pipeline,
        {"rnnregressor__cell": ["gru", "lstm"], "rnnregressor__hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=3, gap=horizon - 1),
        n_jobs=2,
    ).fit(X, y)
    np.testing.assert_array_equal(parallel.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"])
    scores = cross_val_score(_fast(max_iter=8), X, y, cv=TimeSeriesSplit(n_splits=3, gap=horizon - 1))
    assert scores.shape == (3,)


def test_bad_input_messages():
    X, y = _weather_windows()
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _fast().fit(bad, y)
    with pytest.raises(ValueError, match="hidden_size"):
        _fast(hidden_size=0).fit(X, y)
    with pytest.raises(ValueError, match="3-D X has 14 steps but n_steps=7"):
        _fast(n_steps=7).fit(X[:, :, None], y)
    model = _fast().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :5])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="max_iter"):
            _fast(max_iter=1).fit(X, y)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_weights_round_trip_with_torch(cell):
    torch = pytest.importorskip("torch")
    X, y = _weather_windows(lookback=10, horizon=2)
    model = _fast(cell=cell, num_layers=2, max_iter=3, dtype="float64").fit(X, y)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
            self.rnn = module(1, 8, num_layers=2, batch_first=True, dtype=torch.float64)
            self.head = torch.nn.Linear(8, 2, dtype=torch.float64)

        def forward(self, x):
            return self.head(self.rnn(x)[0][:, -1])

    net = Net()
    state = model.state_dict()
    net.rnn.load_state_dict({k: torch.from_numpy(v) for k, v in state.items() if not k.startswith("head.")})
    net.head.load_state_dict(
        {"weight": torch.from_numpy(state["head.weight"]), "bias": torch.from_numpy(state["head.bias"])}
    )
    scaled = torch.from_numpy(((X - model.x_mean_) / model.x_scale_)[:, :, None])
    theirs = net(scaled).detach().numpy() * model.y_scale_ + model.y_mean_
    np.testing.assert_allclose(model.predict(X), theirs, rtol=1e-6, atol=1e-6)

    # And back: weights trained (here: perturbed) in torch load into the estimator.
    with torch.no_grad():
        for tensor in net.parameters():
            tensor.add_(0.01)
    torch_state = dict(net.rnn.state_dict())
    torch_state.update({"head.weight": net.head.weight, "head.bias": net.head.bias})
    model.load_state_dict(torch_state)
    theirs = net(scaled).detach().numpy() * model.y_scale_ + model.y_mean_
    np.testing.assert_allclose(model.predict(X), theirs, rtol=1e-6, atol=1e-6)


def test_load_state_dict_rejects_wrong_shapes():
    X, y = _weather_windows()
    model = _fast().fit(X, y)
    state = model.state_dict()
    state["weight_hh_l0"] = state["weight_hh_l0"][:, :3]
    with pytest.raises(ValueError, match=r"weight_hh_l0 must have shape \(24, 8\)"):
        model.load_state_dict(state)
    del state["head.bias"]
    with pytest.raises(ValueError, match="missing"):
        model.load_state_dict(state)


def test_partial_fit_trains_one_epoch_per_call_and_keeps_scaling():
    X, y = _weather_windows()
    model = _fast()
    for _ in range(3):
        model.partial_fit(X[:200], y[:200])
    scaling = model.x_mean_.copy()
    model.partial_fit(X[200:], y[200:])
    assert len(model.loss_curve_) == 4 and model.n_iter_ == 1
    np.testing.assert_array_equal(model.x_mean_, scaling)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :5], y)


def test_randomized_search_runs():
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV

    X, y = _weather_windows(n=300)
    search = RandomizedSearchCV(
        _fast(max_iter=5),
        {"learning_rate_init": loguniform(1e-3, 3e-2), "hidden_size": [4, 8]},
        n_iter=3,
        cv=TimeSeriesSplit(n_splits=2),
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 3


def test_verbose_levels_outside_a_terminal(capsys):
    X, y = _weather_windows(n=200)
    _fast(verbose=0, max_iter=3).fit(X, y)
    assert capsys.readouterr().err == ""
    _fast(verbose=True, max_iter=3, early_stopping=True).fit(X, y)  # a log: one line per epoch, on stderr
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 3
    assert lines[0].startswith("epoch 1/3  loss ") and "validation " in lines[0] and "best " in lines[0]


def test_lbfgs_fits_a_small_problem():
    X, y = _weather_windows(n=300)
    model = _fast(optimizer="lbfgs", max_iter=150).fit(X, y)
    assert model.score(X, y) > 0.7
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.n_iter_ <= 150


def test_each_partial_fit_call_draws_a_new_shuffle(monkeypatch):
    import rnnforecast.nn.training as module

    states, real = [], module.fit_network

    def recording(*args, **kwargs):
        states.append(kwargs["rng"].bit_generator.state["state"]["state"])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "fit_network", recording)
    X, y = _weather_windows()
    first, second = _fast(), _fast()
    for model in (first, second):
        for _ in range(3):
            model.partial_fit(X[:200], y[:200])
    assert len(set(states[:3])) == 3  # three calls, three different streams
    assert states[:3] == states[3:]  # and the same three for the same calls
    np.testing.assert_array_equal(first.params_, second.params_)
