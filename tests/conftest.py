import numpy as np
import pytest

from rnnforecast.nn.layout import make_layout

CELLS = ["rnn", "lstm", "peephole", "gru"]


@pytest.fixture(params=[0, 1, 2], ids=lambda s: f"seed{s}")
def seed(request):
    """Tests that take ``seed`` must pass for any seed."""
    return request.param


def random_network(cell, input_size, hidden_size, num_layers, output_size, rng, scale=0.6, dtype=np.float64):
    """A layout and random *non-zero* parameters (biases and peepholes included)."""
    layout = make_layout(cell, input_size, hidden_size, num_layers, output_size)
    params = rng.uniform(-scale, scale, layout.size)
    params[params == 0] = 0.1
    return layout, params.astype(dtype)


def initial_state(cell, layout, n_samples, rng, dtype=np.float64):
    shape = (layout.num_layers, n_samples, layout.hidden_size)
    h0 = rng.standard_normal(shape).astype(dtype) * 0.5
    if cell in ("lstm", "peephole"):
        return h0, rng.standard_normal(shape).astype(dtype) * 0.5
    return h0
