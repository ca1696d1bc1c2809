"""A stack of recurrent layers with a linear head, over one flat parameter buffer.

Shapes use PyTorch's names::

    N = batch size   T = sequence length   I = input size
    H = hidden size  L = number of layers  O = head outputs

Inputs are batch-first ``(N, T, I)``; the network converts them once into the
kernels' chunk layout (fixed-width batch chunks that threads process
independently; the width depends only on ``N``, so results do not depend on the
thread count).
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels._chunks import (
    MAX_CHUNK_WIDTH,
    chunks_to_sequences,
    chunks_to_states,
    sequences_to_chunks,
    states_to_chunks,
)
from .layers import LAYERS
from .layout import ParameterLayout

__all__ = ["RecurrentNetwork", "chunk_plan", "MAX_CHUNK_WIDTH", "PREDICT_BATCH"]

#: Sequences per forward pass in :meth:`RecurrentNetwork.predict`: the layers' buffers (which keep every
#: step for a backward pass) then stay near 50 MB for a week of hourly steps, whatever the number of windows.
PREDICT_BATCH = 256


def chunk_plan(n_samples: int, max_width: int = MAX_CHUNK_WIDTH) -> tuple[int, int]:
    """Split ``n_samples`` into ``(n_chunks, width)`` with ``width <= max_width``.

    The split depends on ``n_samples`` only, never on the number of threads.

    Examples
    --------
    >>> chunk_plan(64)
    (2, 32)
    >>> chunk_plan(5)
    (1, 5)
    >>> chunk_plan(40)
    (2, 20)
    """
    n_chunks = max(1, math.ceil(n_samples / max_width))
    return n_chunks, math.ceil(n_samples / n_chunks)


class RecurrentNetwork:
    """Stacked recurrent layers, dropout between them, and a linear head.

    Parameters
    ----------
    layout : ParameterLayout
        Sizes, cell type and parameter positions.
    nonlinearity : {"tanh", "relu"}, default="tanh"
        Non-linearity of Elman RNN cells (ignored by other cells).
    dropout : float, default=0.0
        Probability of zeroing an input of layers ``1 .. L-1`` during training
        (inverted dropout, as ``torch.nn.LSTM(dropout=...)``).
    return_sequences : bool, default=False
        Apply the head to every step (output ``(N, T, O)``) instead of the last
        step only (output ``(N, O)``).
    exact : bool, default=False
        Exact (libm) activations instead of the fast rational ones (use with
        float64 for gradient checks).
    max_chunk_width : int, default=32
        Most samples per batch chunk.
    device : {"cpu", "cuda"}, default="cpu"
        Where the recurrent kernels run (see :mod:`rnnforecast.nn.device`).

    Examples
    --------
    >>> import numpy as np
    >>> from rnnforecast.nn.layout import make_layout, initialize_parameters
    >>> layout = make_layout("gru", input_size=1, hidden_size=8, num_layers=2, output_size=3)
    >>> params = initialize_parameters(layout, np.random.default_rng(0))
    >>> net = RecurrentNetwork(layout)
    >>> x = np.ones((4, 10, 1), dtype=np.float32)
    >>> net.forward(params, x).shape
    (4, 3)
    """

    def __init__(
        self,
        layout: ParameterLayout,
        *,
        nonlinearity: str = "tanh",
        dropout: float = 0.0,
        return_sequences: bool = False,
        exact: bool = False,
        max_chunk_width: int = MAX_CHUNK_WIDTH,
        device: str = "cpu",
    ):
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.layout = layout
        self.dropout = float(dropout)
        self.return_sequences = bool(return_sequences)
        self.max_chunk_width = int(max_chunk_width)
        self.device = device
        self.layers = [
            LAYERS[layout.cell.name](layout.layer_input_size(k), layout.hidden_size, exact, nonlinearity, device)
            for k in range(layout.num_layers)
        ]
        self._masks = [None] * layout.num_layers

    # ------------------------------------------------------------------ forward
    def forward(self, params, x, initial_state=None, *, training=False, rng=None):
        """Run the network on a batch of sequences.

        Parameters
        ----------
        params : ndarray (P,)
            Flat parameter buffer (float32 or float64); ``x`` is cast to its dtype.
        x : ndarray (N, T, I)
            Batch-first input sequences.
        initial_state : tuple of ndarray, optional
            ``h0`` of shape ``(L, N, H)``, and for LSTM cells ``(h0, c0)``;
            zeros when omitted.
        training : bool, default=False
            Apply dropout (needs ``rng``).
        rng : numpy.random.Generator, optional
            Draws the dropout masks.

        Returns
        -------
        output : ndarray (N, O), or (N, T, O) with ``return_sequences``
        """
        self._check_params(params)
        dtype = params.dtype
        x = np.ascontiguousarray(x, dtype=dtype)
        if x.ndim != 3 or x.shape[2] != self.layout.input_size or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(
                f"x must have shape (n_samples >= 1, n_steps >= 1, {self.layout.input_size}), got {x.shape}"
            )
        n_samples, steps, _ = x.shape
        n_chunks, width = chunk_plan(n_samples, self.max_chunk_width)
        self._shape = (n_samples, steps, n_chunks, width)
        layer_input = np.empty((n_chunks, steps, self.layout.input_size, width), dtype)
        sequences_to_chunks(x, layer_input)
        states = self._chunked_initial_state(initial_state, n_samples, n_chunks, width, dtype)
        use_dropout = training and self.dropout > 0.0
        for k, layer in enumerate(self.layers):
            layer.allocate(n_chunks, steps, width, dtype)
            if k > 0 and use_dropout:
                keep = rng.random(layer_input.shape) >= self.dropout
                self._masks[k] = keep.astype(dtype) / dtype.type(1.0 - self.dropout)
                layer_input = layer_input * self._masks[k]
            else:
                self._masks[k] = None
            h0 = states[0][k] if states is not None else layer.zero_state
            c0 = states[1][k] if states is not None and states[1] is not None else layer.zero_state
            layer_input = layer.forward(self.layout.layer(params, k), layer_input, h0, c0)
        return self._head_forward(params, layer_input)

    def predict(self, params, x, batch_size: int = PREDICT_BATCH):
        """:meth:`forward` (no dropout) over ``x`` in batches of ``batch_size`` sequences: bounded memory.

        Parameters
        ----------
        params : ndarray (P,)
            Flat parameter buffer.
        x : ndarray (N, T, I)
            Batch-first input sequences.
        batch_size : int, default=PREDICT_BATCH
            Sequences per forward pass.

        Returns
        -------
        output : ndarray (N, O), or (N, T, O) with ``return_sequences``
        """
        if len(x) <= batch_size:
            return self.forward(params, x).copy()
        return np.concatenate([self.forward(params, x[i : i + batch_size]) for i in range(0, len(x), batch_size)])

    def _check_params(self, params):
        if not isinstance(params, np.ndarray) or params.dtype not in (np.float32, np.float64):
            raise TypeError("params must be a float32 or float64 NumPy array")
        if params.shape != (self.layout.size,) or not params.flags.c_contiguous:
            raise ValueError(f"params must be a contiguous array of shape ({self.layout.size},), got {params.shape}")

    def _chunked_initial_state(self, initial_state, n_samples, n_chunks, width, dtype):
        """``(L, N, H)`` state arrays (one, or ``(h, c)``) as ``(L, C, H, B)`` chunk arrays."""
        if initial_state is None:
            return None
        if not isinstance(initial_state, tuple):
            initial_state = (initial_state,)
        chunked = []
        for state in initial_state:
            state = np.asarray(state, dtype=dtype)
            expected = (self.layout.num_layers, n_samples, self.layout.hidden_size)
            if state.shape != expected:
                raise ValueError(f"initial state must have shape {expected}, got {state.shape}")
            out = np.empty((self.layout.num_layers, n_chunks, self.layout.hidden_size, width), dtype)
            for k in range(self.layout.num_layers):
                states_to_chunks(np.ascontiguousarray(state[k]), out[k])
            chunked.append(out)
        if len(chunked) == 1:
            chunked.append(None)
        return chunked

    def _head_forward(self, params, top):
        layout = self.layout
        n_samples, steps, n_chunks, width = self._shape
        weight = layout.view(params, "head.weight")
        bias = layout.view(params, "head.bias")
        if self.return_sequences:
            out = np.matmul(weight, top) + bias[:, None]
            result = np.empty((n_samples, steps, layout.output_size), params.dtype)
            chunks_to_sequences(out, result)
            return result
        out = np.matmul(weight, top[:, steps - 1]) + bias[:, None]
        result = np.empty((n_samples, layout.output_size), params.dtype)
        chunks_to_states(np.ascontiguousarray(out), result)
        return result

    # ----------------------------------------------------------------- backward
    def backward(self, params, d_output, grad, *, d_final_state=None, need_input_grad=False):
        """Back-propagate through the head and every layer of the last forward.

        Parameters
        ----------
        params : ndarray (P,)
            The buffer given to :meth:`forward`.
        d_output : ndarray, shape of the forward output
            Gradient of the loss with respect to the output.
        grad : ndarray (P,)
            Output: gradient with respect to every parameter (overwritten).
        d_final_state : tuple of ndarray, optional
            Gradient with respect to the final states of :meth:`final_state`:
            ``dh_T`` of shape ``(L, N, H)``, and for LSTM cells ``(dh_T, dc_T)``.
        need_input_grad : bool, default=False
            Also return the gradients with respect to ``x`` and the initial state.

        Returns
        -------
        input_grads : dict or None
            With ``need_input_grad``: ``{"x": (N, T, I), "h0": (L, N, H)}`` and for
            LSTM cells ``"c0": (L, N, H)``.
        """
        layout = self.layout
        dtype = params.dtype
        if not hasattr(self, "_shape"):
            raise RuntimeError("backward() needs a forward() first")
        self._check_params(params)
        if grad.shape != params.shape or grad.dtype != dtype or not grad.flags.c_contiguous:
            raise ValueError("grad must be a contiguous array with the shape and dtype of params")
        n_samples, steps, n_chunks, width = self._shape
        d_output = np.ascontiguousarray(d_output, dtype=dtype)
        expected = (n_samples, steps, layout.output_size) if self.return_sequences else (n_samples, layout.output_size)
        if d_output.shape != expected:
            raise ValueError(f"d_output must have the forward output's shape {expected}, got {d_output.shape}")
        weight = layout.view(params, "head.weight")
        top = self.layers[-1].y
        head_weight_grad = layout.view(grad, "head.weight")
        head_bias_grad = layout.view(grad, "head.bias")
        if self.return_sequences:
            d_chunks = np.empty((n_chunks, steps, layout.output_size, width), dtype)
            sequences_to_chunks(d_output, d_chunks)
            head_weight_grad[...] = np.matmul(d_chunks, top.transpose(0, 1, 3, 2)).sum(axis=(0, 1))
            head_bias_grad[...] = d_chunks.sum(axis=3).sum(axis=(0, 1))
            dy = np.matmul(weight.T, d_chunks)
            dh_last = self.layers[-1].zero_state
        else:
            d_chunks = np.empty((n_chunks, layout.output_size, width), dtype)
            states_to_chunks(d_output, d_chunks)
            last = top[:, steps - 1]
            head_weight_grad[...] = np.matmul(d_chunks, last.transpose(0, 2, 1)).sum(axis=0)
            head_bias_grad[...] = d_chunks.sum(axis=2).sum(axis=0)
            dy = self.layers[-1].zero_dy
            dh_last = np.matmul(weight.T, d_chunks)
        final = self._chunked_initial_state(d_final_state, n_samples, n_chunks, width, dtype)
        for k in range(layout.num_layers - 1, -1, -1):
            layer = self.layers[k]
            need_dx = k > 0 or need_input_grad
            dc_last = layer.zero_state
            if final is not None:
                dh_last = dh_last + final[0][k]
                if final[1] is not None:
                    dc_last = final[1][k]
            layer.backward(layout.layer(params, k), dy, dh_last, dc_last, need_dx, layout.layer(grad, k))
            if k > 0:
                dy = layer.dx if self._masks[k] is None else layer.dx * self._masks[k]
                dh_last = self.layers[k - 1].zero_state
        if not need_input_grad:
            return None
        return self._input_grads(dtype)

    def _input_grads(self, dtype):
        layout = self.layout
        n_samples, steps, _, _ = self._shape
        dx = np.empty((n_samples, steps, layout.input_size), dtype)
        chunks_to_sequences(self.layers[0].dx, dx)
        grads = {"x": dx, "h0": np.empty((layout.num_layers, n_samples, layout.hidden_size), dtype)}
        for k, layer in enumerate(self.layers):
            chunks_to_states(layer.dh0, grads["h0"][k])
        if self.layers[0].has_cell_state:
            grads["c0"] = np.empty_like(grads["h0"])
            for k, layer in enumerate(self.layers):
                chunks_to_states(layer.dc0, grads["c0"][k])
        return grads

    def final_state(self):
        """``h_T`` of every layer, ``(L, N, H)``, and ``c_T`` for LSTM cells (else None)."""
        n_samples = self._shape[0]
        h = np.empty((self.layout.num_layers, n_samples, self.layout.hidden_size), self.layers[0].y.dtype)
        for k, layer in enumerate(self.layers):
            chunks_to_states(np.ascontiguousarray(layer.final_hidden_state()), h[k])
        if not self.layers[0].has_cell_state:
            return h, None
        c = np.empty_like(h)
        for k, layer in enumerate(self.layers):
            chunks_to_states(np.ascontiguousarray(layer.final_cell_state()), c[k])
        return h, c
