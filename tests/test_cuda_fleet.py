"""Many models in one launch sequence (``rnnforecast.nn.fleet``) against one-by-one CPU training.

A fleet must give every model exactly what :func:`fit_network` gives it alone:
the same epoch losses, validation losses, stop reasons, weights and Adam moments.
Runs on numba's CUDA simulator in CI (tiny shapes: every thread is Python) and
for real on a GPU.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from numba import cuda
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, RNNRegressor
from rnnforecast.kernels._recurrent import GRU_SPLIT, SUMMED, pack_weights, packed_rows, unpack_gradients
from rnnforecast.nn.fleet import _layout_maps, fleet_key
from rnnforecast.nn.layout import initialize_parameters, make_layout
from rnnforecast.nn.network import RecurrentNetwork
from rnnforecast.nn.training import TrainingJob, train_jobs

pytestmark = [pytest.mark.cuda, pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]
needs_cuda = pytest.mark.skipif(not cuda.is_available(), reason="no CUDA device and NUMBA_ENABLE_CUDASIM is not set")


@pytest.fixture
def fleet_sizes(monkeypatch):
    """The number of models of every fleet trained during the test, in order."""
    import rnnforecast.nn.fleet as fleet

    sizes, real = [], fleet._train_fleet
    monkeypatch.setattr(fleet, "_train_fleet", lambda jobs: sizes.append(len(jobs)) or real(jobs))
    return sizes


def _jobs(device, cell="gru", layers=1, nonlinearity="tanh", dtype=np.float64, n_models=2, **options):
    """Models of one shape with different data sizes, seeds, learning rates and clipping."""
    jobs = []
    for m in range(n_models):
        rng = np.random.default_rng(m)
        layout = make_layout(cell, 2, 3, layers, 2)
        params = initialize_parameters(layout, rng, dtype=dtype)
        n = 6 + 3 * m
        x, y = rng.normal(size=(n, 3, 2)), rng.normal(size=(n, 2))
        network = RecurrentNetwork(layout, device=device, exact=True, nonlinearity=nonlinearity)
        settings = dict(batch_size=4, max_iter=2, learning_rate=0.01 * (m + 1), clip_norm=0.05 if m else None)
        settings.update(options)
        if settings.get("sample_weight") == "random":
            weight = rng.uniform(0.2, 1.0, n)
            weight[:4] = 0.0  # a whole zero-weight batch is skipped, as fit_network skips it
            settings["sample_weight"] = weight
        jobs.append(
            TrainingJob(
                network, params, x.astype(dtype), y.astype(dtype), np.random.default_rng(10 + m), options=settings
            )
        )
    return jobs


def _assert_same_training(cpu_jobs, cpu_results, fleet_jobs, fleet_results, tolerance):
    for cpu_job, cpu, fleet_job, fleet in zip(cpu_jobs, cpu_results, fleet_jobs, fleet_results, strict=True):
        assert fleet.stop_reason == cpu.stop_reason and fleet.n_iter == cpu.n_iter
        np.testing.assert_allclose(fleet.loss_curve, cpu.loss_curve, rtol=tolerance)
        np.testing.assert_allclose(fleet.validation_losses, cpu.validation_losses, rtol=tolerance)
        np.testing.assert_allclose(fleet.validation_scores, cpu.validation_scores, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(fleet_job.params, cpu_job.params, rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(
            fleet.optimizer.first_moment, cpu.optimizer.first_moment, rtol=tolerance, atol=tolerance
        )
        assert fleet.optimizer.steps == cpu.optimizer.steps


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_layout_maps_pack_and_unpack_like_the_cpu(cell):
    rng = np.random.default_rng(0)
    layout = make_layout(cell, 2, 3, 2, 4)
    params = rng.normal(size=layout.size)
    pack_src, unpack_map, rows, depth = _layout_maps(layout)
    values = np.where(pack_src >= 0, params[np.maximum(pack_src, 0)], 0.0).sum(axis=1)
    packed = values.reshape(layout.num_layers, rows, depth)
    kind = GRU_SPLIT if cell == "gru" else SUMMED
    for k in range(layout.num_layers):
        inputs = layout.layer_input_size(k)
        expected = np.zeros((packed_rows(kind, layout.cell.gates, 3), inputs + 4))
        pack_weights(layout.layer(params, k), kind, layout.cell.gates, inputs, 3, expected)
        np.testing.assert_array_equal(packed[k, :, : inputs + 4], expected)
        assert not packed[k, :, inputs + 4 :].any()  # padding of the narrower layer
    # every recurrent parameter takes the gradient of the packed entry it feeds, as unpack_gradients does
    packed_grad = rng.normal(size=(layout.num_layers, rows, depth))
    grad = packed_grad.ravel()[unpack_map]
    for k in range(layout.num_layers):
        inputs = layout.layer_input_size(k)
        expected = np.zeros(layout.layer_bounds[k][1] - layout.layer_bounds[k][0])
        unpack_gradients(packed_grad[k, :, : inputs + 4].copy(), kind, layout.cell.gates, inputs, 3, expected)
        np.testing.assert_array_equal(grad[slice(*layout.layer_bounds[k])], expected)


def test_what_a_fleet_does_not_cover_trains_one_by_one():
    base = _jobs("cpu")[0]
    layout = base.network.layout

    def job(network=None, **options):
        return TrainingJob(network or base.network, base.params, base.x, base.y, base.rng, options=options)

    assert fleet_key(job()) is None  # a CPU network
    cuda_network = RecurrentNetwork(layout, device="cuda") if cuda.is_available() else None
    if cuda_network is None:
        return
    assert fleet_key(job(cuda_network)) is not None
    assert fleet_key(job(cuda_network, optimizer="sgd")) is None
    assert fleet_key(job(cuda_network, verbose=True)) is None
    assert fleet_key(job(RecurrentNetwork(layout, device="cuda", dropout=0.2))) is None
    peephole = make_layout("peephole", 2, 3, 1, 2)
    assert fleet_key(job(RecurrentNetwork(peephole, device="cuda"))) is None
    assert fleet_key(job(cuda_network, batch_size=8)) != fleet_key(job(cuda_network, batch_size=4))


@needs_cuda
@pytest.mark.parametrize(
    ("cell", "layers", "nonlinearity", "options"),
    [
        (
            "gru",
            1,
            "tanh",
            dict(
                loss="pinball",
                loss_options={"quantile": np.array([0.2, 0.7])},
                early_stopping=True,
                validation_fraction=0.3,
                sample_weight="random",
            ),
        ),
        ("lstm", 2, "tanh", dict(loss="squared_error", weight_decay=0.01)),
        ("rnn", 1, "relu", dict(loss="huber", loss_options={"delta": 0.5}, schedule="cosine", max_iter=3)),
        ("rnn", 2, "tanh", dict(loss="absolute_error", shuffle=False)),
    ],
)
def test_fleet_trains_every_model_as_fit_network_does(cell, layers, nonlinearity, options):
    kinds = dict(cell=cell, layers=layers, nonlinearity=nonlinearity, **options)
    cpu_jobs, fleet_jobs = _jobs("cpu", **kinds), _jobs("cuda", **kinds)
    assert fleet_key(fleet_jobs[0]) == fleet_key(fleet_jobs[1])
    cpu_results, fleet_results = train_jobs(cpu_jobs), train_jobs(fleet_jobs)
    _assert_same_training(cpu_jobs, cpu_results, fleet_jobs, fleet_results, 1e-9)


@needs_cuda
def test_float32_fleet_stays_close_to_the_cpu():
    cpu_jobs, fleet_jobs = _jobs("cpu", dtype=np.float32), _jobs("cuda", dtype=np.float32)
    cpu_results, fleet_results = train_jobs(cpu_jobs), train_jobs(fleet_jobs)
    _assert_same_training(cpu_jobs, cpu_results, fleet_jobs, fleet_results, 2e-4)


@needs_cuda
def test_a_diverging_model_stops_alone_and_keeps_finite_weights():
    cpu_jobs, fleet_jobs = _jobs("cpu", n_models=2), _jobs("cuda", n_models=2)
    for jobs in (cpu_jobs, fleet_jobs):
        jobs[1].x[3, 1, 0] = np.inf  # the first epoch meets a non-finite window
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fleet_results = train_jobs(fleet_jobs)
    cpu_results = train_jobs(cpu_jobs)
    assert [r.stop_reason for r in fleet_results] == [r.stop_reason for r in cpu_results] == ["max_iter", "diverged"]
    assert any(issubclass(w.category, ConvergenceWarning) and "diverged" in str(w.message) for w in caught)
    assert np.isfinite(fleet_jobs[1].params).all()
    _assert_same_training(cpu_jobs[:1], cpu_results[:1], fleet_jobs[:1], fleet_results[:1], 1e-9)
    np.testing.assert_allclose(fleet_jobs[1].params, cpu_jobs[1].params, rtol=1e-9)


@needs_cuda
def test_fleets_split_to_fit_the_device_memory(monkeypatch, fleet_sizes):
    import rnnforecast.nn.fleet as fleet

    sizes = fleet_sizes
    monkeypatch.setattr(fleet, "_SCRATCH_SHARE", 1e-12)  # room for one model per fleet
    cpu_jobs, fleet_jobs = _jobs("cpu", n_models=2), _jobs("cuda", n_models=2)
    cpu_results, fleet_results = train_jobs(cpu_jobs), train_jobs(fleet_jobs)
    assert sizes == [1, 1]
    _assert_same_training(cpu_jobs, cpu_results, fleet_jobs, fleet_results, 1e-9)


@needs_cuda
def test_regressor_on_cuda_trains_in_a_fleet_and_continues_warm(fleet_sizes):
    sizes = fleet_sizes
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 6)), rng.normal(size=12)
    options = dict(cell="gru", hidden_size=3, n_steps=3, batch_size=8, dtype="float64", random_state=0)
    on_cpu, on_cuda = RNNRegressor(device="cpu", **options), RNNRegressor(device="cuda", **options)
    for model in (on_cpu, on_cuda):
        model.partial_fit(X, y).partial_fit(X, y)  # the second call continues the Adam moments
    assert sizes == [1, 1]
    np.testing.assert_allclose(on_cuda.params_, on_cpu.params_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_cuda.loss_curve_, on_cpu.loss_curve_, rtol=1e-9)


@needs_cuda
def test_per_series_forecasters_on_cuda_train_together_and_match_the_cpu(fleet_sizes):
    sizes = fleet_sizes
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    y = pd.DataFrame(
        {"a": np.sin(np.arange(30) / 3) + rng.normal(0, 0.1, 30), "b": np.cos(np.arange(30) / 4) * 3 + 5}, index=index
    )
    options = dict(
        horizon=2,
        n_steps=4,
        hidden_size=3,
        scope="local",
        max_iter=1,
        batch_size=16,
        dtype="float64",
        random_state=0,
        quantiles=(0.05, 0.95),
        calendar=False,
        season_length=1,
    )
    on_cpu = RNNForecaster(device="cpu", **options).fit(y)
    on_cuda = RNNForecaster(device="cuda", **options).fit(y)
    assert sizes == [2]  # both series' networks in one fleet
    columns = ["forecast", "lower", "upper"]
    np.testing.assert_allclose(
        on_cuda.predict_interval()[columns].to_numpy(), on_cpu.predict_interval()[columns].to_numpy(), rtol=1e-9
    )


@needs_cuda
def test_backtest_refits_on_cuda_train_in_one_fleet_and_match_the_cpu(fleet_sizes):
    from rnnforecast.model_selection import backtest

    sizes = fleet_sizes
    rng = np.random.default_rng(3)
    y = pd.Series(np.sin(np.arange(36) / 3) + rng.normal(0, 0.1, 36), index=pd.date_range("2024-01-01", periods=36))
    options = dict(
        horizon=2,
        n_steps=4,
        hidden_size=3,
        max_iter=1,
        batch_size=16,
        dtype="float64",
        random_state=0,
        quantiles=(0.05, 0.95),
        calendar=False,
        season_length=1,
    )
    on_cpu = backtest(RNNForecaster(device="cpu", **options), y, n_windows=2, refit=True)
    on_cuda = backtest(RNNForecaster(device="cuda", **options), y, n_windows=2, refit=True)
    assert sizes == [2]  # the two refits in one fleet
    columns = ["forecast", "lower", "upper"]
    np.testing.assert_allclose(on_cuda.forecasts[columns], on_cpu.forecasts[columns], rtol=1e-9)
    pd.testing.assert_frame_equal(on_cuda.metrics, on_cpu.metrics, rtol=1e-9)


def _candidates(device):
    base = RNNRegressor(
        cell="gru", hidden_size=3, n_steps=3, batch_size=8, max_iter=2, dtype="float64", device=device, random_state=0
    )
    grid = [
        dict(learning_rate_init=0.01),
        dict(learning_rate_init=0.05, weight_decay=0.01, random_state=1),
        dict(hidden_size=2),
    ]
    return [RNNRegressor(**{**base.get_params(), **params}) for params in grid]


def test_fit_many_fits_clones_as_their_own_fit_would():
    from rnnforecast.model_selection import fit_many

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 6)), rng.normal(size=12)
    candidates = _candidates("cpu")
    fitted = fit_many(candidates, X, y=y)
    assert not any(hasattr(candidate, "params_") for candidate in candidates)  # the inputs stay unfitted
    for candidate, model in zip(candidates, fitted, strict=True):
        np.testing.assert_array_equal(model.params_, candidate.fit(X, y).params_)
    with pytest.raises(TypeError, match="one kind"):
        fit_many([RNNRegressor(), RNNForecaster()], X, y)
    with pytest.raises(TypeError, match="missing"):
        fit_many(candidates, X)


@needs_cuda
def test_fit_many_on_cuda_trains_same_shaped_candidates_in_one_fleet(fleet_sizes):
    from rnnforecast.model_selection import fit_many

    sizes = fleet_sizes
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 6)), rng.normal(size=12)
    fitted = fit_many(_candidates("cuda"), X, y)
    assert sorted(sizes) == [1, 2]  # hidden_size=2 trains in a fleet of its own
    for model, reference in zip(fitted, _candidates("cpu"), strict=True):
        np.testing.assert_allclose(model.params_, reference.fit(X, y).params_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=needs_cuda)])
def test_fit_many_forecasters_equal_their_own_fits(device):
    from rnnforecast.model_selection import fit_many

    rng = np.random.default_rng(4)
    y = pd.Series(np.sin(np.arange(30) / 3) + rng.normal(0, 0.1, 30), index=pd.date_range("2024-01-01", periods=30))
    options = dict(
        horizon=2,
        n_steps=4,
        hidden_size=3,
        max_iter=1,
        batch_size=16,
        dtype="float64",
        quantiles=(0.05, 0.95),
        calendar=False,
        season_length=1,
    )
    candidates = [RNNForecaster(device=device, random_state=seed, **options) for seed in (0, 1)]
    fitted = fit_many(candidates, y)
    columns = ["forecast", "lower", "upper"]
    for model, seed in zip(fitted, (0, 1), strict=True):
        alone = RNNForecaster(device="cpu", random_state=seed, **options).fit(y)
        np.testing.assert_allclose(
            model.predict_interval()[columns].to_numpy(), alone.predict_interval()[columns].to_numpy(), rtol=1e-9
        )
