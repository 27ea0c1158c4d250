"""The walk over a traced module's ops that turns it into a project graph, or into the list
of every op the catalogue lacks, each with its line."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn
from torch.nn.utils import rnn as rnn_utils

from engine.analysis import analyse
from engine.block_view import laid_out_by_blocks
from engine.catalogue import CATALOGUE, SHARES, held_tensors
from engine.codegen import padded_nodes
from engine.graph import Edge, Graph, Node
from engine.importing import cells
from engine.importing.functions import FUNCTIONS, METHODS
from engine.importing.fusion import fuse
from engine.importing.modules import convert_module
from engine.importing.naming import assign_ids, describe_op
from engine.importing.operations import (
    HeldTooLarge,
    OperationTuple,
    as_operation,
    derived,
    pick,
)
from engine.importing.problems import ImportProblem, Unsupported
from engine.importing.source import SourceIndex
from engine.importing.structure import module_blocks
from engine.importing.tracing import EXAMPLE_BATCH, TensorMeta, live_nodes
from engine.importing.values import (
    BATCH,
    BATCH_POSITIONS,
    OPAQUE,
    AttentionResult,
    BatchTimes,
    Call,
    Constant,
    Derived,
    FinalState,
    Layer,
    Lengths,
    Made,
    MaxResult,
    Opaque,
    RecurrentResult,
    StatePair,
    Zeros,
)


@dataclass
class Built:
    graph: Graph
    modules: dict[str, str] = field(default_factory=dict)
    """Node id → the attribute path of the submodule whose weights it takes."""
    notes: list[str] = field(default_factory=list)
    """What the import changed that the user should know (a state left out, ...)."""
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    """Node id → its module's weight names → the layer's, where they differ."""
    held: dict[str, str] = field(default_factory=dict)
    """The weight name of each learnt tensor an operation holds (its node id, or `<id>_k`)
    → its attribute path in the module."""


class _Walk:
    def __init__(self, graph_module: fx.GraphModule, results: dict[fx.Node, Any],
                 sources: SourceIndex, where: str, lengths: str | None = None,
                 given: set[str] | None = None):
        self.graph_module, self.results = graph_module, results
        self.sources, self.where = sources, where
        self.lengths = lengths
        self.given = given or set()
        self.layers: list[Layer] = []
        self.values: dict[fx.Node, Any] = {}
        self.problems: list[tuple[fx.Node | None, str]] = []
        self.outputs: list[Layer] = []
        self.called: dict[str, list[Layer]] = {}
        """Module path → the layers its first call made (later calls share their weights)."""
        self.notes: list[str] = []
        self.cell_runs: dict[str, cells.CellRun] = {}

    def run(self) -> None:
        nodes = live_nodes(self.graph_module.graph)
        live = set(nodes)
        first = True
        for node in nodes:
            if node.op == "placeholder":
                used = any(user in live for user in node.users)
                if first:
                    self.values[node] = self._input(node) if used else OPAQUE
                    first = False
                elif str(node.target) == self.lengths:
                    self.values[node] = Lengths()
                elif str(node.target) in self.given:  # an input of its own (a mask, say)
                    self.values[node] = self._input(node) if used else OPAQUE
                else:  # a recurrent state of zeros, or a default such as None
                    self.values[node] = _as_zeros(node.meta.get("value"))
            elif node.op == "output":
                self._output(node)
            else:
                self.values[node] = self._convert(node)

    def _input(self, node: fx.Node) -> Any:
        meta = self.results[node]
        params = {"shape": list(meta.shape[1:]), "dtype": meta.dtype}
        layer = Layer("Input", CATALOGUE["Input"].non_defaults(params), [], [node],
                      meta.shape, meta.dtype)
        self.layers.append(layer)
        return layer

    def _convert(self, node: fx.Node) -> Any:
        args = fx.node.map_aggregate(node.args, self._value)
        kwargs = fx.node.map_aggregate(node.kwargs, self._value)
        result = self.results[node]
        found: list[Any] = []
        fx.node.map_aggregate((args, kwargs), found.append)
        if any(isinstance(v, Opaque) for v in found):
            return self._stand_in(node, found)  # its cause is reported already
        call = Call(node, tuple(args), dict(kwargs), result, self.layers.append,
                    self._first_input)
        made = len(self.layers)
        try:
            if any(isinstance(v, Lengths) for v in found) and (
                    node.target not in (operator.getitem, rnn_utils.pack_padded_sequence)
                    or isinstance(args[0] if args else None, Lengths)):
                return _lengths_op(call)
            if node.op == "call_module":
                return self._call_module(call)
            if node.op == "get_attr":
                return self._attribute(node)
            if (node.target is not operator.getitem or
                    isinstance(args[0] if args else None, Constant | Zeros | Derived)) and not any(
                    isinstance(v, Layer | RecurrentResult | StatePair | FinalState | MaxResult
                               | AttentionResult
                               | cells.CellPair | cells.CellOutput | cells.Step)
                    for v in found):
                return self._plain(call, found)
            if node.target is operator.getitem and args and \
                    isinstance(args[0], OperationTuple):
                return pick(call, args[0])
            converter = (METHODS.get(str(node.target)) if node.op == "call_method"
                         else _lookup(node.target))
            if converter is None:
                raise Unsupported(f"{describe_op(node)} is not in the catalogue")
            return converter(call)
        except Unsupported as refused:
            reason = str(refused)
            try:
                operation = self._operation(call, made)
            except HeldTooLarge as too_large:  # the reason, not the converter's refusal
                operation, reason = None, str(too_large)
            if operation is not None:
                return operation
            self.problems.append((node, reason))
            return self._stand_in(node, found)

    def _operation(self, call: Call, made: int) -> Any:
        """The op as an Operation node when no layer stands for it (the layers a converter
        made before it gave up are dropped first, but for those the operation takes: a
        cell's run made into a recurrent layer is kept by the run)."""
        if call.node.op not in ("call_function", "call_method"):
            return None
        dropped = self.layers[made:]
        del self.layers[made:]
        try:
            result = as_operation(call)
        except HeldTooLarge:
            del self.layers[made:]
            raise
        except Unsupported:
            del self.layers[made:]
            return None
        taken = self.layers[made:] + ([result] if isinstance(result, Layer) else
                                      list(getattr(result, "inputs", [])))
        needed = _ancestors_among(taken, dropped)
        self.layers[made:made] = [layer for layer in dropped if id(layer) in needed]
        return result

    def _call_module(self, call: Call) -> Any:
        path = str(call.node.target)
        module = self.graph_module.get_submodule(path)
        if isinstance(module, nn.RNNCellBase):  # stepped over time: called once a step
            return cells.call_cell(call, module, path, self.cell_runs)
        made = len(self.layers)
        result = convert_module(module, call)
        mine = [layer for layer in self.layers[made:] if layer.module == path]
        if path not in self.called or not any(True for _ in module.parameters()):
            self.called[path] = mine
            return result
        owners = self.called[path]  # called again: the same weights, shared
        if len(mine) != len(owners) or any(a.type != b.type for a, b in zip(mine, owners,
                                                                             strict=False)):
            raise Unsupported(f"{call.describe()} is called again in another way than the "
                              "first time; a project shares weights between layers of one "
                              "kind")
        for layer, owner in zip(mine, owners, strict=True):
            layer.shares, layer.module = owner, None
        return result

    def _attribute(self, node: fx.Node) -> Any:
        """A tensor of the module's own: learnt (nn.Parameter) or fixed (a buffer); a zero
        state kept on the module is zeros."""
        value = node.meta.get("value")
        if value is None:  # a tensor constant fx stored on the module itself
            value = getattr(self.graph_module, str(node.target), None)
        if not isinstance(value, torch.Tensor):
            raise Unsupported(f"self.{node.target} is used as a tensor, and is none")
        if isinstance(value, nn.Parameter):
            return Constant(value.detach(), f"self.{node.target}", str(node.target))
        if _is_zeros(value):
            return Zeros(value.detach())
        return Constant(value.detach(), f"self.{node.target}")

    def _first_input(self) -> Layer | None:
        return next((layer for layer in self.layers if layer.type == "Input"), None)

    def _value(self, argument: Any) -> Any:
        return self.values[argument] if isinstance(argument, fx.Node) else argument

    def _plain(self, call: Call, found: list[Any]) -> Any:
        """Arithmetic on sizes, numbers and tensors that do not come from the input: what
        it came to on the example input. A tensor of zeros made from them (a recurrent
        layer's start) is Zeros; one that does not depend on the batch size is a Constant
        (fixed values worked out here); one made from a learnt tensor is not in a
        project."""
        if isinstance(call.result, TensorMeta):
            value = call.node.meta.get("value")
            if any(isinstance(v, Derived) or (isinstance(v, Constant) and v.learnt)
                   for v in found):
                return derived(call)
            if _is_zeros(value):
                return Zeros(value.detach(), _per_sample(call, found, value))
            if call.node.target is torch.arange and call.args == (BATCH,):
                return BATCH_POSITIONS
            if isinstance(value, torch.Tensor) and not any(
                    v is BATCH or isinstance(v, BatchTimes | Made) or
                    (isinstance(v, Zeros) and v.per_sample) for v in found):
                return Constant(value.detach(), call.describe())
            return Made(call.describe())
        if any(v is BATCH or isinstance(v, BatchTimes) for v in found):
            folded = _batch_times(call)
            if folded is not None:
                return folded
            raise Unsupported(f"{call.describe()} computes with the batch size; the "
                              "catalogue's layers only keep the batch as it is (or fold "
                              "it with the steps, b * t)")
        return call.result

    def _stand_in(self, node: fx.Node, arguments: list[Any]) -> Any:
        """A value for an op that failed, so that the ops after it are still checked."""
        result = self.results[node]
        if not isinstance(result, TensorMeta):
            return OPAQUE
        inputs = [v for v in arguments if isinstance(v, Layer)]
        layer = Layer("unsupported", {}, inputs, [node], result.shape, result.dtype,
                      problem="")
        self.layers.append(layer)
        return layer

    def length_readers(self) -> list[Layer]:
        """The layers that read the true lengths: recurrent layers whose input forward()
        packs with them, each sequence's last step picked with them, and the final state
        h_n of a packed layer (its state at each sequence's true end)."""
        readers: list[Layer] = []
        for node in live_nodes(self.graph_module.graph):
            found: list[Any] = []
            fx.node.map_aggregate(fx.node.map_aggregate((node.args, node.kwargs),
                                                        self._value), found.append)
            result = self.values.get(node)
            if node.op == "call_function" and node.target is rnn_utils.pack_padded_sequence:
                if any(isinstance(v, Lengths) for v in found):
                    readers += [self.values[user].layer for user in node.users
                                if isinstance(self.values.get(user), RecurrentResult)]
            elif isinstance(result, Layer) and result.type == "LastStep" and any(
                    isinstance(v, Lengths) or (isinstance(v, FinalState) and v.layer in readers)
                    for v in found):
                readers.append(result)
        return readers

    def _output(self, node: fx.Node) -> None:
        found: list[Any] = []
        fx.node.map_aggregate(fx.node.map_aggregate(node.args[0], self._value), found.append)
        gives_a_layer = any(isinstance(v, Layer) and v.type != "Input" for v in found)
        for value in found:
            if isinstance(value, Opaque | Zeros) or value is None:
                continue
            if isinstance(value, StatePair | FinalState) and gives_a_layer:
                # the state handed back for the next call: a project starts from zeros
                self.notes.append(f"forward() also returns the final state of "
                                  f"{describe_op(value.layer.node)}; the project leaves it "
                                  "out (its recurrent layers start from zeros each time)")
                continue
            if isinstance(value, RecurrentResult | StatePair | FinalState):
                what = ("the (output, state) tuple" if isinstance(value, RecurrentResult)
                        else "the final state")
                self.problems.append((node, f"forward() returns {what} of "
                                      f"{describe_op(value.layer.node)}; a project's "
                                      f"{value.layer.type} gives its output sequence alone: "
                                      "out, _ = ..., return out"))
            elif not isinstance(value, Layer):
                self.problems.append((node, f"forward() returns {value!r}, which is not a "
                                      "tensor computed from the input"))
            elif value.type == "Input":
                self.problems.append((node, "forward() returns its input unchanged"))
            elif value not in self.outputs:
                self.outputs.append(value)


LENGTH_CONVERSIONS = frozenset({"cpu", "to", "long", "int", "type", "detach", "contiguous",
                                "clone", "cuda"})
"""Methods that leave a tensor of lengths the same lengths."""


def _lengths_op(call: Call) -> Any:
    """An op on the true lengths: conversions keep them, lengths - 1 points at each last
    step, lengths.size(0) is the batch; anything else is not in a project."""
    first = call.args[0] if call.args else None
    if isinstance(first, Lengths):
        if call.node.op == "call_method" and call.node.target in LENGTH_CONVERSIONS:
            return first
        if call.node.op == "call_method" and call.node.target == "size" \
                and call.args[1:] == (0,):
            return BATCH
        if call.node.target in (operator.sub, torch.sub) and len(call.args) == 2 \
                and isinstance(call.args[1], int) and not call.kwargs:
            return Lengths(first.offset + call.args[1])
    if call.node.target in (torch.as_tensor, torch.tensor) and isinstance(first, Lengths):
        return first
    raise Unsupported(f"{call.describe()} uses the sequences' true lengths; a project uses "
                      "them only to pack a recurrent layer's input (pack_padded_sequence) "
                      "and to take each sequence's last true step (out[torch.arange("
                      "out.size(0)), lengths - 1], or h_n[-1])")


def _time_first(shape: tuple[int, ...]) -> list[Any]:
    return [shape[1], "batch", *shape[2:]]


def _batch_times(call: Call) -> BatchTimes | None:
    """b * t, t * b and (b * t) * s: the batch size times a number."""
    if call.node.target not in (operator.mul, operator.imul) or len(call.args) != 2:
        return None
    factor = 1
    for value in call.args:
        if value is BATCH:
            continue
        if isinstance(value, BatchTimes):
            factor *= value.factor
        elif isinstance(value, int) and not isinstance(value, bool):
            factor *= value
        else:
            return None
    if sum(v is BATCH or isinstance(v, BatchTimes) for v in call.args) != 1:
        return None  # b * b
    return BatchTimes(factor)


def _ancestors_among(layers: list[Layer], among: list[Layer]) -> set[int]:
    """The ids of the layers of `among` that `layers` are made from."""
    wanted = {id(layer) for layer in among}
    seen: set[int] = set()
    stack = list(layers)
    while stack:
        layer = stack.pop()
        for source in layer.inputs:
            if id(source) not in seen:
                seen.add(id(source))
                stack.append(source)
    return seen & wanted


def _per_sample(call: Call, found: list[Any], value: torch.Tensor) -> bool:
    """Whether zeros made in forward() have the batch first: made with it as their first
    size (torch.zeros(x.size(0), 64)), or from such zeros keeping it."""
    sizes = call.args[0] if len(call.args) == 1 and isinstance(call.args[0], tuple | list) \
        else call.args
    if sizes and sizes[0] is BATCH:
        return True
    return value.dim() > 0 and any(
        isinstance(v, Zeros) and v.per_sample and v.value is not None and
        v.value.shape[:1] == value.shape[:1] for v in found)


def _is_zeros(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor) and value.numel() > 0 and not bool(
        value.detach().ne(0).any())


def _as_zeros(value: Any) -> Any:
    """A later argument of forward() as the walk sees it: zeros as ZEROS, tuples of them
    as tuples, anything else as it is."""
    if _is_zeros(value):
        # a state of [layers, batch, size] is a recurrent layer's; else the batch is first
        per_sample = value.dim() not in (0, 3) and value.shape[0] == EXAMPLE_BATCH
        return Zeros(value.detach(), per_sample)
    if isinstance(value, tuple | list):
        return type(value)(_as_zeros(item) for item in value)
    return value


def _lookup(target: Any) -> Any:
    try:
        return FUNCTIONS.get(target)
    except TypeError:  # an unhashable callable is none of ours
        return None


def build_graph(graph_module: fx.GraphModule, results: dict[fx.Node, Any],
                sources: SourceIndex, where: str, lengths: str | None = None,
                batch_first: bool = False, given: set[str] | None = None) -> Built:
    """The project graph of the traced module, or ImportProblem listing every op the
    catalogue lacks. `lengths`: forward()'s argument of true sequence lengths, if any;
    `given`: its arguments after the first that are inputs too (each an Input). An output
    the code gives time-first ends with TimeFirst, unless `batch_first`."""
    walk = _Walk(graph_module, results, sources, where, lengths, given)
    walk.run()
    # before fusion drops the aliases: an alias keeps where the user's batch is
    # (`return x.transpose(0, 1)` gives the input time-first)
    for index, output in enumerate(walk.outputs):
        if not output.batch_dim:
            continue
        what = (f"forward() returns {describe_op(output.node)} with time first and the "
                f"batch second {_time_first(output.shape)}")
        if batch_first:
            walk.notes.append(f"{what}; the project gives it batch first "
                              f"{list(output.shape[1:])} per sample, as asked "
                              "(--batch-first)")
            continue
        handed = Layer("TimeFirst", {}, [output], [output.node], output.shape, output.dtype,
                       op="time_first", id_suffix="_time_first")
        walk.layers.append(handed)
        walk.outputs[index] = handed
        walk.notes.append(f"{what}; the project ends with TimeFirst, which hands it on so "
                          "(training and its figures read it batch first; --batch-first "
                          "leaves it out)")
    layers = fuse(walk.layers, walk.outputs, sources)
    layers = _outputs_apart(layers, walk.outputs)
    problems = list(walk.problems)
    problems += [(layer.node, layer.problem) for layer in layers if layer.problem]
    fed = {id(source) for layer in layers for source in layer.inputs}
    for layer in layers if not problems else ():  # an op that failed may have used it
        if layer.problem is None and layer not in walk.outputs and id(layer) not in fed \
                and layer.type != "Input":
            problems.append((layer.node, f"the result of {describe_op(layer.node)} is used "
                             "only for its size; a project's unused layers would be outputs"))
    problems += _learnt_twice(layers)
    for layer in walk.outputs:
        if id(layer) in fed:
            problems.append((layer.node, f"forward() returns the result of "
                             f"{describe_op(layer.node)}, which also feeds other layers; a "
                             "project's outputs are the layers that feed nothing"))
    if not any(layer.type == "Input" for layer in layers) and not problems:
        problems.append((None, "forward() does not use its input"))
    _raise(problems, sources, where)

    assign_ids(layers, sources)
    graph = Graph()
    for layer in layers:
        params = dict(layer.params)
        if layer.shares is not None:
            params[SHARES] = layer.shares.id
        graph.add_node(Node(layer.id, layer.type, params))
        many = len(layer.inputs) > 1
        for port, source in enumerate(layer.inputs):
            graph.add_edge(Edge(source.id, layer.id, port if many else 0))
    readers = walk.length_readers()
    if readers:
        _take_lengths(graph, layers, readers, walk.notes, sources, where)
    blocks = module_blocks(layers, graph)
    if blocks and readers:
        walk.notes.append("the submodules are not kept as blocks: a network that reads "
                          "true lengths stays flat, since block classes take no lengths")
    elif blocks:
        graph.blocks = blocks
    laid_out_by_blocks(graph)
    _check(graph, layers, sources, where)
    held = {name: path for layer in layers if layer.held
            for name, path in zip(held_tensors.names(layer.id, len(layer.held)), layer.held,
                                  strict=True) if path is not None}
    return Built(graph, {layer.id: layer.module for layer in layers if layer.module},
                 walk.notes, {layer.id: layer.renames for layer in layers if layer.renames},
                 held)


def _learnt_twice(layers: list[Layer]) -> list[tuple[fx.Node | None, str]]:
    """A learnt tensor two operations hold would be two tensors, learnt apart."""
    holder: dict[str, Layer] = {}
    problems: list[tuple[fx.Node | None, str]] = []
    for layer in layers:
        for path in layer.held or ():
            if path is None:
                continue
            if path in holder and holder[path] is not layer:
                problems.append((layer.node, f"{describe_op(layer.node)} uses the learnt "
                                 f"tensor self.{path} again; a project holds a learnt tensor "
                                 "in one operation, so give each use its own nn.Parameter"))
            holder.setdefault(path, layer)
    return problems


def _outputs_apart(layers: list[Layer], outputs: list[Layer]) -> list[Layer]:
    """A project's outputs are the nodes that feed nothing, in the order of its nodes: a
    result forward() returns that also feeds other layers (features returned beside the
    logits) is handed on by a node of its own, and the outputs come last, in the order
    forward() returns them."""
    fed = {id(source) for layer in layers for source in layer.inputs}
    for index, output in enumerate(outputs):
        if id(output) in fed and output.problem is None and output.type != "Input":
            handed = Layer("Operation", {"call": "Tensor.contiguous", "args": [{"input": 0}],
                                         "kwargs": {}}, [output], [output.node], output.shape,
                           output.dtype, op="contiguous", id_suffix="_out")
            layers.append(handed)
            outputs[index] = handed
    returned = {id(output) for output in outputs}
    if [layer for layer in layers if id(layer) in returned] == outputs:
        return layers
    return [layer for layer in layers if id(layer) not in returned] + list(outputs)


def _take_lengths(graph: Graph, layers: list[Layer], readers: list[Layer], notes: list[str],
                  sources: SourceIndex, where: str) -> None:
    """forward() packs padded sequences with their true lengths: the project's Input is
    variable_length, and each layer that read the lengths must read them in the project
    too; the layers the project runs over true steps where forward() runs over the padding
    are said."""
    source = next(layer for layer in layers if layer.type == "Input")
    graph.nodes[source.id].params["variable_length"] = True
    padded = padded_nodes(graph, analyse(graph))
    problems: list[tuple[fx.Node | None, str]] = []
    for reader in readers:
        if not any(edge.source in padded for edge in graph.incoming(reader.id)):
            problems.append((reader.node, f"{describe_op(reader.node)} reads the true lengths "
                             "of sequences that earlier layers have mixed across steps; a "
                             "project gives them only to layers whose input is the padded "
                             "Input or what per-step layers (Linear, activations, Dropout, "
                             "LayerNorm, Embedding) make of it"))
    _raise(problems, sources, where)
    chosen = {reader.id for reader in readers}
    for node_id, node in graph.nodes.items():
        spec = CATALOGUE.get(node.type)
        if spec is not None and spec.padded_time in ("recurrent", "last") \
                and node_id not in chosen \
                and any(edge.source in padded for edge in graph.incoming(node_id)):
            notes.append(f"'{node_id}' ({spec.name}) reads each sequence's true steps in the "
                         "project, where forward() gives it the padding too")


def _check(graph: Graph, layers: list[Layer], sources: SourceIndex, where: str) -> None:
    """The catalogue must agree with torch about every shape, or the import is wrong."""
    analysis = analyse(graph)
    by_id = {layer.id: layer for layer in layers}
    problems: list[tuple[fx.Node | None, str]] = [
        (by_id[p.node].node if p.node in by_id else None, f"{p.where}: {p.message}")
        for p in analysis.errors]
    if not problems:
        for layer in layers:
            output = analysis.nodes[layer.id].output
            if output is not None and (output.shape, output.dtype) != (layer.shape[1:],
                                                                         layer.dtype):
                problems.append((layer.node, f"{describe_op(layer.node)} gives "
                                 f"{list(layer.shape[1:])} {layer.dtype} but the catalogue's "
                                 f"{layer.type} would give {output}: this form is not "
                                 "in the catalogue"))
    _raise(problems, sources, where)


def _raise(problems: list[tuple[fx.Node | None, str]], sources: SourceIndex,
           where: str) -> None:
    if not problems:
        return
    order = {node: index for index, node in enumerate(next(
        (n.graph.nodes for n, _ in problems if n is not None), []))}
    lines: list[str] = []
    for node, message in sorted(problems, key=lambda p: order.get(p[0], -1)):
        line = f"{sources.where(node, where)}: {message}"
        if line not in lines:
            lines.append(line)
    lines.append(f"{where}: nothing imported ({len(lines)} "
                 f"problem{'' if len(lines) == 1 else 's'})")
    raise ImportProblem(lines)
