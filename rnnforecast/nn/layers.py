"""One recurrent layer per cell type: buffers plus calls into the compiled kernels.

A layer owns the buffers its kernels write (allocated once per shape and reused
across calls) and keeps references to the inputs of its last forward pass, which
backward needs. The registry :data:`LAYERS` maps a cell name to its factory.
Shapes are those of :mod:`rnnforecast.kernels._recurrent`.
"""

from __future__ import annotations

import numpy as np

from ..kernels import get_kernels
from ..kernels._recurrent import GRU_SPLIT, SUMMED, finish_gradients, layer_offsets, pack_weights, packed_rows
from ..kernels.cpu_lstm import finish_peephole_gradients
from .threads import run_chunks

__all__ = ["LAYERS", "RecurrentLayer"]


class RecurrentLayer:
    """Shared buffer management; subclasses call their cell's kernels.

    Parameters
    ----------
    input_size, hidden_size : int
        Layer sizes.
    gates : int
        Gate blocks of the cell (PyTorch rows are ``gates * hidden_size``).
    kind : int
        How the weights are packed (``SUMMED`` or ``GRU_SPLIT``).
    exact : bool
        Use libm activations instead of the rational approximations.
    device : {"cpu", "cuda"}
        Where the forward and backward kernels run. On ``"cuda"`` every buffer
        has a device twin: the large per-step ones (``stacked``, ``gate_values``,
        ``d_gates``, ``d_stacked``) live only on the GPU between forward and
        backward; inputs go up and the buffers the network reads (``y``,
        ``cells``, ``dx``, ``dh0``, ``dc0``, weight gradients) come back after
        each launch.
    """

    # Buffers the network reads on the host after forward / backward (CUDA: copied back).
    _forward_outputs = ("y",)
    _backward_outputs = ("weight_parts", "dx", "dh0")

    has_cell_state = False

    def __init__(self, input_size: int, hidden_size: int, gates: int, kind: int, exact: bool, device: str = "cpu"):
        self.kernels = get_kernels(device)
        self._device_twins = None
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.gates = gates
        self.kind = kind
        self.exact = bool(exact)
        self.rows = packed_rows(kind, gates, hidden_size)
        self.depth = input_size + hidden_size + 1
        self._key = None

    def allocate(self, n_chunks: int, steps: int, width: int, dtype) -> None:
        """(Re)allocate buffers for ``n_chunks`` chunks of ``width`` samples."""
        key = (n_chunks, steps, width, np.dtype(dtype))
        if key == self._key:
            return
        self._key = key
        self._device_twins = None
        rows, depth, hidden = self.rows, self.depth, self.hidden_size
        self.packed = np.zeros((rows, depth), dtype)
        self.stacked = np.zeros((n_chunks, steps + 1, depth, width), dtype)
        self.gate_values = np.zeros((n_chunks, steps, rows, width), dtype)
        self.y = np.zeros((n_chunks, steps, hidden, width), dtype)
        self.d_gates = np.zeros((n_chunks, rows, width), dtype)
        self.d_stacked = np.zeros((n_chunks, depth, width), dtype)
        self.weight_parts = np.zeros((n_chunks, rows, depth), dtype)
        self.packed_grad = np.zeros((rows, depth), dtype)
        self.dx = np.zeros((n_chunks, steps, self.input_size, width), dtype)
        self.dh0 = np.zeros((n_chunks, hidden, width), dtype)
        self.dc0 = np.zeros((n_chunks, hidden, width), dtype)
        self.zero_state = np.zeros((n_chunks, hidden, width), dtype)
        self.zero_dy = np.zeros((n_chunks, steps, hidden, width), dtype)
        if self.has_cell_state:
            self.cells = np.zeros((n_chunks, steps + 1, hidden, width), dtype)
            self.peep_sums = np.zeros((n_chunks, 3 * hidden, width), dtype)

    def _pack(self, params) -> None:
        pack_weights(params, self.kind, self.gates, self.input_size, self.hidden_size, self.packed)

    def _run(self, kernel_function, *args, backward=False) -> None:
        """Run a chunk-range kernel over every chunk, split across the scope's threads."""
        n_chunks, steps, _, width = self.y.shape
        if self.kernels.device == "cuda":
            self._run_cuda(kernel_function, args, n_chunks, backward)
            return
        work = 2.0 * self.rows * self.depth * steps * width * n_chunks * (2 if backward else 1)
        run_chunks(kernel_function, args, n_chunks, work)

    def _run_cuda(self, kernel_function, args, n_chunks, backward) -> None:
        """Launch a CUDA twin on the layer's device buffers (one block per chunk, all chunks at once)."""
        from numba import cuda  # reached only with device="cuda"

        if self._device_twins is None:
            self._device_twins = {
                id(value): (name, cuda.to_device(value))
                for name, value in vars(self).items()
                if isinstance(value, np.ndarray) and name != "packed"
            }
        twins = self._device_twins
        device_args = [
            twins[id(arg)][1] if id(arg) in twins else cuda.to_device(arg) if isinstance(arg, np.ndarray) else arg
            for arg in args
        ]
        kernel_function(*device_args, 0, n_chunks)
        for name in self._backward_outputs if backward else self._forward_outputs:
            host = getattr(self, name)
            twins[id(host)][1].copy_to_host(host)

    def _finish(self, grad) -> None:
        """Sum the chunks' weight gradients in order into ``grad`` (PyTorch layout)."""
        finish_gradients(
            self.weight_parts, self.kind, self.gates, self.input_size, self.hidden_size, self.packed_grad, grad
        )

    def final_hidden_state(self) -> np.ndarray:
        """``h_T`` in chunk layout ``(C, H, B)``."""
        return self.y[:, -1]


class LSTMLayer(RecurrentLayer):
    """LSTM layer (``peephole=True`` for the Gers & Schmidhuber variant)."""

    has_cell_state = True
    _forward_outputs = ("y", "cells")
    _backward_outputs = ("weight_parts", "peep_sums", "dx", "dh0", "dc0")

    def __init__(self, input_size, hidden_size, exact, peephole=False, device="cpu"):
        super().__init__(input_size, hidden_size, 4, SUMMED, exact, device)
        self.peephole = bool(peephole)

    def forward(self, params, x, h0, c0):
        self._pack(params)
        self._run(
            self.kernels.lstm_forward,
            params,
            self.packed,
            x,
            h0,
            c0,
            self.peephole,
            self.exact,
            self.stacked,
            self.gate_values,
            self.cells,
            self.y,
        )
        return self.y

    def final_cell_state(self) -> np.ndarray:
        """``c_T`` in chunk layout ``(C, H, B)``."""
        return self.cells[:, -1]

    def backward(self, params, dy, dh_last, dc_last, need_dx, grad):
        self._run(
            self.kernels.lstm_backward,
            params,
            self.packed,
            self.peephole,
            self.exact,
            self.stacked,
            self.gate_values,
            self.cells,
            dy,
            dh_last,
            dc_last,
            need_dx,
            self.d_gates,
            self.d_stacked,
            self.weight_parts,
            self.peep_sums,
            self.dx,
            self.dh0,
            self.dc0,
            backward=True,
        )
        self._finish(grad)
        if self.peephole:
            peephole_offset = layer_offsets(self.rows, self.input_size, self.hidden_size)[4]
            finish_peephole_gradients(self.peep_sums, peephole_offset, grad)


class GRULayer(RecurrentLayer):
    """GRU layer with PyTorch's ``n`` gate."""

    def __init__(self, input_size, hidden_size, exact, device="cpu"):
        super().__init__(input_size, hidden_size, 3, GRU_SPLIT, exact, device)

    def forward(self, params, x, h0, c0=None):
        self._pack(params)
        self._run(self.kernels.gru_forward, self.packed, x, h0, self.exact, self.stacked, self.gate_values, self.y)
        return self.y

    def backward(self, params, dy, dh_last, dc_last, need_dx, grad):
        self._run(
            self.kernels.gru_backward,
            self.packed,
            self.stacked,
            self.gate_values,
            dy,
            dh_last,
            need_dx,
            self.d_gates,
            self.d_stacked,
            self.weight_parts,
            self.dx,
            self.dh0,
            backward=True,
        )
        self._finish(grad)


class RNNLayer(RecurrentLayer):
    """Elman RNN layer with a tanh or ReLU non-linearity."""

    def __init__(self, input_size, hidden_size, exact, relu=False, device="cpu"):
        super().__init__(input_size, hidden_size, 1, SUMMED, exact, device)
        self.relu = bool(relu)

    def forward(self, params, x, h0, c0=None):
        self._pack(params)
        self._run(
            self.kernels.rnn_forward, self.packed, x, h0, self.relu, self.exact, self.stacked, self.gate_values, self.y
        )
        return self.y

    def backward(self, params, dy, dh_last, dc_last, need_dx, grad):
        self._run(
            self.kernels.rnn_backward,
            self.packed,
            self.relu,
            self.stacked,
            self.y,
            dy,
            dh_last,
            need_dx,
            self.d_gates,
            self.d_stacked,
            self.weight_parts,
            self.dx,
            self.dh0,
            backward=True,
        )
        self._finish(grad)


def _make_lstm(input_size, hidden_size, exact, nonlinearity, device="cpu"):
    return LSTMLayer(input_size, hidden_size, exact, device=device)


def _make_peephole(input_size, hidden_size, exact, nonlinearity, device="cpu"):
    return LSTMLayer(input_size, hidden_size, exact, peephole=True, device=device)


def _make_gru(input_size, hidden_size, exact, nonlinearity, device="cpu"):
    return GRULayer(input_size, hidden_size, exact, device=device)


def _make_rnn(input_size, hidden_size, exact, nonlinearity, device="cpu"):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return RNNLayer(input_size, hidden_size, exact, relu=nonlinearity == "relu", device=device)


LAYERS = {"lstm": _make_lstm, "peephole": _make_peephole, "gru": _make_gru, "rnn": _make_rnn}
