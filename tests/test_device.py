"""Choosing the device: clear errors when CUDA is asked for and absent; "auto" falls back to the CPU."""

import numpy as np
import pytest

from rnnforecast import RNNForecaster, RNNRegressor
from rnnforecast.nn import device as _device

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_cuda_requested_without_a_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(_device, "_cuda_problem", lambda: "no NVIDIA GPU with a working CUDA driver was found")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 4)), rng.normal(size=10)
    with pytest.raises(ValueError, match="device='cuda' was requested but no NVIDIA GPU.*rnnforecast\\[cuda\\]"):
        RNNRegressor(device="cuda", max_iter=1).fit(X, y)
    assert _device.resolve_device("auto") == "cpu"
    model = RNNRegressor(device="auto", hidden_size=4, max_iter=1).fit(X, y)
    assert np.isfinite(model.predict(X)).all()


def test_invalid_device():
    with pytest.raises(ValueError, match="device must be one of"):
        _device.resolve_device("tpu")
    with pytest.raises(ValueError, match="'device' parameter"):
        RNNForecaster(device="tpu").fit(np.arange(50.0))
