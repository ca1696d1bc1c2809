"""Saved models: identical predictions, a version stamp, no training buffers, skops and read-only weights."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

import rnnforecast._version
from rnnforecast import SKOPS_TRUSTED_TYPES, InconsistentVersionWarning, RNNForecaster, RNNRegressor
from rnnforecast.kernels import cpu_gru, cpu_lstm

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 12)), rng.normal(size=120)
    regressor = RNNRegressor(cell="lstm", hidden_size=16, max_iter=3, random_state=0).fit(X, y)
    series = pd.Series(np.sin(np.arange(300) / 4), index=pd.date_range("2021-01-01", periods=300, freq="h"))
    forecaster = RNNForecaster(horizon=6, n_steps=48, hidden_size=8, max_iter=3, random_state=0).fit(series)
    return {"regressor": (regressor, X), "forecaster": (forecaster, None)}


def _predict(model, X):
    return model.predict(X) if X is not None else model.predict().to_numpy()


@pytest.mark.parametrize("kind", ["regressor", "forecaster"])
def test_pickle_and_joblib_round_trips_predict_identically(models, kind, tmp_path):
    model, X = models[kind]
    expected = _predict(model, X)
    np.testing.assert_array_equal(_predict(pickle.loads(pickle.dumps(model)), X), expected)
    joblib.dump(model, tmp_path / "model.joblib")
    np.testing.assert_array_equal(_predict(joblib.load(tmp_path / "model.joblib"), X), expected)


def test_forecaster_round_trip_keeps_index_and_intervals(models):
    model, _ = models["forecaster"]
    restored = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(restored.predict(), model.predict())
    pd.testing.assert_frame_equal(restored.predict_interval(), model.predict_interval())
    assert restored.freq_ == model.freq_


@pytest.mark.parametrize("kind", ["regressor", "forecaster"])
def test_version_mismatch_warns_on_load(models, kind, monkeypatch):
    model, _ = models[kind]
    monkeypatch.setattr(rnnforecast._version, "__version__", "0.0.1")
    payload = pickle.dumps(model)
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match="saved by rnnforecast 0.0.1"):
        pickle.loads(payload)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        pickle.loads(pickle.dumps(model))  # same version: silent


def test_files_hold_no_training_buffers(models):
    regressor, X = models["regressor"]
    assert "_optimizer_" not in regressor.__getstate__()
    size = len(pickle.dumps(regressor))
    assert size < regressor.params_.nbytes + 20_000  # Adam's two moment buffers would triple it
    restored = pickle.loads(pickle.dumps(regressor))
    restored.set_params(warm_start=True, max_iter=1).fit(X, X[:, 0])  # continuing starts fresh moments
    assert np.isfinite(restored.predict(X)).all()


def test_skops_round_trip_with_listed_trusted_types(models, tmp_path):
    sio = pytest.importorskip("skops.io")
    for kind, (model, X) in models.items():
        path = tmp_path / f"{kind}.skops"
        sio.dump(model, path)
        assert set(sio.get_untrusted_types(file=path)) <= set(SKOPS_TRUSTED_TYPES)
        restored = sio.load(path, trusted=SKOPS_TRUSTED_TYPES)
        np.testing.assert_array_equal(_predict(restored, X), _predict(model, X))


def _signatures():
    return {
        name: len(getattr(module, name).signatures)
        for module in (cpu_lstm, cpu_gru)
        for name in dir(module)
        if hasattr(getattr(module, name), "signatures")
    }


def test_read_only_memory_mapped_weights_predict_without_recompiling(models, tmp_path):
    for model, X in models.values():
        _predict(model, X)  # compile what predict needs
    before = _signatures()
    for kind, (model, X) in models.items():
        joblib.dump(model, tmp_path / f"{kind}.joblib")
        loaded = joblib.load(tmp_path / f"{kind}.joblib", mmap_mode="r")
        params = loaded.params_ if kind == "regressor" else loaded.model_.params_
        assert not params.flags.writeable
        np.testing.assert_array_equal(_predict(loaded, X), _predict(model, X))
    assert _signatures() == before


def test_training_leaves_a_loaded_read_only_model_usable(models, tmp_path):
    regressor, X = models["regressor"]
    joblib.dump(regressor, tmp_path / "r.joblib")
    loaded = joblib.load(tmp_path / "r.joblib", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        loaded.set_params(warm_start=True, max_iter=1).fit(X, X[:, 1])
    assert loaded.params_.flags.writeable and np.isfinite(loaded.predict(X)).all()
