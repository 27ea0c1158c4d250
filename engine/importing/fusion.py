"""Patterns of several ops that are one catalogue layer, as the catalogue's generated code
writes them: `-pool(-x)` is MinPool, `x.flatten(1, 2).transpose(1, 2)` is ToSequence of an
image, `x.unsqueeze(1).repeat(1, n, 1)` is RepeatVector, `a + b + c` on one line is one
Add, and `layers(x.flatten(0, 1)).unflatten(0, (-1, T))` is those layers applied to each
frame of a clip. Without this, importing exported code would give different (if
equivalent) nodes.

Each rule looks at the last layer of its pattern and takes over the ones before it, which
must feed nothing else; the last layer keeps its identity so the layers it feeds still
point at it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from engine.catalogue import spec_for
from engine.importing.source import SourceIndex
from engine.importing.values import BATCH, Layer

Rule = Callable[[Layer, Counter, SourceIndex], list[Layer]]
"""Given a layer, fuse the pattern ending there; returns the layers it absorbed."""


def fuse(layers: list[Layer], outputs: list[Layer], sources: SourceIndex) -> list[Layer]:
    layers = _without_aliases(layers, outputs)
    users: Counter = Counter(outputs)
    for layer in layers:
        users.update(layer.inputs)
    absorbed: set[int] = set()
    for layer in layers:
        for rule in RULES:
            taken = rule(layer, users, sources)
            absorbed.update(id(t) for t in taken)
    return [layer for layer in layers if id(layer) not in absorbed]


def _only_feeds(layer: Layer, users: Counter) -> bool:
    return users[layer] == 1


def _take_over(last: Layer, first: Layer, *middle: Layer) -> list[Layer]:
    last.inputs = list(first.inputs)
    last.nodes = [*first.nodes, *(n for m in middle for n in m.nodes), *last.nodes]
    last.problem = None
    return [first, *middle]


def _min_pool(layer: Layer, users: Counter, sources: SourceIndex) -> list[Layer]:
    if layer.op != "neg":
        return []
    pool = layer.inputs[0]
    if pool.type not in ("MaxPool1d", "MaxPool2d") or not _only_feeds(pool, users):
        return []
    negated = pool.inputs[0]
    if negated.op != "neg" or not _only_feeds(negated, users):
        return []
    layer.type, layer.params, layer.module = pool.type.replace("Max", "Min"), pool.params, \
        pool.module
    layer.op = "min_pool"
    return _take_over(layer, negated, pool)


def _to_sequence(layer: Layer, users: Counter, sources: SourceIndex) -> list[Layer]:
    if layer.type != "ToSequence" or layer.op != "transpose":
        return []
    flattened = layer.inputs[0]
    if (flattened.op != "flatten" or flattened.op_args != (1, 2)
            or flattened.inputs[0].rank != 4 or not _only_feeds(flattened, users)):
        return []
    return _take_over(layer, flattened)


def _repeat_vector(layer: Layer, users: Counter, sources: SourceIndex) -> list[Layer]:
    if layer.op not in ("repeat", "expand") or len(layer.op_args) != 3:
        return []
    unsqueezed = layer.inputs[0]
    if (unsqueezed.op != "unsqueeze" or unsqueezed.op_args != (1,)
            or unsqueezed.inputs[0].rank != 2 or not _only_feeds(unsqueezed, users)):
        return []
    first, n, last = layer.op_args
    features = unsqueezed.inputs[0].shape[1]
    repeats = (layer.op == "repeat" and (first, last) == (1, 1)) or (
        layer.op == "expand" and first in (-1, BATCH) and last in (-1, features))
    if not repeats or not isinstance(n, int) or n < 1:
        return []
    layer.type, layer.params = "RepeatVector", {"n": n}
    return _take_over(layer, unsqueezed)


def _add_chain(layer: Layer, users: Counter, sources: SourceIndex) -> list[Layer]:
    if layer.type != "Add" or layer.op != "add":
        return []
    left = layer.inputs[0]
    statement = sources.statement(layer.node)
    if (left.type != "Add" or left.op != "add" or not _only_feeds(left, users)
            or statement is None or sources.statement(left.node) != statement):
        return []
    rest = layer.inputs[1:]
    _take_over(layer, left)
    layer.inputs += rest
    return [left]


ELEMENT_WISE = frozenset({"ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Dropout"})
"""Layers that take a clip as it is, so they may sit between a fold and its unfold too."""
PER_ROW = frozenset({"Linear", "LayerNorm", "Flatten", "Softmax", "LogSoftmax"})
"""Layers that act on each row of a folded tensor as they act on each step of the unfolded
one (Flatten and the softmaxes with their dimensions counted one further)."""


def _per_frame(layer: Layer, users: Counter, sources: SourceIndex) -> list[Layer]:
    """fold → layers made for one image (on a clip), element-wise ones, or ones that act on
    each row → unfold: those layers, given the unfolded tensor. The unfold keeps its
    identity as the last of them."""
    if layer.op != "unfold":
        return []
    inner: list[Layer] = []
    current = layer.inputs[0]
    while current.op != "fold":
        spec = spec_for(current.type)
        if (spec is None or current.problem is not None or len(current.inputs) != 1
                or not _only_feeds(current, users)
                or (spec.frame_rank is None and current.type not in ELEMENT_WISE
                    and current.type not in PER_ROW and not _flattens_rows(current))):
            return []
        inner.append(current)
        current = current.inputs[0]
    fold = current
    if not inner or fold.op_args != layer.op_args or not _only_feeds(fold, users):
        return []
    steps, batch_dim = fold.op_args
    clip = fold.inputs[0]
    if any(spec_for(each.type).frame_rank not in (None, clip.rank - 2) for each in inner):
        return []  # an image layer on the rows of a folded sequence
    inner.reverse()
    for each in inner:  # traced with the steps in the batch: [batch × steps, ...]
        if _flattens_rows(each):  # x.view(x.size(0), -1) of each frame: a Flatten of it
            each.type, each.params, each.op = "Flatten", {}, "flatten"
        each.shape = (clip.shape[0], steps, *each.shape[1:])
        each.batch_dim = batch_dim
        _count_one_further(each)
    inner[0].inputs = [clip]
    inner[0].nodes = [*fold.nodes, *inner[0].nodes]
    last = inner[-1]
    layer.type, layer.params, layer.module = last.type, last.params, last.module
    layer.op, layer.op_args, layer.shape = last.op, last.op_args, last.shape
    return [*_take_over(layer, last), fold]


def _flattens_rows(layer: Layer) -> bool:
    """A Reshape that keeps the first dimension and flattens the rest, as
    x.view(x.size(0), -1) does."""
    return layer.type == "Reshape" and layer.params.get("shape", [-1]) == [-1]


def _count_one_further(layer: Layer) -> None:
    """A layer's dimensions as the unfolded tensor has them: one more in front."""
    for name in ("start_dim", "end_dim", "dim"):
        value = layer.params.get(name)
        if isinstance(value, int) and value >= 1:
            layer.params[name] = value + 1
    if layer.type == "Flatten" and "start_dim" not in layer.params:
        layer.params["start_dim"] = 2  # Flatten's default, 1, counted one further


def _without_aliases(layers: list[Layer], outputs: list[Layer]) -> list[Layer]:
    """An alias (the batch moved second or back, a no-op for the batch-first project) is
    replaced by what it stands for wherever it is used."""
    def real(layer: Layer) -> Layer:
        while layer.op == "alias":
            layer = layer.inputs[0]
        return layer

    for layer in layers:
        layer.inputs = [real(source) for source in layer.inputs]
    outputs[:] = [real(output) for output in outputs]
    return [layer for layer in layers if layer.op != "alias"]


RULES: tuple[Rule, ...] = (_min_pool, _to_sequence, _repeat_vector, _add_chain, _per_frame)
