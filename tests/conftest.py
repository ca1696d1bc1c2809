import numpy as np
import pandas as pd
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


def hourly_series(n, seed=0):
    """An hourly daily-seasonal random walk named ``temp`` (the ensemble and auto tests' data)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(0, 0.3, n))
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"), name="temp")
