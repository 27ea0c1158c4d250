"""What each traced value stands for while an fx graph becomes a project graph, and the
context an op's converter works in.

A tensor is the output of a Layer (a project node in the making). The other values are the
non-tensors forward() handles on the way: the tuple an LSTM returns, its final states, shapes
(tuples whose first entry is BATCH) and plain numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from torch import fx

from engine.catalogue import ParamError, spec_for
from engine.importing.naming import describe_op
from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta


class _BatchSize:
    """The size of the batch: x.size(0), x.shape[0]. It may only say 'keep the batch'."""

    def __repr__(self) -> str:
        return "BATCH"


BATCH = _BatchSize()


@dataclass(frozen=True)
class BatchTimes:
    """The batch size times `factor`: b * t, the size of a batch whose samples' steps are
    folded into it (x.view(b * t, c, h, w))."""

    factor: int


@dataclass(eq=False)
class Layer:
    """One project node in the making. A few ops are layers only as part of a pattern
    (`-x` is none, `-pool(-x)` is MinPool): those carry a `problem` until fusion merges
    them away, and the problem is reported if it does not."""

    type: str
    params: dict[str, Any]
    inputs: list[Layer]
    nodes: list[fx.Node]
    """The fx ops it stands for; the last one produces its output."""
    shape: tuple[int, ...]
    """The traced output shape, with the batch dimension first (see batch_dim)."""
    dtype: str
    module: str | None = None
    """The attribute path of the nn.Module it calls: its node id and where its weights are."""
    op: str = ""
    """What the code wrote ('transpose', 'neg', ...), for fusion to recognise patterns."""
    op_args: tuple[Any, ...] = ()
    problem: str | None = None
    """Why this is not a catalogue layer; '' when that was reported already (or where it
    stands in for the result of an op reported as unsupported)."""
    id_suffix: str = ""
    """Appended to a derived id when one op becomes several nodes."""
    id: str = ""
    renames: dict[str, str] | None = None
    """Its module's weight names → the layer's, where they differ (a cell made a layer)."""
    shares: Layer | None = None
    """The layer whose weights it uses: the first call of a module called again."""
    held: list[str | None] | None = None
    """For an operation holding tensors: each one's attribute path in the module where it
    is a learnt weight, None where it is fixed values."""
    batch_dim: int = 0
    """Where the batch is in the user's tensor: 0, or 1 for time-major code ([T, batch, F],
    the layout of batch_first=False recurrent layers). `shape` is always batch first, as
    the project holds it; ops that name dimensions are read through this."""

    @property
    def node(self) -> fx.Node:
        return self.nodes[-1]

    @property
    def rank(self) -> int:
        """Number of dimensions, with the batch."""
        return len(self.shape)


@dataclass(frozen=True, eq=False)
class RecurrentResult:
    """What calling an RNN, LSTM or GRU returns: (output, h_n), or (output, (h_n, c_n))."""

    layer: Layer


@dataclass(frozen=True, eq=False)
class StatePair:
    """An LSTM's (h_n, c_n)."""

    layer: Layer


@dataclass(frozen=True, eq=False)
class FinalState:
    """h_n or c_n: [num_layers × directions, batch, size], not batch-first."""

    layer: Layer
    name: str


@dataclass(frozen=True, eq=False)
class AttentionResult:
    """What nn.MultiheadAttention returns: (output, attention weights); the output is the
    layer."""

    layer: Layer


@dataclass(frozen=True, eq=False)
class MaxResult:
    """What torch.max(x, dim) returns: (values, indices); the values are the Max layer."""

    layer: Layer


@dataclass(frozen=True, eq=False)
class Zeros:
    """A tensor of zeros made in forward() (torch.zeros(layers, x.size(0), hidden)) or
    given for a recurrent state: where a recurrent layer starts from it, it is the layer's
    default start. Elsewhere an operation takes it: zeros for each sample where the batch
    comes first (`per_sample`, torch.zeros(x.size(0), 64)), else a tensor it holds."""

    value: Any = None
    """The zeros as traced (None where not known)."""
    per_sample: bool = False


ZEROS = Zeros()


@dataclass(frozen=True, eq=False)
class Constant:
    """A tensor that does not come from the input: one of the module's own (a buffer such
    as self.mean; a learnt nn.Parameter such as an attention query) or one forward() makes
    from numbers (torch.arange(8)). The operation where it meets the input holds it; ops on
    fixed ones alone are worked out at import (self.pe[:, :T])."""

    value: Any
    """The tensor as traced."""
    maker: str
    """How the code names it, for messages: `self.mean`."""
    path: str | None = None
    """For a learnt one, its attribute path: where its weights are."""

    @property
    def learnt(self) -> bool:
        return self.path is not None


@dataclass(frozen=True, eq=False)
class Derived:
    """A call on learnt tensors (and numbers, the batch size) before they meet the input:
    self.cls.expand(x.size(0), -1, -1). The operation that takes it makes the same call on
    the tensors it holds."""

    call: str
    """Its name in the operations' allow-list."""
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    maker: str


@dataclass(frozen=True)
class Lengths:
    """forward()'s argument that holds each sequence's true length (less `offset`:
    lengths - 1), in a network of padded sequences. A project uses it to pack a recurrent
    layer's input and to take each sequence's last true step; nothing else."""

    offset: int = 0


@dataclass(frozen=True)
class BatchPositions:
    """torch.arange(batch): each sample's position in the batch, for picking one step of
    each sequence."""


BATCH_POSITIONS = BatchPositions()


@dataclass(frozen=True, eq=False)
class Made:
    """A tensor forward() makes from sizes and numbers rather than from its input (the
    lengths of packed sequences, say): fine as an argument of what reads it, not as a
    layer's input."""

    maker: str


@dataclass(frozen=True, eq=False)
class Opaque:
    """A non-tensor result of an op already reported as unsupported."""


OPAQUE = Opaque()


class Call:
    """One fx op for its converter: the op's arguments as values, what it produced on the
    example input, and the way to make layers."""

    def __init__(self, node: fx.Node, args: tuple[Any, ...], kwargs: dict[str, Any],
                 result: Any, new_layer: Callable[[Layer], None],
                 batch_source: Callable[[], Layer | None] | None = None):
        self.node, self.args, self.kwargs, self.result = node, args, kwargs, result
        self._new_layer = new_layer
        self._batch_source = batch_source
        """The network's input, whose batch zeros made for each sample take."""

    def bind(self, names: Sequence[str], defaults: dict[str, Any] | None = None
             ) -> dict[str, Any]:
        """The arguments by name, as a signature `names` with `defaults` would take them."""
        bound = dict(defaults or {})
        if len(self.args) > len(names):
            raise Unsupported(f"{self.describe()} with {len(self.args)} arguments is not in "
                              "the catalogue")
        bound.update(zip(names, self.args, strict=False))
        unknown = sorted(set(self.kwargs) - set(names))
        if unknown:
            raise Unsupported(f"{self.describe()} with {', '.join(unknown)}= is not in the "
                              "catalogue")
        bound.update(self.kwargs)
        missing = [n for n in names if n not in bound]
        if missing:
            raise Unsupported(f"{self.describe()} without {', '.join(missing)} is not in the "
                              "catalogue")
        return bound

    def describe(self) -> str:
        return describe_op(self.node)

    def _zeros(self, zeros: Zeros) -> Layer | None:
        """Zeros for each sample given to a layer (a state's first step through a Linear)
        as an operation on the network's input: x.new_zeros((x.size(0), 64))."""
        source = self._batch_source() if self._batch_source else None
        value = zeros.value
        if source is None or source.batch_dim != 0 or value is None or \
                value.dtype.is_floating_point is False or value.dim() < 1:
            return None
        params: dict[str, Any] = {"call": "Tensor.new_zeros", "args": [
            {"input": 0}, {"tuple": [{"batch": 1}, *value.shape[1:]]}], "kwargs": {}}
        if source.dtype != "float32":
            params["kwargs"] = {"dtype": {"dtype": "float32"}}
        return self.layer("Operation", params, [source], op="new_zeros",
                          meta=TensorMeta(tuple(value.shape), "float32"), id_suffix="_zeros")

    def tensor(self, value: Any) -> Layer:
        """`value` as a layer's output, or Unsupported saying why it is none."""
        if isinstance(value, Layer):
            return value
        from engine.importing import cells

        if isinstance(value, cells.CellOutput):
            return cells.as_tensor(self, value)
        if isinstance(value, cells.Step):  # x[:, t] kept for a cell, used by a layer
            from engine.importing.operations import step_operation

            return step_operation(self, value)
        if isinstance(value, FinalState | StatePair):
            kind = value.layer.type
            raise Unsupported(f"{self.describe()} uses the final state of {kind} "
                              f"'{_label(value.layer)}', which the catalogue's {kind} does "
                              "not give; use the last step of its output, out[:, -1] "
                              "(LastStep)")
        if isinstance(value, Zeros) and value.per_sample:
            zeros = self._zeros(value)
            if zeros is not None:
                return zeros
        if isinstance(value, Constant | Zeros | Derived):
            raise Unsupported(f"{self.describe()} uses {_constant_text(value)}, which does "
                              "not come from the input; a project holds such a tensor only in "
                              "an operation that combines it with the input (x - self.mean, "
                              "torch.matmul(x, self.query), torch.cat([x, h0], 1))")
        if isinstance(value, Made):
            raise Unsupported(f"{self.describe()} uses the tensor {value.maker} makes, which "
                              "does not come from the input; the catalogue has no layer "
                              "for it")
        if isinstance(value, AttentionResult):
            raise Unsupported(f"{self.describe()} uses the attention weights of "
                              f"'{_label(value.layer)}', which the catalogue's "
                              "MultiheadAttention does not give; use its output: "
                              "out, _ = self.attention(q, k, v)")
        if isinstance(value, RecurrentResult):
            raise Unsupported(f"{self.describe()} takes the (output, state) tuple of "
                              f"{value.layer.type}; index it first: out, _ = ...")
        raise Unsupported(f"{self.describe()} on {value!r} is not in the catalogue: the "
                          "catalogue's layers take tensors that come from the input")

    @property
    def meta(self) -> TensorMeta:
        if not isinstance(self.result, TensorMeta):
            raise Unsupported(f"{self.describe()} does not give a tensor here")
        return self.result

    def layer(self, layer_type: str, params: dict[str, Any], inputs: Sequence[Any],
              module: str | None = None, op: str = "", op_args: tuple[Any, ...] = (),
              meta: TensorMeta | None = None, id_suffix: str = "",
              batch_dim: int | None = None) -> Layer:
        """A catalogue layer; its params are checked against the catalogue's ranges.
        `batch_dim`: where the batch is in its output (default: where it is in its first
        input); layers that name dimensions of a time-major tensor must have read them
        with batch_first_dim, and the others must be ones the layout does not matter to."""
        spec = spec_for(layer_type)
        assert spec is not None, layer_type
        try:
            resolved = spec.resolve(params)
        except ParamError as error:
            raise Unsupported(f"{self.describe()} becomes {layer_type}, whose {error}") from None
        tensors = [self.tensor(v) for v in inputs]
        if batch_dim is None:
            batch_dim = tensors[0].batch_dim if tensors else 0
            if batch_dim and (layer_type not in TIME_MAJOR_SAFE or (
                    tensors[0].rank == 2 and layer_type not in ELEMENT_WISE)):
                raise Unsupported(f"{self.describe()} on a tensor with time first and the "
                                  f"batch second ([time, batch, ...]) is not in the "
                                  f"catalogue; move the batch first with .transpose(0, 1) "
                                  "before it")
        meta = meta or self.meta
        layer = Layer(layer_type, spec.non_defaults(resolved), tensors, [self.node],
                      batch_first(meta.shape, batch_dim), meta.dtype, module=module, op=op,
                      op_args=op_args, id_suffix=id_suffix, batch_dim=batch_dim)
        self._new_layer(layer)
        return layer

    def pending(self, op: str, problem: str | None, inputs: Sequence[Any],
                op_args: tuple[Any, ...] = (), batch_dim: int | None = None) -> Layer:
        """An op that is a layer only inside a pattern fusion looks for (problem: why it is
        none alone; None for a plain alias that fusion removes)."""
        meta = self.meta
        tensors = [self.tensor(v) for v in inputs]
        if batch_dim is None:
            batch_dim = tensors[0].batch_dim if tensors else 0
        layer = Layer(op, {}, tensors, [self.node], batch_first(meta.shape, batch_dim),
                      meta.dtype, op=op, op_args=op_args, problem=problem,
                      batch_dim=batch_dim)
        self._new_layer(layer)
        return layer

    def batch_first_dim(self, x: Layer, dim: int) -> int:
        """Dimension `dim` of the user's tensor x (negative ones counted from the end) as
        the index it has batch first."""
        rank = x.rank
        if not -rank <= dim < rank:
            raise Unsupported(f"{self.describe()} with dim={dim} is not in the catalogue")
        dim %= rank
        return batch_first_order(rank, x.batch_dim).index(dim)


ELEMENT_WISE = frozenset({"ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Dropout",
                          "Embedding"})
"""What may take a [steps, batch] tensor (token ids made time-first), whose batch is its
last dimension: a Linear or a norm there would mix the samples."""
TIME_MAJOR_SAFE = frozenset({
    "Linear", "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Dropout", "LayerNorm",
    "RNN", "LSTM", "GRU", "Embedding"})
"""Layers that do the same to [time, batch, F] as to [batch, time, F]: they act on the
last dimension alone (element-wise, or per step); recurrent layers check their layout
themselves."""


def batch_first_order(rank: int, batch_dim: int) -> list[int]:
    """The user's dimensions in the order the project holds them: the batch, then the
    others as they come."""
    return [batch_dim, *(d for d in range(rank) if d != batch_dim)]


def batch_first(shape: tuple[int, ...], batch_dim: int) -> tuple[int, ...]:
    return tuple(shape[d] for d in batch_first_order(len(shape), batch_dim))


def _label(layer: Layer) -> str:
    return layer.module or layer.node.name


def _constant_text(value: Constant | Zeros | Derived) -> str:
    if isinstance(value, Zeros):
        return "a tensor of zeros"
    if isinstance(value, Derived):
        return f"what {value.maker} makes of a learnt tensor"
    kind = "the learnt tensor" if value.learnt else "the tensor"
    return f"{kind} {value.maker}"
