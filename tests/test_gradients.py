"""Backward through time against float64 central differences.

Every parameter, every input element and every initial-state element is checked,
for every cell, with 1 and 2 layers, odd sizes and several batch chunks.
"""

import numpy as np
import pytest
from conftest import CELLS, initial_state, random_network

from rnnforecast.nn.network import RecurrentNetwork

EPS = 1e-6


def _loss(network, params, x, state, weights):
    return float(np.sum(network.forward(params, x, state) * weights))


def _numeric(f, array):
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + EPS
        plus = f()
        flat[k] = saved - EPS
        minus = f()
        flat[k] = saved
        out[k] = (plus - minus) / (2 * EPS)
    return grad


def _check_against_central_differences(network, params, x, state, rng):
    """Analytic gradients of every parameter, input and initial-state element vs central differences."""
    out = network.forward(params, x, state)
    weights = rng.standard_normal(out.shape)
    grad = np.zeros_like(params)
    analytic = network.backward(params, weights, grad, need_input_grad=True)

    def loss():
        return _loss(network, params, x, state, weights)

    np.testing.assert_allclose(grad, _numeric(loss, params), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(analytic["x"], _numeric(loss, x), rtol=1e-6, atol=1e-8)
    h0 = state[0] if isinstance(state, tuple) else state
    np.testing.assert_allclose(analytic["h0"], _numeric(loss, h0), rtol=1e-6, atol=1e-8)
    if isinstance(state, tuple):
        np.testing.assert_allclose(analytic["c0"], _numeric(loss, state[1]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradients_match_central_differences(cell, num_layers, return_sequences):
    rng = np.random.default_rng(11 + num_layers)
    layout, params = random_network(cell, 3, 5, num_layers, 2, rng)
    x = rng.standard_normal((5, 4, 3))
    state = initial_state(cell, layout, 5, rng)
    network = RecurrentNetwork(layout, exact=True, return_sequences=return_sequences, max_chunk_width=2)
    _check_against_central_differences(network, params, x, state, rng)


def test_relu_rnn_gradients_match_central_differences():
    rng = np.random.default_rng(21)
    layout, params = random_network("rnn", 2, 4, 2, 1, rng)
    x = rng.standard_normal((3, 5, 2))
    h0 = initial_state("rnn", layout, 3, rng)
    network = RecurrentNetwork(layout, nonlinearity="relu", exact=True)
    _check_against_central_differences(network, params, x, h0, rng)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_with_dropout_match_central_differences(cell):
    """With dropout the masks are fixed per forward; reuse them by re-seeding."""
    rng = np.random.default_rng(31)
    layout, params = random_network(cell, 2, 4, 3, 1, rng)
    x = rng.standard_normal((4, 3, 2))
    network = RecurrentNetwork(layout, exact=True, dropout=0.4)
    weights = rng.standard_normal((4, 1))

    def loss():
        out = network.forward(params, x, training=True, rng=np.random.default_rng(7))
        return float(np.sum(out * weights))

    loss()
    grad = np.zeros_like(params)
    network.backward(params, weights, grad)
    np.testing.assert_allclose(grad, _numeric(loss, params), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("need_input_grad", [False, True])
def test_gru_split_gemms_match_central_differences(need_input_grad):
    """A 64-unit GRU (its GEMMs skip the zero blocks of the packed weights, at BLAS's blocked sizes): every gradient."""
    rng = np.random.default_rng(17)
    layout, params = random_network("gru", 2, 64, 1, 1, rng)
    x = rng.standard_normal((3, 3, 2))
    state = initial_state("gru", layout, 3, rng)
    network = RecurrentNetwork(layout, exact=True, max_chunk_width=2)
    if need_input_grad:
        _check_against_central_differences(network, params, x, state, rng)
        return
    weights = rng.standard_normal(network.forward(params, x, state).shape)
    grad = np.zeros_like(params)
    assert network.backward(params, weights, grad) is None  # the x rows of dS are skipped: weights only
    numeric = _numeric(lambda: _loss(network, params, x, state, weights), params)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    views = layout.views(grad)
    assert np.abs(views["bias_ih_l0"]).min() > 0 and np.abs(views["bias_hh_l0"]).min() > 0  # b_in and b_hn too
