"""Property tests over shapes, degenerate sizes (1) included."""

import numpy as np
from conftest import CELLS, random_network
from hypothesis import example, given, settings
from hypothesis import strategies as st
from naive import network_forward

from rnnforecast.nn.network import RecurrentNetwork

shapes = st.fixed_dictionaries(
    {
        "cell": st.sampled_from(CELLS),
        "n_samples": st.integers(1, 40),
        "steps": st.integers(1, 6),
        "input_size": st.integers(1, 4),
        "hidden_size": st.integers(1, 6),
        "num_layers": st.integers(1, 2),
        "output_size": st.integers(1, 3),
        "chunk": st.sampled_from([1, 3, 32]),
        "sequences": st.booleans(),
    }
)


def _all_ones(cell):
    return dict(
        cell=cell,
        n_samples=1,
        steps=1,
        input_size=1,
        hidden_size=1,
        num_layers=1,
        output_size=1,
        chunk=1,
        sequences=False,
    )


@settings(max_examples=60, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
@example(shape=_all_ones("rnn"), seed=0)
@example(shape=_all_ones("lstm"), seed=0)
@example(shape=_all_ones("peephole"), seed=0)
@example(shape=_all_ones("gru"), seed=0)
def test_any_shape_matches_reference_and_has_finite_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    layout, params = random_network(
        shape["cell"], shape["input_size"], shape["hidden_size"], shape["num_layers"], shape["output_size"], rng
    )
    x = rng.standard_normal((shape["n_samples"], shape["steps"], shape["input_size"]))
    network = RecurrentNetwork(layout, exact=True, return_sequences=shape["sequences"], max_chunk_width=shape["chunk"])
    out = network.forward(params, x)
    expected = network_forward(layout, params, x, return_sequences=shape["sequences"])
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    grad = np.full_like(params, np.nan)
    grads = network.backward(params, np.ones_like(out), grad, need_input_grad=True)
    assert np.isfinite(grad).all()
    assert grads["x"].shape == x.shape and np.isfinite(grads["x"]).all()
    assert grads["h0"].shape == (shape["num_layers"], shape["n_samples"], shape["hidden_size"])


@settings(max_examples=25, deadline=None)
@given(n_samples=st.integers(1, 70), seed=st.integers(0, 2**16))
def test_batch_prediction_equals_one_window_at_a_time(n_samples, seed):
    rng = np.random.default_rng(seed)
    layout, params = random_network("gru", 2, 5, 2, 1, rng, dtype=np.float32)
    x = rng.standard_normal((n_samples, 7, 2)).astype(np.float32)
    network = RecurrentNetwork(layout)
    batch = network.forward(params, x)
    single = np.concatenate([network.forward(params, x[k : k + 1]) for k in range(n_samples)])
    np.testing.assert_allclose(batch, single, rtol=1e-5, atol=1e-6)
