"""Forward outputs against the slow NumPy reference (float64, exact activations)."""

import numpy as np
import pytest
from conftest import CELLS, initial_state, random_network
from naive import network_forward

from rnnforecast.nn.network import RecurrentNetwork


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_forward_matches_reference(cell, num_layers, return_sequences, seed):
    rng = np.random.default_rng(seed)
    layout, params = random_network(cell, 3, 5, num_layers, 2, rng)
    x = rng.standard_normal((7, 6, 3))
    state = initial_state(cell, layout, 7, rng)
    network = RecurrentNetwork(layout, exact=True, return_sequences=return_sequences, max_chunk_width=3)
    got = network.forward(params, x, state)
    h0, c0 = state if isinstance(state, tuple) else (state, None)
    expected = network_forward(layout, params, x, h0, c0, return_sequences=return_sequences)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_relu_rnn_matches_reference(seed):
    rng = np.random.default_rng(seed)
    layout, params = random_network("rnn", 2, 4, 2, 1, rng)
    x = rng.standard_normal((5, 8, 2))
    network = RecurrentNetwork(layout, nonlinearity="relu", exact=True)
    expected = network_forward(layout, params, x, nonlinearity="relu")
    np.testing.assert_allclose(network.forward(params, x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_final_state_matches_reference(cell):
    rng = np.random.default_rng(3)
    layout, params = random_network(cell, 2, 4, 2, 1, rng)
    x = rng.standard_normal((5, 4, 2))
    network = RecurrentNetwork(layout, exact=True, return_sequences=True)
    network.forward(params, x)
    h, c = network.final_state()
    # The head applied to h_T of the top layer is the last output.
    weight, bias = layout.view(params, "head.weight"), layout.view(params, "head.bias")
    np.testing.assert_allclose(h[-1] @ weight.T + bias, network_forward(layout, params, x), rtol=1e-12)
    assert (c is not None) == (cell in ("lstm", "peephole"))


@pytest.mark.parametrize("cell", CELLS)
def test_fast_float32_close_to_exact_float64(cell):
    """float32 with the rational activations agrees with float64 exact to ~1e-5."""
    rng = np.random.default_rng(4)
    layout, params = random_network(cell, 4, 16, 2, 3, rng, scale=0.3)
    x = rng.standard_normal((40, 30, 4))
    exact = RecurrentNetwork(layout, exact=True).forward(params, x)
    fast = RecurrentNetwork(layout).forward(params.astype(np.float32), x.astype(np.float32))
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, exact, atol=5e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_fast_float32_gradients_close_to_exact_float64(cell):
    rng = np.random.default_rng(5)
    layout, params = random_network(cell, 3, 12, 2, 2, rng, scale=0.3)
    x = rng.standard_normal((20, 25, 3))
    d_out = rng.standard_normal((20, 2))
    grads = []
    for dtype, exact in ((np.float64, True), (np.float32, False)):
        network = RecurrentNetwork(layout, exact=exact)
        p = params.astype(dtype)
        network.forward(p, x)
        g = np.zeros_like(p)
        network.backward(p, d_out, g)
        grads.append(g.astype(np.float64))
    np.testing.assert_allclose(grads[1], grads[0], atol=2e-4 * np.abs(grads[0]).max())


def test_inputs_are_not_modified():
    rng = np.random.default_rng(6)
    layout, params = random_network("lstm", 2, 3, 2, 1, rng)
    x = rng.standard_normal((4, 5, 2))
    state = initial_state("lstm", layout, 4, rng)
    copies = [params.copy(), x.copy(), state[0].copy(), state[1].copy()]
    network = RecurrentNetwork(layout)
    out = network.forward(params, x, state)
    network.backward(params, np.ones_like(out), np.zeros_like(params), need_input_grad=True)
    for before, after in zip(copies, [params, x, state[0], state[1]], strict=True):
        np.testing.assert_array_equal(before, after)


def test_bad_shapes_raise_clear_errors():
    rng = np.random.default_rng(7)
    layout, params = random_network("gru", 2, 3, 1, 1, rng)
    network = RecurrentNetwork(layout)
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples >= 1, n_steps >= 1, 2\)"):
        network.forward(params, np.ones((4, 5, 3)))
    with pytest.raises(ValueError, match="x must have shape"):
        network.forward(params, np.ones((4, 5)))
    with pytest.raises(ValueError, match="x must have shape"):
        network.forward(params, np.ones((0, 5, 2)))
    with pytest.raises(ValueError, match="params must be a contiguous array"):
        network.forward(params[:-1], np.ones((4, 5, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        network.forward(params.astype(np.int64), np.ones((4, 5, 2)))
    with pytest.raises(RuntimeError, match="forward"):
        RecurrentNetwork(layout).backward(params, np.ones((4, 1)), np.zeros_like(params))
    network.forward(params, np.ones((4, 5, 2)))
    with pytest.raises(ValueError, match=r"d_output must have the forward output's shape \(4, 1\)"):
        network.backward(params, np.ones((4, 2)), np.zeros_like(params))
    with pytest.raises(ValueError, match="grad must be"):
        network.backward(params, np.ones((4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="initial state must have shape"):
        network.forward(params, np.ones((4, 5, 2)), np.zeros((1, 3, 3)))
