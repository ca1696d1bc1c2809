"""Numerical robustness: long sequences, large weights, extreme scales and diverging runs stay finite."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, RNNRegressor
from rnnforecast.nn.layout import initialize_parameters, make_layout
from rnnforecast.nn.network import RecurrentNetwork
from rnnforecast.nn.training import fit_network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_five_thousand_step_windows_train_with_finite_loss_and_gradients(cell):
    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=5_200))  # a random walk: long memory, no natural scale
    X = np.stack([series[i : i + 5_000] for i in range(0, 192, 12)])
    y = series[5_000:5_192:12]
    model = RNNRegressor(cell=cell, hidden_size=8, n_steps=5_000, max_iter=3, batch_size=4, random_state=0)
    model.fit(X, y)
    assert np.isfinite(model.loss_curve_).all() and np.isfinite(model.params_).all()
    assert np.isfinite(model.predict(X)).all()
    # Gradients through all 5,000 steps: finite, and the clipped update stays bounded.
    layout = make_layout(cell, 1, 8, 1, 1)
    network = RecurrentNetwork(layout)
    params = model.params_.astype(np.float64)
    x = ((X - model.x_mean_) / model.x_scale_)[:, :, None]
    grad = np.zeros_like(params)
    output = network.forward(params, x, training=True)
    network.backward(params, np.ones_like(output) / len(output), grad, need_input_grad=False)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "peephole"])
def test_large_initial_weights_saturate_but_stay_finite_and_train(cell):
    rng = np.random.default_rng(1)
    layout = make_layout(cell, 2, 16, 2, 1)
    network = RecurrentNetwork(layout)
    params = initialize_parameters(layout, rng, dtype=np.float64) * 50.0  # far outside any sane init
    x = rng.normal(size=(64, 200, 2)) * 10.0
    y = rng.normal(size=(64, 1))
    assert np.isfinite(network.forward(params, x)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = fit_network(network, params, x, y, rng=rng, max_iter=3, clip_norm=1.0, learning_rate=1e-2)
    assert np.isfinite(result.loss_curve).all() and np.isfinite(params).all()


@pytest.mark.parametrize("scale", [1e9, 1e-9])
def test_extreme_scales_forecast_like_the_unit_series(scale):
    index = pd.date_range("2022-01-01", periods=240, freq="D")
    t = np.arange(240)
    unit = pd.Series(10 + np.sin(2 * np.pi * t / 7) + 0.01 * t, index=index)
    options = dict(horizon=7, n_steps=28, hidden_size=8, max_iter=20, random_state=0)
    reference = RNNForecaster(**options).fit(unit).predict_interval()
    scaled = RNNForecaster(**options).fit(unit * scale).predict_interval()
    assert np.isfinite(scaled.to_numpy()).all()
    np.testing.assert_allclose(scaled.to_numpy() / scale, reference.to_numpy(), rtol=1e-4)


def test_a_diverging_estimator_warns_and_keeps_finite_weights():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(64, 10)), rng.normal(size=64)
    model = RNNRegressor(
        cell="rnn",
        nonlinearity="relu",
        hidden_size=8,
        learning_rate_init=1e12,
        clip_norm=None,
        optimizer="sgd",
        momentum=0.0,
        max_iter=20,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.fit(X, y * 1e30)
    assert np.isfinite(model.params_).all()
    assert np.isfinite(model.predict(X)).all()
