"""A persistent kernel-timing worker: one framework, one process, timing requests read from stdin.

``bench_kernels.py --peers PYTHON`` starts one of these per framework, each
pinned to the same cores, and sends them the same requests in rotation, so every
framework is timed block by block under the same machine load. Frameworks:

* ``ours``: rnnforecast's CPU kernels (run with rnnforecast's Python);
* ``torch``: ``torch.nn.{LSTM,GRU,RNN}`` (oneDNN);
* ``jax``: the cell as a jitted ``lax.scan``, a jitted value-and-grad with Adam;
* ``keras``: Keras 3 on TensorFlow, forward and train step as ``tf.function(jit_compile=True)``.

The peers run in the benchmark's own environment (``benchmarks/peers.sh --kernels``),
never in rnnforecast's dependencies. One training step = forward + MSE on a
linear head on the last step + backward through time + Adam; predict = forward
and head only. The peephole LSTM has no peer: its requests time the peers' LSTM.

Protocol: each stdin line is a JSON request ``{"cell", "batch", "steps",
"inputs", "hidden", "layers", "mode": "train" | "predict", "min_total"}``; the
worker answers one JSON line ``{"ms": median milliseconds per call, "calls": n}``
(set-up and compilation are done, and warmed up, the first time a configuration
is seen). ``{"quit": true}`` ends it. The first answer line is ``{"ready": ..., "version": ...}``.

    PYTHON benchmarks/peer_kernels.py FRAMEWORK THREADS
"""

from __future__ import annotations

import json
import os
import sys
import time

FRAMEWORKS = ("ours", "torch", "jax", "keras")


def _limit_threads(threads):
    """Thread limits that must be set before the framework is imported."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} intra_op_parallelism_threads={threads}"
    )
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ["KERAS_BACKEND"] = "tensorflow"


def median_ms(function, min_total, min_calls=5, max_calls=400):
    times = []
    started = time.perf_counter()
    while len(times) < min_calls or (time.perf_counter() - started < min_total and len(times) < max_calls):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    times.sort()
    return 1e3 * times[len(times) // 2], len(times)


# ----------------------------------------------------------------------------- ours
_SCOPE = None


def _ours(cell, config, threads):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_kernels import Ours

    from rnnforecast.nn.threads import thread_scope

    global _SCOPE
    if _SCOPE is None:  # entered once for the worker's life: entering it costs milliseconds (threadpoolctl)
        _SCOPE = thread_scope(threads)
        _SCOPE.__enter__()
    model = Ours(cell, config)
    return model.train, model.forward


# ----------------------------------------------------------------------------- torch
def _torch(cell, config, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    module = {"lstm": torch.nn.LSTM, "peephole": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    rnn = module(config["inputs"], config["hidden"], num_layers=config["layers"], batch_first=True)
    head = torch.nn.Linear(config["hidden"], 1)
    optimizer = torch.optim.Adam([*rnn.parameters(), *head.parameters()])
    x = torch.randn(config["batch"], config["steps"], config["inputs"])
    y = torch.randn(config["batch"], 1)

    def train():
        optimizer.zero_grad()
        sequence, _ = rnn(x)
        loss = ((head(sequence[:, -1]) - y) ** 2).mean()
        loss.backward()
        optimizer.step()

    def predict():
        with torch.no_grad():
            sequence, _ = rnn(x)
            head(sequence[:, -1])

    return train, predict


# ----------------------------------------------------------------------------- jax
GATES = {"lstm": 4, "peephole": 4, "gru": 3, "rnn": 1}


def _jax_cell(cell, jnp):
    """One step of the cell, PyTorch's gate equations (GRU: reset gate applied after the recurrent product)."""

    def lstm(layer, carry, x):
        h, c = carry
        z = x @ layer["w"] + h @ layer["u"] + layer["b"]
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * jnp.tanh(g)
        h = _sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    def gru(layer, carry, x):
        (h,) = carry
        zx = x @ layer["w"] + layer["b"]
        zh = h @ layer["u"] + layer["bu"]
        rx, ux, nx = jnp.split(zx, 3, axis=-1)
        rh, uh, nh = jnp.split(zh, 3, axis=-1)
        r, u = _sigmoid(rx + rh), _sigmoid(ux + uh)
        n = jnp.tanh(nx + r * nh)
        h = (1 - u) * n + u * h
        return (h,), h

    def rnn(layer, carry, x):
        (h,) = carry
        h = jnp.tanh(x @ layer["w"] + h @ layer["u"] + layer["b"])
        return (h,), h

    def _sigmoid(z):
        return 1 / (1 + jnp.exp(-z))

    return {"lstm": lstm, "peephole": lstm, "gru": gru, "rnn": rnn}[cell]


def _jax(cell, config, threads):
    import jax
    import jax.numpy as jnp
    import numpy as np

    rng = np.random.default_rng(0)
    gates, hidden = GATES[cell], config["hidden"]
    layers = []
    for k in range(config["layers"]):
        width = config["inputs"] if k == 0 else hidden
        scale = 1 / np.sqrt(hidden)
        layer = {
            "w": rng.uniform(-scale, scale, (width, gates * hidden)),
            "u": rng.uniform(-scale, scale, (hidden, gates * hidden)),
            "b": rng.uniform(-scale, scale, (gates * hidden,)),
        }
        if cell == "gru":
            layer["bu"] = rng.uniform(-scale, scale, (gates * hidden,))
        layers.append({name: jnp.asarray(value, jnp.float32) for name, value in layer.items()})
    params = {"layers": layers, "head_w": jnp.zeros((hidden, 1), jnp.float32), "head_b": jnp.zeros((1,), jnp.float32)}
    step = _jax_cell(cell, jnp)
    x = jnp.asarray(rng.standard_normal((config["steps"], config["batch"], config["inputs"])), jnp.float32)
    y = jnp.asarray(rng.standard_normal((config["batch"], 1)), jnp.float32)

    def forward(params, x):
        sequence = x
        for layer in params["layers"]:
            zeros = jnp.zeros((x.shape[1], hidden), jnp.float32)
            carry = (zeros, zeros) if cell in ("lstm", "peephole") else (zeros,)
            _, sequence = jax.lax.scan(lambda carry, xt, layer=layer: step(layer, carry, xt), carry, sequence)
        return sequence[-1] @ params["head_w"] + params["head_b"]

    def loss(params, x, y):
        return jnp.mean((forward(params, x) - y) ** 2)

    @jax.jit
    def train_step(params, m, v, t, x, y):
        grads = jax.grad(loss)(params, x, y)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
        correction = jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - 1e-3 * correction * m / (jnp.sqrt(v) + 1e-8), params, m, v)
        return params, m, v, t

    predict_jit = jax.jit(forward)
    state = [params, jax.tree_util.tree_map(jnp.zeros_like, params), jax.tree_util.tree_map(jnp.zeros_like, params)]
    counter = [jnp.asarray(0.0, jnp.float32)]

    def train():
        state[0], state[1], state[2], counter[0] = train_step(state[0], state[1], state[2], counter[0], x, y)
        jax.block_until_ready(state[0])

    def predict():
        jax.block_until_ready(predict_jit(state[0], x))

    return train, predict


# ----------------------------------------------------------------------------- keras
def _keras(cell, config, threads):
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    layer_class = {"lstm": keras.layers.LSTM, "peephole": keras.layers.LSTM, "gru": keras.layers.GRU}.get(
        cell, keras.layers.SimpleRNN
    )
    stack = [keras.Input((config["steps"], config["inputs"]))]
    for k in range(config["layers"]):
        stack.append(layer_class(config["hidden"], return_sequences=k < config["layers"] - 1))
    stack.append(keras.layers.Dense(1))
    model = keras.Sequential(stack)
    optimizer = keras.optimizers.Adam(1e-3)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((config["batch"], config["steps"], config["inputs"])), tf.float32)
    y = tf.constant(rng.standard_normal((config["batch"], 1)), tf.float32)
    optimizer.build(model.trainable_variables)

    @tf.function(jit_compile=True)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    @tf.function(jit_compile=True)
    def forward(x):
        return model(x, training=False)

    return (lambda: train_step(x, y).numpy()), (lambda: forward(x).numpy())


BUILDERS = {"ours": _ours, "torch": _torch, "jax": _jax, "keras": _keras}


def _version(framework):
    if framework == "ours":
        import rnnforecast

        return rnnforecast.__version__
    if framework == "keras":
        import keras
        import tensorflow as tf

        return f"{keras.__version__} (TensorFlow {tf.__version__})"
    return __import__(framework).__version__


def main(argv):
    framework, threads = argv[0], int(argv[1])
    if framework not in FRAMEWORKS:
        sys.exit(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    _limit_threads(threads)
    out = sys.stdout
    sys.stdout = sys.stderr  # framework chatter must not reach the protocol stream
    try:
        version = _version(framework)
    except ImportError as error:
        print(json.dumps({"ready": False, "error": str(error)}), file=out, flush=True)
        return
    print(json.dumps({"ready": True, "version": version}), file=out, flush=True)
    cache = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            break
        key = tuple(request[k] for k in ("cell", "batch", "steps", "inputs", "hidden", "layers"))
        if key not in cache:
            config = {k: request[k] for k in ("batch", "steps", "inputs", "hidden", "layers")}
            train, predict = BUILDERS[framework](request["cell"], config, threads)
            for _ in range(3):  # compile and warm up
                train()
                predict()
            cache = {key: (train, predict)}  # one configuration at a time: bounded memory
        train, predict = cache[key]
        ms, calls = median_ms(train if request["mode"] == "train" else predict, request.get("min_total", 0.3))
        print(json.dumps({"ms": ms, "calls": calls}), file=out, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
