"""Scalar activations that vectorise inside numba loops.

``math.tanh``/``math.exp`` compile to scalar libm calls (2-12 ns each, never
vectorised without SVML). The fast variants are a rational function of ``x**2``
that LLVM turns into SIMD code (a fraction of a nanosecond per element):

    tanh(x) ~= x * P(x^2) / Q(x^2),  |x| clamped to 9,

with ``P`` of degree 6 and ``Q`` of degree 3. The coefficients were fitted once
for this project by iteratively re-weighted linear least squares on the
absolute error over [0, 9] (the fitting script was never committed; the tests
check the error bound below on a dense grid); all roots of ``Q`` are negative in
``x^2``, so there is no pole on the real line. Maximum absolute error: 3.2e-7
evaluated in float32, 4.9e-8 in float64. The result is clamped to [-1, 1]. ``sigmoid(x) = 0.5 + 0.5 * tanh(x / 2)``.

The ``exact`` flag of every kernel selects ``math.tanh`` instead; float64 with
exact activations is the gradient-checking mode.

:func:`like` makes a constant of a value's own float type. Kernels must write
``one - o`` with ``one = like(1.0, o)``, never ``1 - o``: numba types ``1`` as
int64 and ``float32 - int64`` as float64, which silently turns a float32 loop
into a float64 one (half the SIMD width, slower division).
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload

from ._jit import OVERLOAD_OPTIONS

__all__ = ["tanh", "sigmoid", "relu", "fast_tanh", "fast_sigmoid", "like"]

# The approximation's constants, shared with the CUDA twins (kernels/_cuda_recurrent.py).
TANH_CLAMP = 9.0
TANH_P = (
    1.0,
    0.1308507382029535,
    0.003105249383749972,
    1.1170721794246208e-05,
    -2.030904541929867e-08,
    5.327456801531953e-11,
    -8.638243959914885e-14,
)
TANH_Q = (1.0000000263325632, 0.464183968362188, 0.024500040942681597, 0.00025481985928143197)


def _make_activations(real):
    """Build the scalar activations with every constant of type ``real``.

    numba types a Python float constant as float64, which would promote float32
    arithmetic to float64 and halve the SIMD width; constants of the input's own
    type keep float32 loops in float32.
    """
    clamp, zero, half, one = real(TANH_CLAMP), real(0.0), real(0.5), real(1.0)
    p0, p1, p2, p3, p4, p5, p6 = (real(c) for c in TANH_P)
    q0, q1, q2, q3 = (real(c) for c in TANH_Q)

    def fast_tanh_(x):
        xc = min(max(x, -clamp), clamp)
        u = xc * xc
        p = (((((p6 * u + p5) * u + p4) * u + p3) * u + p2) * u + p1) * u + p0
        q = ((q3 * u + q2) * u + q1) * u + q0
        return min(max(xc * p / q, -one), one)

    # The functions below call the module-level ``fast_tanh``, whose overload picks
    # the variant of the argument's type (a closure cannot call a closure).
    def fast_sigmoid(x):
        return half + half * fast_tanh(half * x)

    def tanh(x, exact):
        if exact:
            return math.tanh(x)
        return fast_tanh(x)

    def sigmoid(x, exact):
        if exact:
            return half + half * math.tanh(half * x)
        return half + half * fast_tanh(half * x)

    def relu(x):
        return max(x, zero)

    return {
        "fast_tanh": fast_tanh_,
        "fast_sigmoid": fast_sigmoid,
        "tanh": tanh,
        "sigmoid": sigmoid,
        "relu": relu,
    }


# Plain-Python float64 versions: what runs under NUMBA_DISABLE_JIT=1 and in docs.
_PYTHON = _make_activations(np.float64)
_COMPILED = {types.float32: _make_activations(np.float32), types.float64: _PYTHON}

fast_tanh = _PYTHON["fast_tanh"]
fast_sigmoid = _PYTHON["fast_sigmoid"]
tanh = _PYTHON["tanh"]
sigmoid = _PYTHON["sigmoid"]
relu = _PYTHON["relu"]


def _register(name, python_function):
    # The typing function must have the implementation's exact signature.
    if python_function.__code__.co_argcount == 2:

        @overload(python_function, **OVERLOAD_OPTIONS)
        def _typed_flagged(x, exact):
            if x in _COMPILED:
                return _COMPILED[x][name]
            return None

    else:

        @overload(python_function, **OVERLOAD_OPTIONS)
        def _typed(x):
            if x in _COMPILED:
                return _COMPILED[x][name]
            return None


for _name, _function in _PYTHON.items():
    _register(_name, _function)


def like(value, reference):
    """``value`` converted to the float type of ``reference`` (a compile-time constant in kernels)."""
    return type(reference)(value) if isinstance(reference, (np.floating, float)) else float(value)


@overload(like, **OVERLOAD_OPTIONS)
def _typed_like(value, reference):
    if reference == types.float32:
        return lambda value, reference: np.float32(value)
    if reference == types.float64:
        return lambda value, reference: np.float64(value)
    return None
