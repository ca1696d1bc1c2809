"""CUDA twins against the CPU kernels: every output buffer of forward and backward, every cell.

Runs on numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, as ``make test`` sets
when no GPU is requested) or on a real GPU. Shapes are tiny: the simulator runs
every thread in Python.
"""

import numpy as np
import pytest
from numba import config, cuda

from rnnforecast.kernels import cpu_gru, cpu_lstm, cpu_rnn
from rnnforecast.kernels._recurrent import GRU_SPLIT, SUMMED, pack_weights, packed_rows

if not cuda.is_available():  # pragma: no cover - depends on the machine
    pytest.skip("no CUDA device and NUMBA_ENABLE_CUDASIM is not set", allow_module_level=True)

from rnnforecast.kernels import get_kernels  # noqa: E402

cuda_recurrent = get_kernels("cuda")  # the CUDA twins of every CPU kernel

pytestmark = [pytest.mark.cuda, pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]
SIMULATED = bool(config.ENABLE_CUDASIM)
C, T, I, H, B = 2, 3, 2, 3, 2  # chunks, steps, inputs, hidden, chunk width


def _setup(cell, dtype, rng):
    gates = {"rnn": 1, "gru": 3, "lstm": 4, "peephole": 4}[cell]
    kind = GRU_SPLIT if cell == "gru" else SUMMED
    rows = packed_rows(kind, gates, H)
    n_params = gates * H * (I + H) + 2 * gates * H + (3 * H if cell == "peephole" else 0)
    params = rng.uniform(-0.8, 0.8, n_params).astype(dtype)
    packed = np.zeros((rows, I + H + 1), dtype)
    pack_weights(params, kind, gates, I, H, packed)
    arrays = {
        "params": params,
        "packed": packed,
        "x": rng.normal(size=(C, T, I, B)).astype(dtype),
        "h0": rng.normal(size=(C, H, B)).astype(dtype) * 0.5,
        "c0": rng.normal(size=(C, H, B)).astype(dtype) * 0.5,
        "dy": rng.normal(size=(C, T, H, B)).astype(dtype),
        "dh_last": rng.normal(size=(C, H, B)).astype(dtype),
        "dc_last": rng.normal(size=(C, H, B)).astype(dtype),
    }
    buffers = {
        "stacked": (C, T + 1, I + H + 1, B),
        "gates": (C, T, rows, B),
        "cells": (C, T + 1, H, B),
        "y": (C, T, H, B),
        "d_gates": (C, rows, B),
        "d_stacked": (C, I + H + 1, B),
        "weight_parts": (C, rows, I + H + 1),
        "peep_sums": (C, 3 * H, B),
        "dx": (C, T, I, B),
        "dh0": (C, H, B),
        "dc0": (C, H, B),
    }
    return arrays, {name: np.zeros(shape, dtype) for name, shape in buffers.items()}


def _run(module, cell, a, o, exact, need_dx, relu):
    if cell == "rnn":
        module.rnn_forward(a["packed"], a["x"], a["h0"], relu, exact, o["stacked"], o["gates"], o["y"], 0, C)
        module.rnn_backward(
            a["packed"],
            relu,
            o["stacked"],
            o["y"],
            a["dy"],
            a["dh_last"],
            need_dx,
            o["d_gates"],
            o["d_stacked"],
            o["weight_parts"],
            o["dx"],
            o["dh0"],
            0,
            C,
        )
    elif cell == "gru":
        module.gru_forward(a["packed"], a["x"], a["h0"], exact, o["stacked"], o["gates"], o["y"], 0, C)
        module.gru_backward(
            a["packed"],
            o["stacked"],
            o["gates"],
            a["dy"],
            a["dh_last"],
            need_dx,
            o["d_gates"],
            o["d_stacked"],
            o["weight_parts"],
            o["dx"],
            o["dh0"],
            0,
            C,
        )
    else:
        peephole = cell == "peephole"
        module.lstm_forward(
            a["params"],
            a["packed"],
            a["x"],
            a["h0"],
            a["c0"],
            peephole,
            exact,
            o["stacked"],
            o["gates"],
            o["cells"],
            o["y"],
            0,
            C,
        )
        module.lstm_backward(
            a["params"],
            a["packed"],
            peephole,
            exact,
            o["stacked"],
            o["gates"],
            o["cells"],
            a["dy"],
            a["dh_last"],
            a["dc_last"],
            need_dx,
            o["d_gates"],
            o["d_stacked"],
            o["weight_parts"],
            o["peep_sums"],
            o["dx"],
            o["dh0"],
            o["dc0"],
            0,
            C,
        )


CPU = {"rnn": cpu_rnn, "gru": cpu_gru, "lstm": cpu_lstm, "peephole": cpu_lstm}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "peephole", "gru"])
@pytest.mark.parametrize(("dtype", "exact"), [(np.float64, True), (np.float64, False), (np.float32, False)])
def test_cuda_twin_matches_cpu_kernel(cell, dtype, exact):
    rng = np.random.default_rng(7)
    arrays, cpu_out = _setup(cell, dtype, rng)
    gpu_out = {name: np.zeros_like(buffer) for name, buffer in cpu_out.items()}
    relu = False
    _run(CPU[cell], cell, arrays, cpu_out, exact, True, relu)
    _run(cuda_recurrent, cell, arrays, gpu_out, exact, True, relu)
    tolerance = 1e-12 if dtype == np.float64 else 2e-5
    if cell == "gru":  # the CPU kernel skips the packed matrix's zero blocks; their gradient is never read
        for parts in (cpu_out["weight_parts"], gpu_out["weight_parts"]):
            parts[:, 2 * H : 3 * H, I : I + H] = 0.0
            parts[:, 3 * H :, :I] = 0.0
    for name in cpu_out:
        np.testing.assert_allclose(gpu_out[name], cpu_out[name], rtol=tolerance, atol=tolerance, err_msg=name)


def test_relu_rnn_and_skipped_input_gradient():
    rng = np.random.default_rng(3)
    arrays, cpu_out = _setup("rnn", np.float64, rng)
    gpu_out = {name: np.zeros_like(buffer) for name, buffer in cpu_out.items()}
    _run(cpu_rnn, "rnn", arrays, cpu_out, True, False, True)
    _run(cuda_recurrent, "rnn", arrays, gpu_out, True, False, True)
    for name in ("y", "dh0", "weight_parts"):
        np.testing.assert_allclose(gpu_out[name], cpu_out[name], rtol=1e-12, atol=1e-12, err_msg=name)
    assert not gpu_out["dx"].any()  # need_dx=False leaves dx alone, as on the CPU


def test_device_arrays_stay_on_the_device():
    rng = np.random.default_rng(5)
    arrays, cpu_out = _setup("gru", np.float32, rng)
    cpu_gru.gru_forward(
        arrays["packed"], arrays["x"], arrays["h0"], False, cpu_out["stacked"], cpu_out["gates"], cpu_out["y"], 0, C
    )
    device = {name: cuda.to_device(value) for name, value in {**arrays, **cpu_out}.items()}
    for name in ("stacked", "gates", "y"):
        device[name] = cuda.device_array_like(cpu_out[name])
    cuda_recurrent.gru_forward(
        device["packed"], device["x"], device["h0"], False, device["stacked"], device["gates"], device["y"], 0, C
    )
    np.testing.assert_allclose(device["y"].copy_to_host(), cpu_out["y"], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("cell", ["gru", "peephole"])
def test_regressor_trains_the_same_on_cuda_as_on_cpu(cell):
    from rnnforecast import RNNRegressor

    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(20, 8)), rng.normal(size=20)
    options = dict(cell=cell, hidden_size=3, n_steps=4, max_iter=2, batch_size=10, dtype="float64", random_state=0)
    on_cpu = RNNRegressor(device="cpu", **options).fit(X, y)
    on_cuda = RNNRegressor(device="cuda", **options).fit(X, y)
    np.testing.assert_allclose(on_cuda.params_, on_cpu.params_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_cuda.predict(X), on_cpu.predict(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "peephole", "gru"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_two_layer_network_on_cuda_matches_cpu(cell, return_sequences):
    from conftest import initial_state, random_network

    from rnnforecast.nn.network import RecurrentNetwork

    rng = np.random.default_rng(13)
    layout, params = random_network(cell, 2, 3, 2, 2, rng)
    x = rng.normal(size=(5, 3, 2))
    state = initial_state(cell, layout, 5, rng)
    state = state if isinstance(state, tuple) else (state,)
    results = {}
    for device in ("cpu", "cuda"):
        network = RecurrentNetwork(
            layout, return_sequences=return_sequences, exact=True, max_chunk_width=2, device=device
        )
        output = network.forward(params, x, state if len(state) == 2 else state[0])
        grad = np.zeros_like(params)
        inputs = network.backward(params, np.ones_like(output) * 0.1 + output, grad, need_input_grad=True)
        results[device] = (output, grad, inputs, network.final_state())
    cpu, gpu = results["cpu"], results["cuda"]
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gpu[1], cpu[1], rtol=1e-12, atol=1e-13)
    for name in cpu[2]:
        np.testing.assert_allclose(gpu[2][name], cpu[2][name], rtol=1e-12, atol=1e-13, err_msg=name)
    for got, expected in zip(gpu[3], cpu[3], strict=True):
        if expected is None:  # no cell state outside LSTMs
            assert got is None
            continue
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


def test_cuda_benchmark_script_runs():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cuda.py"
    spec = importlib.util.spec_from_file_location("bench_cuda", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--smoke"])
    assert len(rows) == 2 and all(seconds > 0 for _, seconds, _ in rows)
