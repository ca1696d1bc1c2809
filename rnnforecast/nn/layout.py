"""One parameter layout for every network: PyTorch's names, shapes and gate order.

All parameters of a network live in one flat buffer, so optimizers see one vector
and kernels see one contiguous slice per layer. For recurrent layer ``k``::

    weight_ih_l{k}  (G*H, I_k)   I_0 = input size, I_k = H for k > 0
    weight_hh_l{k}  (G*H, H)
    bias_ih_l{k}    (G*H,)
    bias_hh_l{k}    (G*H,)
    weight_ci_l{k}, weight_cf_l{k}, weight_co_l{k}  (H,)   peephole LSTM only

followed by the linear head ``head.weight (O, H)`` and ``head.bias (O,)``. Gate
blocks are ``i, f, g, o`` for LSTMs and ``r, z, n`` for GRUs (G = 4, 3, 1 for
LSTM, GRU, RNN). These names and shapes are the ones of ``torch.nn.LSTM``,
``torch.nn.GRU``, ``torch.nn.RNN`` and ``torch.nn.Linear``, so weights round-trip
with PyTorch state dicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CELLS", "CellSpec", "ParameterLayout", "make_layout", "initialize_parameters"]


@dataclass(frozen=True)
class CellSpec:
    """What the layout needs to know about a cell type."""

    name: str
    gates: int
    peephole: bool = False


CELLS = {
    "rnn": CellSpec("rnn", 1),
    "lstm": CellSpec("lstm", 4),
    "peephole": CellSpec("peephole", 4, peephole=True),
    "gru": CellSpec("gru", 3),
}


@dataclass(frozen=True)
class Entry:
    """One named tensor of the flat buffer."""

    name: str
    offset: int
    shape: tuple

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True)
class ParameterLayout:
    """Where each named parameter sits in the flat buffer.

    Attributes
    ----------
    cell : CellSpec
        The recurrent cell.
    input_size, hidden_size, num_layers, output_size : int
        Network sizes (``output_size`` is the width of the linear head).
    entries : tuple of Entry
        Every tensor in buffer order.
    layer_bounds : tuple of (int, int)
        ``(start, stop)`` of each recurrent layer's contiguous slice.
    size : int
        Total number of parameters.

    Examples
    --------
    >>> layout = make_layout("lstm", input_size=3, hidden_size=5, num_layers=2, output_size=1)
    >>> [entry.name for entry in layout.entries][:4]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    >>> layout.shape_of("weight_ih_l1")
    (20, 5)
    >>> layout.size
    446
    """

    cell: CellSpec
    input_size: int
    hidden_size: int
    num_layers: int
    output_size: int
    entries: tuple
    layer_bounds: tuple
    size: int

    def shape_of(self, name: str) -> tuple:
        """Shape of the tensor called ``name``."""
        return self.entry(name).shape

    def entry(self, name: str) -> Entry:
        """The :class:`Entry` (offset and shape) of the tensor called ``name``."""
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(f"no parameter named {name!r}; known: {[e.name for e in self.entries]}")

    def view(self, flat: np.ndarray, name: str) -> np.ndarray:
        """The tensor ``name`` as a view into ``flat`` (writes go to the buffer)."""
        entry = self.entry(name)
        return flat[entry.offset : entry.offset + entry.size].reshape(entry.shape)

    def views(self, flat: np.ndarray) -> dict:
        """All tensors of ``flat`` as views, keyed by PyTorch name, in buffer order."""
        return {entry.name: self.view(flat, entry.name) for entry in self.entries}

    def layer(self, flat: np.ndarray, k: int) -> np.ndarray:
        """The contiguous slice of recurrent layer ``k`` (what the kernels receive)."""
        start, stop = self.layer_bounds[k]
        return flat[start:stop]

    @property
    def head_offset(self) -> int:
        """Offset of ``head.weight`` in the flat buffer."""
        return self.entry("head.weight").offset

    def layer_input_size(self, k: int) -> int:
        """Input width of recurrent layer ``k``."""
        return self.input_size if k == 0 else self.hidden_size


def make_layout(cell: str, input_size: int, hidden_size: int, num_layers: int, output_size: int) -> ParameterLayout:
    """Build the :class:`ParameterLayout` of a stacked network with a linear head.

    Parameters
    ----------
    cell : {"rnn", "lstm", "peephole", "gru"}
        Recurrent cell type.
    input_size, hidden_size, num_layers, output_size : int
        Positive sizes.

    Returns
    -------
    layout : ParameterLayout
    """
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELLS)}")
    for label, value in (
        ("input_size", input_size),
        ("hidden_size", hidden_size),
        ("num_layers", num_layers),
        ("output_size", output_size),
    ):
        if int(value) != value or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}")
    spec = CELLS[cell]
    rows = spec.gates * hidden_size
    entries = []
    bounds = []
    offset = 0

    def add(name, shape):
        nonlocal offset
        entries.append(Entry(name, offset, tuple(int(s) for s in shape)))
        offset += int(np.prod(shape))

    for k in range(num_layers):
        start = offset
        layer_input = input_size if k == 0 else hidden_size
        add(f"weight_ih_l{k}", (rows, layer_input))
        add(f"weight_hh_l{k}", (rows, hidden_size))
        add(f"bias_ih_l{k}", (rows,))
        add(f"bias_hh_l{k}", (rows,))
        if spec.peephole:
            for gate in ("ci", "cf", "co"):
                add(f"weight_{gate}_l{k}", (hidden_size,))
        bounds.append((start, offset))
    add("head.weight", (output_size, hidden_size))
    add("head.bias", (output_size,))
    return ParameterLayout(
        cell=spec,
        input_size=int(input_size),
        hidden_size=int(hidden_size),
        num_layers=int(num_layers),
        output_size=int(output_size),
        entries=tuple(entries),
        layer_bounds=tuple(bounds),
        size=offset,
    )


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A uniformly random ``n x n`` orthogonal matrix (QR of a Gaussian, sign-fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def initialize_parameters(
    layout: ParameterLayout,
    rng: np.random.Generator,
    *,
    scheme: str = "glorot_orthogonal",
    forget_bias: float = 1.0,
    dtype=np.float32,
) -> np.ndarray:
    """Draw a new flat parameter buffer.

    Parameters
    ----------
    layout : ParameterLayout
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives the same buffer.
    scheme : {"glorot_orthogonal", "pytorch"}, default="glorot_orthogonal"
        ``"glorot_orthogonal"``: Glorot-uniform input and head weights, an
        orthogonal matrix per gate block of each recurrent weight, zero biases
        (and peepholes) except the LSTM forget gate, whose ``bias_ih`` is
        ``forget_bias``. ``"pytorch"``: every tensor uniform in
        ``[-1/sqrt(H), 1/sqrt(H)]`` as ``torch.nn`` does (head: ``1/sqrt(H)``).
    forget_bias : float, default=1.0
        Initial forget-gate bias of LSTM cells (``glorot_orthogonal`` only).
    dtype : numpy dtype, default=float32

    Returns
    -------
    flat : ndarray of shape (layout.size,)

    Examples
    --------
    >>> import numpy as np
    >>> layout = make_layout("gru", 2, 4, 1, 1)
    >>> flat = initialize_parameters(layout, np.random.default_rng(0))
    >>> w = layout.view(flat, "weight_hh_l0")[:4]
    >>> bool(np.allclose(w @ w.T, np.eye(4), atol=1e-6))
    True
    """
    flat = np.zeros(layout.size, dtype=np.float64)
    hidden = layout.hidden_size
    bound = 1.0 / np.sqrt(hidden)
    for entry in layout.entries:
        view = layout.view(flat, entry.name)
        if scheme == "pytorch":
            view[...] = rng.uniform(-bound, bound, entry.shape)
        elif scheme == "glorot_orthogonal":
            if entry.name.startswith(("weight_ih", "head.weight")):
                fan_out, fan_in = entry.shape
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                view[...] = rng.uniform(-limit, limit, entry.shape)
            elif entry.name.startswith("weight_hh"):
                for gate in range(layout.cell.gates):
                    view[gate * hidden : (gate + 1) * hidden] = _orthogonal(rng, hidden)
            elif entry.name.startswith("bias_ih") and layout.cell.gates == 4:
                view[hidden : 2 * hidden] = forget_bias
        else:
            raise ValueError(f"unknown init scheme {scheme!r}; use 'glorot_orthogonal' or 'pytorch'")
    return flat.astype(dtype)
