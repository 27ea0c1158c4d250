"""Names: how messages name a traced op ('torch.sort', 'nn.Conv3d (self.conv)') and which
node id each imported layer gets."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from engine.graph import id_problem
from engine.importing.source import SourceIndex
from engine.importing.structure import scope_prefix

if TYPE_CHECKING:
    from engine.importing.values import Layer

OPERATORS = {
    operator.add: "+ (addition)", operator.iadd: "+= (addition)",
    operator.sub: "- (subtraction)", operator.isub: "-= (subtraction)",
    operator.mul: "* (multiplication)", operator.imul: "*= (multiplication)",
    operator.truediv: "/ (division)", operator.itruediv: "/= (division)",
    operator.floordiv: "// (division)", operator.mod: "% (remainder)",
    operator.pow: "** (power)", operator.matmul: "@ (matrix product)",
    operator.neg: "unary - (negation)", operator.pos: "unary +",
    operator.abs: "abs()", operator.getitem: "indexing", operator.eq: "==",
    operator.ne: "!=", operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
    operator.and_: "&", operator.or_: "|", operator.invert: "~", getattr: "getattr",
}


def describe_op(node: fx.Node) -> str:
    target = node.target
    if node.op == "call_module":
        module = node.graph.owning_module.get_submodule(str(target))
        return f"{module_class_name(module)} (self.{target})"
    if node.op == "call_method":
        return f"Tensor.{target}"
    if node.op == "get_attr":
        return f"self.{target}"
    if node.op == "call_function":
        return function_name(target)
    return str(target)


def module_class_name(module: nn.Module) -> str:
    cls = type(module)
    if cls.__module__.startswith("torch.nn."):
        return f"nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def function_name(function: Any) -> str:
    try:
        if function in OPERATORS:
            return OPERATORS[function]
    except TypeError:  # unhashable callables
        pass
    name = getattr(function, "__name__", repr(function))
    for prefix, namespace in (("F", F), ("torch", torch)):
        if getattr(namespace, name, None) is function:
            return f"{prefix}.{name}"
    module = getattr(function, "__module__", None)
    return f"{module}.{name}" if module else name


def assign_ids(layers: Sequence[Layer], sources: SourceIndex) -> None:
    """Give every layer a node id: an Input the name of forward()'s argument, a layer that
    calls a submodule the submodule's attribute path ('features.0' → 'features_0'), any
    other the variable its statement assigns (when that is its only assignment), else the
    name torch.fx gave the op ('flatten', 'add_1'); inside a submodule, either after the
    submodule's path ('layer1_0_add'). Ids stay unique."""
    taken: set[str] = set()
    last_on_statement = _last_layer_per_statement(layers, sources)
    for layer in layers:
        if layer.type == "Input":
            layer.id = _free(str(layer.node.target), taken)
        elif layer.module is not None:
            layer.id = _free(layer.module + layer.id_suffix, taken)
    for layer in layers:
        if layer.id:
            continue
        scope = scope_prefix(layer)
        name = sources.assigned_name(layer.node)
        if name is not None and scope:
            name = f"{scope}_{name}"
        statement = sources.statement(layer.node)
        if (name is not None and not layer.id_suffix and name not in taken
                and id_problem(name) is None and last_on_statement.get(statement) is layer):
            layer.id = name
            taken.add(name)
        else:
            op_name = _op_name(layer)
            if scope:  # fx numbers ops across the whole network: within the scope, count anew
                op_name = f"{scope}_{re.sub(r'_[0-9]+$', '', op_name)}"
            layer.id = _free(op_name + layer.id_suffix, taken)


def _last_layer_per_statement(layers: Sequence[Layer], sources: SourceIndex
                              ) -> dict[Any, Layer]:
    """The layer whose value each statement assigns: the one made by its last op."""
    by_statement: dict[Any, tuple[int, Layer]] = {}
    order = {node: index for index, node in enumerate(layers[0].node.graph.nodes)} if layers \
        else {}
    for layer in layers:
        statement = sources.statement(layer.node)
        if statement is None:
            continue
        index = order[layer.node]
        # "<=": when one op makes several layers, the last made holds its value
        if statement not in by_statement or by_statement[statement][0] <= index:
            by_statement[statement] = (index, layer)
    return {statement: layer for statement, (_, layer) in by_statement.items()}


def _op_name(layer: Layer) -> str:
    """torch.fx's name for the op ('relu_1'), but for an indexing, whose fx name
    ('getitem_2') says nothing, the layer's kind, or what an Operation picks ('part', or
    'chunk' for torch.chunk(...)[0])."""
    if layer.node.name.startswith("getitem"):
        if layer.type == "Operation":
            call = str(layer.params.get("call", ""))
            return "part" if call in ("", "getitem") else call.rpartition(".")[2]
        return re.sub(r"(?<!^)(?=[A-Z])", "_", layer.type).lower()
    return layer.node.name


def _free(base: str, taken: set[str]) -> str:
    stem = re.sub(r"\W", "_", base) or "layer"
    if stem[0].isdigit():
        stem = "n" + stem
    candidate, n = stem, 2
    while candidate in taken or id_problem(candidate) is not None:
        candidate = f"{stem}_{n}"
        n += 1
    taken.add(candidate)
    return candidate
