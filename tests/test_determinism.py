"""Bit-for-bit results whatever the number of threads."""

import numba
import numpy as np
import pytest
from conftest import CELLS

from rnnforecast.nn import threads as _threads
from rnnforecast.nn.layout import initialize_parameters, make_layout
from rnnforecast.nn.network import RecurrentNetwork
from rnnforecast.nn.optimizers import Adam
from rnnforecast.nn.threads import thread_scope
from rnnforecast.nn.training import train_step


@pytest.fixture
def always_parallel(monkeypatch):
    """Split every kernel call across threads, however small (the tests' sizes are tiny)."""
    monkeypatch.setattr(_threads, "MIN_PARALLEL_WORK", 0.0)


def _train(cell, n_threads, dtype):
    rng = np.random.default_rng(0)
    layout = make_layout(cell, 3, 16, 2, 2)
    params = initialize_parameters(layout, rng, dtype=dtype)
    grad = np.zeros_like(params)
    network = RecurrentNetwork(layout, dropout=0.2)
    optimizer = Adam(params.size, dtype=dtype)
    x = rng.standard_normal((150, 12, 3)).astype(dtype)  # 5 chunks, the last one padded
    y = rng.standard_normal((150, 2)).astype(dtype)
    with thread_scope(n_threads):
        for _ in range(3):
            train_step(network, optimizer, params, grad, x, y, rng=rng)
        prediction = network.forward(params, x)
    return params, grad, prediction


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [2, 3])
def test_thread_counts_give_bit_identical_models(cell, dtype, threads, always_parallel):
    one = _train(cell, 1, dtype)
    many = _train(cell, threads, dtype)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_model():
    np.testing.assert_array_equal(_train("lstm", 1, np.float32)[0], _train("lstm", 1, np.float32)[0])


def test_thread_scope_restores_on_error():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"):
        with thread_scope(1):
            raise RuntimeError("boom")
    assert numba.get_num_threads() == before


def test_kernels_really_run_on_several_threads(always_parallel, monkeypatch):
    """Guard for the test above: with 2 threads, chunk ranges run on two different threads."""
    import threading

    seen = set()
    original = _threads.run_chunks

    def spy(function, args, n_chunks, work=float("inf")):
        def recording(*all_args):
            seen.add(threading.get_ident())
            return function(*all_args)

        return original(recording, args, n_chunks, work)

    monkeypatch.setattr("rnnforecast.nn.layers.run_chunks", spy)
    _train("gru", 2, np.float32)
    assert len(seen) == 2


def test_threads_work_in_a_forked_child(always_parallel):
    """The thread pool survives fork (joblib/multiprocessing workers)."""
    import multiprocessing

    _train("rnn", 2, np.float32)  # the parent creates its pool first
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply_async(_train, ("rnn", 2, np.float32)).get(timeout=300)
    np.testing.assert_array_equal(child[0], _train("rnn", 1, np.float32)[0])
