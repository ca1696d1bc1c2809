"""The training engine: learning real signals, early stopping, guards, schedules, warm start."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast.nn.layout import initialize_parameters, make_layout
from rnnforecast.nn.network import RecurrentNetwork
from rnnforecast.nn.training import SCHEDULES, fit_network


def _windows(series, lookback):
    starts = np.arange(len(series) - lookback)
    x = series[starts[:, None] + np.arange(lookback)][:, :, None]
    return x.astype(np.float32), series[starts + lookback][:, None].astype(np.float32)


def _network(cell="gru", hidden=16, seed=0, dropout=0.0):
    layout = make_layout(cell, 1, hidden, 1, 1)
    return RecurrentNetwork(layout, dropout=dropout), initialize_parameters(layout, np.random.default_rng(seed))


def _noisy_sine(n=600, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 25) + 0.1 * rng.standard_normal(n)


def _ar2(n=800, seed=0):
    rng = np.random.default_rng(seed)
    series = np.zeros(n)
    for k in range(2, n):
        series[k] = 1.2 * series[k - 1] - 0.5 * series[k - 2] + 0.3 * rng.standard_normal()
    return series / series.std()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "peephole"])
def test_learns_a_noisy_sine_close_to_the_noise_level(cell):
    x, y = _windows(_noisy_sine(), 30)
    network, params = _network(cell)
    result = fit_network(
        network,
        params,
        x[:450],
        y[:450],
        rng=np.random.default_rng(0),
        learning_rate=1e-2,
        max_iter=60,
        batch_size=32,
        n_iter_no_change=60,
    )
    rmse = float(np.sqrt(np.mean((network.forward(params, x[450:]) - y[450:]) ** 2)))
    assert rmse < 0.16, rmse  # noise sd is 0.10; predicting 0 would give ~0.71
    assert result.loss_curve[-1] < result.loss_curve[0] / 5


def test_learns_an_ar2_process_near_the_innovation_noise():
    series = _ar2()
    x, y = _windows(series, 10)
    network, params = _network("gru")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_network(network, params, x[:600], y[:600], rng=np.random.default_rng(1), learning_rate=1e-2, max_iter=40)
    residual = network.forward(params, x[600:]) - y[600:]
    # The true AR(2) recursion is the best one-step forecast; its error is the innovation noise.
    optimal = np.sqrt(np.mean((1.2 * x[600:, -1, 0] - 0.5 * x[600:, -2, 0] - y[600:, 0]) ** 2))
    assert float(np.sqrt(np.mean(residual**2))) < 1.15 * optimal, optimal


def test_early_stopping_restores_the_best_validation_weights():
    x, y = _windows(_noisy_sine(400), 20)
    network, params = _network("rnn", hidden=24)
    result = fit_network(
        network,
        params,
        x,
        y,
        rng=np.random.default_rng(0),
        learning_rate=3e-2,
        max_iter=80,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=5,
    )
    assert result.stop_reason == "early_stopping"
    assert len(result.validation_losses) == result.n_iter
    n_train = len(x) - round(len(x) * 0.25)
    final = float(np.mean((network.forward(params, x[n_train:]) - y[n_train:]) ** 2))
    assert final == pytest.approx(min(result.validation_losses), rel=1e-5)
    assert result.best_loss == min(result.validation_losses)


def test_divergence_warns_and_keeps_finite_weights():
    x, y = _windows(_noisy_sine(200), 20)
    network, params = _network("rnn")
    params = params.astype(np.float64)
    y = y.astype(np.float64) * 1e200  # the squared error overflows float64: the loss becomes inf
    with pytest.warns(ConvergenceWarning, match="diverged"):
        result = fit_network(network, params, x, y, rng=np.random.default_rng(0), max_iter=5)
    assert result.stop_reason == "diverged"
    assert np.isfinite(params).all()
    assert np.isfinite(network.forward(params, x)).all()


def test_max_iter_warns():
    x, y = _windows(_noisy_sine(100), 10)
    network, params = _network("gru", hidden=4)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        result = fit_network(network, params, x, y, rng=np.random.default_rng(0), max_iter=2)
    assert result.n_iter == 2 and result.stop_reason == "max_iter"


def test_convergence_stops_without_warning():
    x, y = _windows(_noisy_sine(100), 10)
    network, params = _network("gru", hidden=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        result = fit_network(
            network, params, x, y, rng=np.random.default_rng(0), max_iter=500, tol=10.0, n_iter_no_change=3
        )
    # The first epoch improves on nothing; three more without improvement stop it.
    assert result.stop_reason == "converged" and result.n_iter == 4


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_seed_same_weights_and_dropout_is_seeded():
    x, y = _windows(_noisy_sine(150), 12)
    runs = []
    for _ in range(2):
        layout = make_layout("lstm", 1, 8, 2, 1)
        network = RecurrentNetwork(layout, dropout=0.3)
        params = initialize_parameters(layout, np.random.default_rng(3))
        fit_network(network, params, x, y, rng=np.random.default_rng(5), max_iter=3, n_iter_no_change=99)
        runs.append(params)
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_continues_the_optimizer():
    x, y = _windows(_noisy_sine(150), 12)
    network, params = _network("gru", hidden=8)
    first = fit_network(network, params, x, y, rng=np.random.default_rng(0), max_iter=3, n_iter_no_change=99)
    steps = first.optimizer.steps
    fit_network(
        network, params, x, y, rng=np.random.default_rng(1), optimizer=first.optimizer, max_iter=2, n_iter_no_change=99
    )
    assert first.optimizer.steps == steps + 2 * int(np.ceil(len(x) / 64))


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("optimizer, options", [("adam", {}), ("sgd", {"momentum": 0.9}), ("rmsprop", {})])
def test_every_schedule_and_optimizer_reduces_the_loss(name, optimizer, options):
    x, y = _windows(_noisy_sine(200), 15)
    network, params = _network("gru", hidden=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = fit_network(
            network,
            params,
            x,
            y,
            rng=np.random.default_rng(0),
            optimizer=optimizer,
            optimizer_state=options,
            learning_rate=1e-2,
            schedule=name,
            max_iter=15,
        )
    assert result.loss_curve[-1] < 0.5 * result.loss_curve[0]


def test_cosine_and_plateau_schedules():
    cosine = SCHEDULES["cosine"](1.0, 4, 2)
    assert [round(cosine.update(k, True), 4) for k in range(4)] == [0.8536, 0.5, 0.1464, 0.0]
    plateau = SCHEDULES["plateau"](1.0, 100, 2)
    rates = [plateau.update(k, improved) for k, improved in enumerate([True, False, False, False, False])]
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_zero_sample_weights_ignore_those_windows():
    x, y = _windows(_noisy_sine(120), 10)
    weights = np.ones(len(x))
    weights[::2] = 0.0
    y_corrupted = y.copy()
    y_corrupted[::2] = 1e3  # only the zero-weight windows are corrupted
    network, params = _network("gru", hidden=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_network(
            network,
            params,
            x,
            y_corrupted,
            sample_weight=weights,
            rng=np.random.default_rng(0),
            learning_rate=1e-2,
            max_iter=20,
        )
    assert float(np.abs(network.forward(params, x[1::2]) - y[1::2]).mean()) < 0.5


def test_too_few_windows_for_early_stopping():
    x, y = _windows(_noisy_sine(30), 25)
    network, params = _network("gru", hidden=4)
    with pytest.raises(ValueError, match="early stopping needs at least one training and one validation window"):
        fit_network(network, params, x, y, rng=np.random.default_rng(0), early_stopping=True, validation_fraction=0.01)


def test_lbfgs_matches_the_full_batch_objective():
    x, y = _windows(_noisy_sine(120), 10)
    network, params = _network("gru", hidden=6)
    params = params.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = fit_network(
            network, params, x, y, rng=np.random.default_rng(0), optimizer="lbfgs", max_iter=60, weight_decay=1e-3
        )
    full = float(np.mean((network.forward(params, x) - y) ** 2)) + 0.5e-3 * float(params @ params)
    assert result.best_loss == pytest.approx(full, rel=1e-6)
    assert result.loss_curve[-1] < 0.2 * result.loss_curve[0]


def test_warnings_point_at_the_users_line():
    from rnnforecast import RNNRegressor

    x, y = _windows(_noisy_sine(100), 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(x, y[:, 0])  # this line
    messages = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(messages) == 1 and "max_iter=2" in str(messages[0].message)
    assert messages[0].filename == __file__


def test_reaching_max_iter_on_a_plateau_is_not_news():
    x, y = _windows(_noisy_sine(100), 10)
    network, params = _network("gru", hidden=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # A learning rate this small barely moves the loss: the budget ends on a plateau, quietly.
        result = fit_network(
            network, params, x, y, rng=np.random.default_rng(0), max_iter=15, n_iter_no_change=5, tol=0.0,
            early_stopping=False, learning_rate=1e-7,
        )  # fmt: skip
    assert result.stop_reason == "max_iter"
