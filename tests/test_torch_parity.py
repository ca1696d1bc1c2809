"""Parity with ``torch.nn`` (and a torch-autograd peephole cell) in float64.

Identical random non-zero weights and biases; outputs and every gradient must agree
to float64 rounding.
"""

import numpy as np
import pytest
from conftest import initial_state, random_network

from rnnforecast.nn.network import RecurrentNetwork

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-12)


def _torch_module(cell, layout, nonlinearity):
    kwargs = dict(num_layers=layout.num_layers, batch_first=True, dtype=torch.float64)
    if cell == "lstm":
        return torch.nn.LSTM(layout.input_size, layout.hidden_size, **kwargs)
    if cell == "gru":
        return torch.nn.GRU(layout.input_size, layout.hidden_size, **kwargs)
    return torch.nn.RNN(layout.input_size, layout.hidden_size, nonlinearity=nonlinearity, **kwargs)


def _load(module, head, views):
    with torch.no_grad():
        for name, tensor in module.named_parameters():
            tensor.copy_(torch.from_numpy(views[name]))
        head.weight.copy_(torch.from_numpy(views["head.weight"]))
        head.bias.copy_(torch.from_numpy(views["head.bias"]))


@pytest.mark.parametrize(
    "cell, nonlinearity, hidden",
    # A GRU wide enough for BLAS's blocked paths (its GEMMs skip the zero blocks of its packed weights).
    [("lstm", "tanh", 7), ("gru", "tanh", 7), ("gru", "tanh", 64), ("rnn", "tanh", 7), ("rnn", "relu", 7)],
)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_matches_torch_nn(cell, nonlinearity, hidden, num_layers, return_sequences):
    rng = np.random.default_rng(40 + num_layers)
    layout, params = random_network(cell, 3, hidden, num_layers, 2, rng)
    x = rng.standard_normal((9, 6, 3))
    state = initial_state(cell, layout, 9, rng)
    module = _torch_module(cell, layout, nonlinearity)
    head = torch.nn.Linear(hidden, 2, dtype=torch.float64)
    _load(module, head, layout.views(params))

    network = RecurrentNetwork(layout, nonlinearity=nonlinearity, exact=True, return_sequences=return_sequences)
    out = network.forward(params, x, state)
    h_last, c_last = network.final_state()
    # The loss also depends on the final states, so their gradients flow in too.
    d_out = rng.standard_normal(out.shape)
    d_h = rng.standard_normal(h_last.shape)
    d_c = rng.standard_normal(h_last.shape)
    grad = np.zeros_like(params)
    d_final = (d_h, d_c) if cell == "lstm" else d_h
    ours = network.backward(params, d_out, grad, d_final_state=d_final, need_input_grad=True)

    x_t = torch.tensor(x, requires_grad=True)
    states_t = [torch.tensor(s, requires_grad=True) for s in (state if isinstance(state, tuple) else (state,))]
    sequence, final_t = module(x_t, tuple(states_t) if cell == "lstm" else states_t[0])
    out_t = head(sequence if return_sequences else sequence[:, -1])
    loss = (out_t * torch.from_numpy(d_out)).sum()
    if cell == "lstm":
        loss = loss + (final_t[0] * torch.from_numpy(d_h)).sum() + (final_t[1] * torch.from_numpy(d_c)).sum()
        np.testing.assert_allclose(c_last, final_t[1].detach().numpy(), **TOL)
    else:
        loss = loss + (final_t * torch.from_numpy(d_h)).sum()
        assert c_last is None
    loss.backward()

    np.testing.assert_allclose(out, out_t.detach().numpy(), **TOL)
    np.testing.assert_allclose(h_last, (final_t[0] if cell == "lstm" else final_t).detach().numpy(), **TOL)
    views = layout.views(grad)
    for name, tensor in module.named_parameters():
        np.testing.assert_allclose(views[name], tensor.grad.numpy(), err_msg=name, **TOL)
    np.testing.assert_allclose(views["head.weight"], head.weight.grad.numpy(), **TOL)
    np.testing.assert_allclose(views["head.bias"], head.bias.grad.numpy(), **TOL)
    np.testing.assert_allclose(ours["x"], x_t.grad.numpy(), **TOL)
    np.testing.assert_allclose(ours["h0"], states_t[0].grad.numpy(), **TOL)
    if cell == "lstm":
        np.testing.assert_allclose(ours["c0"], states_t[1].grad.numpy(), **TOL)


def _torch_peephole(x, h0, c0, tensors, num_layers, hidden):
    """A few-line peephole LSTM (Gers & Schmidhuber) in torch autograd."""
    sequence = x
    for k in range(num_layers):
        w_ih, w_hh, b_ih, b_hh, w_ci, w_cf, w_co = (
            tensors[f"{name}_l{k}"]
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_ci", "weight_cf", "weight_co")
        )
        h, c, outputs = h0[k], c0[k], []
        for t in range(sequence.shape[1]):
            a = sequence[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
            a_i, a_f, a_g, a_o = a.split(hidden, dim=1)
            i = torch.sigmoid(a_i + w_ci * c)
            f = torch.sigmoid(a_f + w_cf * c)
            c = f * c + i * torch.tanh(a_g)
            h = torch.sigmoid(a_o + w_co * c) * torch.tanh(c)
            outputs.append(h)
        sequence = torch.stack(outputs, dim=1)
    return sequence


@pytest.mark.parametrize("num_layers", [1, 2])
def test_peephole_matches_torch_autograd(num_layers):
    rng = np.random.default_rng(50 + num_layers)
    layout, params = random_network("peephole", 3, 6, num_layers, 2, rng)
    x = rng.standard_normal((8, 5, 3))
    h0, c0 = initial_state("peephole", layout, 8, rng)
    network = RecurrentNetwork(layout, exact=True)
    out = network.forward(params, x, (h0, c0))
    d_out = rng.standard_normal(out.shape)
    grad = np.zeros_like(params)
    ours = network.backward(params, d_out, grad, need_input_grad=True)

    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in layout.views(params).items()}
    x_t, h0_t, c0_t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    sequence = _torch_peephole(x_t, h0_t, c0_t, tensors, num_layers, 6)
    out_t = sequence[:, -1] @ tensors["head.weight"].T + tensors["head.bias"]
    (out_t * torch.from_numpy(d_out)).sum().backward()

    np.testing.assert_allclose(out, out_t.detach().numpy(), **TOL)
    views = layout.views(grad)
    for name, tensor in tensors.items():
        np.testing.assert_allclose(views[name], tensor.grad.numpy(), err_msg=name, **TOL)
    np.testing.assert_allclose(ours["x"], x_t.grad.numpy(), **TOL)
    np.testing.assert_allclose(ours["h0"], h0_t.grad.numpy(), **TOL)
    np.testing.assert_allclose(ours["c0"], c0_t.grad.numpy(), **TOL)


def test_adam_matches_torch_optim():
    from rnnforecast.nn.optimizers import Adam

    rng = np.random.default_rng(60)
    params = rng.standard_normal(50)
    grads = [rng.standard_normal(50) for _ in range(5)]
    ours = params.copy()
    optimizer = Adam(50, learning_rate=0.01, weight_decay=0.1, dtype=np.float64)
    theirs = torch.tensor(params.copy(), requires_grad=True)
    torch_optimizer = torch.optim.Adam([theirs], lr=0.01, weight_decay=0.1)
    for g in grads:
        optimizer.step(ours, g)
        theirs.grad = torch.tensor(g)
        torch_optimizer.step()
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        ("sgd", dict(learning_rate=0.05), dict(lr=0.05)),
        (
            "sgd",
            dict(learning_rate=0.05, momentum=0.9, weight_decay=0.01),
            dict(lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (
            "sgd",
            dict(learning_rate=0.05, momentum=0.8, nesterov=True),
            dict(lr=0.05, momentum=0.8, nesterov=True),
        ),
        ("rmsprop", dict(learning_rate=0.01, weight_decay=0.1), dict(lr=0.01, weight_decay=0.1)),
    ],
)
def test_sgd_and_rmsprop_match_torch_optim(name, ours, theirs):
    from rnnforecast.nn.optimizers import OPTIMIZERS

    rng = np.random.default_rng(61)
    params = rng.standard_normal(40)
    mine = params.copy()
    optimizer = OPTIMIZERS[name](40, dtype=np.float64, **ours)
    tensor = torch.tensor(params.copy(), requires_grad=True)
    torch_optimizer = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop}[name]([tensor], **theirs)
    for _ in range(6):
        g = rng.standard_normal(40)
        optimizer.step(mine, g)
        tensor.grad = torch.tensor(g)
        torch_optimizer.step()
    np.testing.assert_allclose(mine, tensor.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_clip_grad_norm_matches_torch():
    from rnnforecast.nn.optimizers import clip_grad_norm

    rng = np.random.default_rng(62)
    g = rng.standard_normal(30) * 5
    tensor = torch.zeros(30, dtype=torch.float64, requires_grad=True)
    tensor.grad = torch.tensor(g.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_([tensor], max_norm=2.0)
    norm = clip_grad_norm(g, 2.0)
    assert norm == pytest.approx(float(expected_norm), rel=1e-12)
    np.testing.assert_allclose(g, tensor.grad.numpy(), rtol=1e-12)
