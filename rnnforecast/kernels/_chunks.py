"""Conversion between batch-first arrays and the chunk layout of the kernels.

Batch-first ``(N, T, F)`` arrays (what users and PyTorch use) become
``(C, T, F, B)`` chunk arrays: ``C`` fixed-width chunks of ``B`` samples, time
outermost and samples fastest (see :mod:`rnnforecast.kernels._recurrent`).
Samples past ``N`` in the last chunk are zero padding.
"""

from __future__ import annotations

from ._activations import like
from ._jit import kernel

__all__ = ["MAX_CHUNK_WIDTH", "sequences_to_chunks", "chunks_to_sequences", "states_to_chunks", "chunks_to_states"]

#: Most samples per batch chunk, for the CPU kernels and the fused CUDA fleet alike (the split of a
#: batch into chunks is :func:`rnnforecast.nn.network.chunk_plan`).
MAX_CHUNK_WIDTH = 32


@kernel
def sequences_to_chunks(source, out):
    """Copy ``source (N, T, F)`` into ``out (C, T, F, B)``, zero-padding the tail."""
    n_samples, steps, features = source.shape
    n_chunks, width = out.shape[0], out.shape[3]
    zero = like(0.0, out[0, 0, 0, 0])
    for c in range(n_chunks):
        for t in range(steps):
            for f in range(features):
                for b in range(width):
                    n = c * width + b
                    out[c, t, f, b] = source[n, t, f] if n < n_samples else zero


@kernel
def chunks_to_sequences(source, out):
    """Copy ``source (C, T, F, B)`` into ``out (N, T, F)`` (padding dropped)."""
    n_samples, steps, features = out.shape
    n_chunks, width = source.shape[0], source.shape[3]
    for c in range(n_chunks):
        for b in range(min(width, n_samples - c * width)):
            n = c * width + b
            for t in range(steps):
                for f in range(features):
                    out[n, t, f] = source[c, t, f, b]


@kernel
def states_to_chunks(source, out):
    """Copy ``source (N, F)`` into ``out (C, F, B)``, zero-padding the tail."""
    n_samples, features = source.shape
    n_chunks, width = out.shape[0], out.shape[2]
    zero = like(0.0, out[0, 0, 0])
    for c in range(n_chunks):
        for f in range(features):
            for b in range(width):
                n = c * width + b
                out[c, f, b] = source[n, f] if n < n_samples else zero


@kernel
def chunks_to_states(source, out):
    """Copy ``source (C, F, B)`` into ``out (N, F)`` (padding dropped)."""
    n_samples, features = out.shape
    width = source.shape[2]
    for n in range(n_samples):
        c, b = divmod(n, width)
        for f in range(features):
            out[n, f] = source[c, f, b]
