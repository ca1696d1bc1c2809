"""BLAS from compiled code, activations, layout, optimizer, JIT flags."""

import math

import numpy as np
import pytest

from rnnforecast.kernels._activations import sigmoid, tanh
from rnnforecast.kernels._blas import gemm
from rnnforecast.kernels._jit import kernel
from rnnforecast.nn.layout import initialize_parameters, make_layout
from rnnforecast.nn.optimizers import Adam
from rnnforecast.nn.threads import resolve_n_threads


@kernel
def _gemm_submatrix(trans_a, trans_b, a, b, c, m, n, k, a_offset, lda, b_offset, ldb, c_offset, ldc, alpha, beta):
    gemm(trans_a, trans_b, m, n, k, alpha, a, a_offset, lda, b, b_offset, ldb, beta, c, c_offset, ldc)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
def test_gemm_on_submatrices(dtype, trans_a, trans_b):
    rng = np.random.default_rng(0)
    m, n, k = 5, 3, 4
    big_a = rng.standard_normal((9, 8)).astype(dtype)
    big_b = rng.standard_normal((7, 9)).astype(dtype)
    big_c = rng.standard_normal((8, 6)).astype(dtype)
    a = big_a[1 : 1 + (k if trans_a else m), 2 : 2 + (m if trans_a else k)]
    b = big_b[2 : 2 + (n if trans_b else k), 1 : 1 + (k if trans_b else n)]
    expected = big_c.copy()
    expected[3 : 3 + m, 1 : 1 + n] = (
        0.5 * (a.T if trans_a else a) @ (b.T if trans_b else b) + 2.0 * big_c[3 : 3 + m, 1 : 1 + n]
    )
    _gemm_submatrix(trans_a, trans_b, big_a, big_b, big_c, m, n, k, 1 * 8 + 2, 8, 2 * 9 + 1, 9, 3 * 6 + 1, 6, 0.5, 2.0)
    np.testing.assert_allclose(big_c, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@kernel
def _apply(x, out_tanh, out_sigmoid, exact):
    for k in range(x.size):
        out_tanh[k] = tanh(x[k], exact)
        out_sigmoid[k] = sigmoid(x[k], exact)


@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 4e-7), (np.float64, 6e-8)])
def test_fast_activations_error_bound(dtype, tolerance):
    x = np.linspace(-20, 20, 400_001).astype(dtype)
    t, s = np.empty_like(x), np.empty_like(x)
    _apply(x, t, s, False)
    reference = np.tanh(x.astype(np.float64))
    assert t.dtype == dtype
    assert np.abs(t - reference).max() < tolerance
    assert np.abs(s - 1 / (1 + np.exp(-x.astype(np.float64)))).max() < tolerance
    assert np.all(np.abs(t) <= 1) and np.all((s >= 0) & (s <= 1))
    # Monotone up to a few float32 ulps of 1 (rounding, and the clamp at |x| = 9).
    assert np.diff(t.astype(np.float64)).min() >= -4 * np.finfo(np.float32).eps


def test_exact_activations_are_libm():
    x = np.linspace(-5, 5, 101)
    t, s = np.empty_like(x), np.empty_like(x)
    _apply(x, t, s, True)
    np.testing.assert_array_equal(t, [math.tanh(v) for v in x])
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-x)), rtol=1e-14)


def test_layout_matches_pytorch_names_and_shapes():
    layout = make_layout("gru", input_size=3, hidden_size=5, num_layers=2, output_size=4)
    shapes = {entry.name: entry.shape for entry in layout.entries}
    assert shapes == {
        "weight_ih_l0": (15, 3),
        "weight_hh_l0": (15, 5),
        "bias_ih_l0": (15,),
        "bias_hh_l0": (15,),
        "weight_ih_l1": (15, 5),
        "weight_hh_l1": (15, 5),
        "bias_ih_l1": (15,),
        "bias_hh_l1": (15,),
        "head.weight": (4, 5),
        "head.bias": (4,),
    }
    flat = np.arange(layout.size, dtype=np.float64)
    views = layout.views(flat)
    views["bias_hh_l1"][0] = -1.0
    assert flat[layout.layer_bounds[1][1] - 15] == -1.0  # views write into the buffer
    np.testing.assert_array_equal(layout.layer(flat, 1), flat[layout.layer_bounds[1][0] : layout.layer_bounds[1][1]])


def test_peephole_layout_adds_diagonals():
    layout = make_layout("peephole", 2, 3, 1, 1)
    assert [e.name for e in layout.entries][4:7] == ["weight_ci_l0", "weight_cf_l0", "weight_co_l0"]
    assert layout.shape_of("weight_co_l0") == (3,)


@pytest.mark.parametrize("cell, gates", [("lstm", 4), ("gru", 3), ("rnn", 1), ("peephole", 4)])
def test_default_initialisation(cell, gates):
    layout = make_layout(cell, 3, 6, 2, 1)
    flat = initialize_parameters(layout, np.random.default_rng(0), dtype=np.float64)
    for k in range(2):
        w_hh = layout.view(flat, f"weight_hh_l{k}")
        for g in range(gates):
            block = w_hh[g * 6 : (g + 1) * 6]
            np.testing.assert_allclose(block @ block.T, np.eye(6), atol=1e-12)
        bias = layout.view(flat, f"bias_ih_l{k}")
        expected = np.zeros(gates * 6)
        if gates == 4:
            expected[6:12] = 1.0  # forget gate
        np.testing.assert_array_equal(bias, expected)
        limit = math.sqrt(6 / (layout.layer_input_size(k) + gates * 6))
        assert np.abs(layout.view(flat, f"weight_ih_l{k}")).max() <= limit


def test_pytorch_initialisation_bounds_and_seed():
    layout = make_layout("lstm", 3, 16, 1, 1)
    a = initialize_parameters(layout, np.random.default_rng(1), scheme="pytorch")
    b = initialize_parameters(layout, np.random.default_rng(1), scheme="pytorch")
    np.testing.assert_array_equal(a, b)
    assert np.abs(a).max() <= 0.25 and np.abs(a).max() > 0.2
    with pytest.raises(ValueError, match="init scheme"):
        initialize_parameters(layout, np.random.default_rng(1), scheme="xavier")


@pytest.mark.parametrize("bad", [dict(cell="transformer"), dict(hidden_size=0), dict(num_layers=1.5)])
def test_layout_rejects_bad_arguments(bad):
    arguments = dict(cell="lstm", input_size=1, hidden_size=2, num_layers=1, output_size=1) | bad
    with pytest.raises(ValueError):
        make_layout(**arguments)


def test_adam_matches_hand_computed_steps():
    params = np.array([1.0, -2.0, 0.5])
    grads = [np.array([0.5, -1.0, 0.0]), np.array([0.1, 0.3, -0.2])]
    optimizer = Adam(3, learning_rate=0.1, beta1=0.9, beta2=0.99, epsilon=1e-8, dtype=np.float64)
    m = np.zeros(3)
    v = np.zeros(3)
    expected = params.copy()
    for step, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        expected = expected - 0.1 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.99**step)) + 1e-8)
        optimizer.step(params, g)
    np.testing.assert_allclose(params, expected, rtol=1e-12)


def test_resolve_n_threads():
    assert resolve_n_threads(None) == 1
    assert resolve_n_threads(1) == 1
    assert resolve_n_threads(-1) >= 1
    with pytest.raises(ValueError, match="n_jobs"):
        resolve_n_threads(0)
