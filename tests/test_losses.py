"""Loss registry: values, gradients (central differences, torch) and sample-weight semantics."""

import numpy as np
import pytest

from rnnforecast.nn.losses import LOSSES

OPTIONS = {"squared_error": {}, "absolute_error": {}, "huber": {"delta": 0.7}, "pinball": {"quantile": 0.8}}


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_central_differences(name, weighted):
    rng = np.random.default_rng(0)
    prediction = rng.standard_normal((6, 3))
    target = rng.standard_normal((6, 3))
    weight = rng.uniform(0.1, 2.0, 6) if weighted else None
    value, gradient = LOSSES[name](prediction, target, weight, **OPTIONS[name])
    assert gradient.shape == prediction.shape and gradient.dtype == prediction.dtype
    numeric = np.zeros_like(prediction)
    eps = 1e-6
    for index in np.ndindex(prediction.shape):
        shifted = prediction.copy()
        shifted[index] += eps
        plus = LOSSES[name](shifted, target, weight, **OPTIONS[name])[0]
        shifted[index] -= 2 * eps
        minus = LOSSES[name](shifted, target, weight, **OPTIONS[name])[0]
        numeric[index] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_integer_weights_equal_repeated_samples(name):
    rng = np.random.default_rng(1)
    prediction = rng.standard_normal((5, 2))
    target = rng.standard_normal((5, 2))
    counts = np.array([1, 3, 0, 2, 1])
    weighted = LOSSES[name](prediction, target, counts.astype(float), **OPTIONS[name])[0]
    repeated = LOSSES[name](np.repeat(prediction, counts, 0), np.repeat(target, counts, 0), **OPTIONS[name])[0]
    assert weighted == pytest.approx(repeated, rel=1e-12)


def test_float32_gradient_stays_float32():
    prediction = np.ones((4, 2), dtype=np.float32)
    for name, loss in LOSSES.items():
        assert loss(prediction, np.zeros((4, 2)), **OPTIONS[name])[1].dtype == np.float32


@pytest.mark.parametrize(
    "name, bad, message",
    [
        ("squared_error", dict(sample_weight=np.ones(3)), "sample_weight must have shape"),
        ("squared_error", dict(sample_weight=-np.ones(4)), "non-negative"),
        ("huber", dict(delta=0.0), "delta must be positive"),
        ("pinball", dict(quantile=1.0), "strictly between 0 and 1"),
    ],
)
def test_bad_options_raise(name, bad, message):
    with pytest.raises(ValueError, match=message):
        LOSSES[name](np.ones((4, 1)), np.zeros((4, 1)), **bad)


def test_pinball_with_one_quantile_per_output():
    prediction = np.zeros((3, 2))
    target = np.ones((3, 2))
    value, gradient = LOSSES["pinball"](prediction, target, quantile=np.array([0.1, 0.9]))
    assert value == pytest.approx((0.1 + 0.9) / 2)
    np.testing.assert_allclose(gradient[0], [-0.1 / 6, -0.9 / 6])


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber"])
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    prediction = rng.standard_normal((7, 3))
    target = rng.standard_normal((7, 3))
    module = {
        "squared_error": torch.nn.MSELoss(),
        "absolute_error": torch.nn.L1Loss(),
        "huber": torch.nn.HuberLoss(delta=0.7),
    }[name]
    p = torch.tensor(prediction, requires_grad=True)
    loss = module(p, torch.tensor(target))
    loss.backward()
    value, gradient = LOSSES[name](prediction, target, **OPTIONS[name])
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(gradient, p.grad.numpy(), rtol=1e-12, atol=1e-15)
