"""model.py for a network with blocks: one nn.Module class per block, used by the network
class (an nn.Sequential of copies for a repeated block), as a PyTorch user writes ResNet.

The compiled network stays flat (node ids are its attributes); `module_paths` says where each
of its layers sits in the nested classes, so trained weights can be written under the names
model.py gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from engine.analysis import Analysis, analyse
from engine.blocks import Block, chains, children, interface, unroll
from engine.catalogue import SHARES, held_tensors
from engine.codegen import forward_lines
from engine.export import ExportError
from engine.export.layer_constructor import layer_statements
from engine.graph import Edge, Graph, Node


@dataclass
class BlockClass:
    name: str
    layers: list[str]
    """`self.x = nn.X(...)` lines of __init__, unindented."""
    signature: str
    body: list[str]
    """forward()'s statements, unindented."""


def written_as_classes(graph: Graph) -> bool:
    """Whether model.py writes the blocks as classes: a network whose layers share weights
    is written flat, since a class cannot call a module that another class holds."""
    return bool(graph.blocks) and not any(node.params.get(SHARES)
                                          for node in graph.nodes.values())


def module_paths(graph: Graph) -> dict[str, str]:
    """Node id of the compiled (unrolled) network → its attribute path in model.py."""
    unrolled = unroll(graph)
    paths: dict[str, str] = {}
    for block_id in children(graph, None):
        block = graph.blocks[block_id]
        if block.repeat == 1:
            inner, local = _inner_graph(graph, block)
            inside = module_paths(inner)
            paths |= {m: f"{block.id}.{inside.get(local[m], local[m])}" for m in block.nodes}
            continue
        local = _local_names(graph, block)
        paths |= {m: f"{block.id}.0.{local[m]}" for m in block.nodes}
        for k, members in enumerate(unrolled.copies.get(block.id, []), start=1):
            paths |= {c: f"{block.id}.{k}.{local[m]}"
                      for c, m in zip(members, block.nodes, strict=True)}
    return paths


def _weight_paths(graph: Graph) -> dict[str, str]:
    """module_paths, with the tensors operations hold under their own names (`n4_0`)."""
    paths = module_paths(graph)
    for node_id, held in held_tensors.of_graph(unroll(graph).graph.nodes).items():
        path = paths.get(node_id, node_id)
        paths |= {name: path + name.removeprefix(node_id)
                  for name in held_tensors.names(node_id, len(held))}
    return paths


def nested_state(state: dict, graph: Graph) -> dict:
    """A flat state dict renamed to model.py's nesting."""
    paths = _weight_paths(graph)
    renamed = {}
    for key, value in state.items():
        node_id, dot, rest = key.partition(".")
        renamed[f"{paths.get(node_id, node_id)}{dot}{rest}"] = value
    return renamed


def flat_names(graph: Graph) -> dict[str, str]:
    """model.py's attribute path of each layer in a block → its node id (the inverse of
    module_paths), so weights trained from model.py load into the project."""
    if not written_as_classes(graph):
        return {}
    return {path: node_id for node_id, path in _weight_paths(graph).items()}


def _local_names(graph: Graph, block: Block) -> dict[str, str]:
    """The names a block's members and the blocks inside it have in the block's class:
    their ids without the block's prefix, where those stay distinct."""
    inside = [b for b in graph.blocks.values() if b.id != block.id
              and set(b.nodes) < set(block.nodes)]
    ids = [*block.nodes, *(b.id for b in inside)]
    local = {m: block.local_name(m) for m in ids}
    if len(set(local.values())) != len(local):
        return {m: m for m in ids}
    return local


def block_classes(graph: Graph, analysis: Analysis,
                  modules: dict) -> tuple[dict[str, list[str]], list[BlockClass]]:
    """Block id → the class name of each of its repetitions, and each distinct class once
    (a class used inside another before it): blocks (and repetitions) whose code is the
    same share a class; a repetition that gets another input size than the first (a first
    Conv2d's in_channels) gets its own."""
    writer = _ClassWriter()
    return writer.names(graph, analysis, modules), list(writer.classes.values())


class _ClassWriter:
    def __init__(self) -> None:
        self.classes: dict[tuple, BlockClass] = {}
        self.taken: dict[str, int] = {}

    def names(self, graph: Graph, analysis: Analysis, modules: dict) -> dict[str, list[str]]:
        """The class names of the top-level blocks of `graph`, writing their classes."""
        unrolled = unroll(graph)
        names: dict[str, list[str]] = {}
        for block_id in children(graph, None):
            block = graph.blocks[block_id]
            found = interface(graph, block)
            infos = [analysis.nodes[s].output for s in found.inputs]
            repetitions = [block.nodes, *unrolled.copies.get(block.id, [])]
            names[block.id] = []
            for members in repetitions:
                inner, local = _inner_graph(graph, block, infos)
                inner_modules = {local[m]: modules[c] for m, c in
                                 zip(block.nodes, members, strict=True) if c in modules}
                made = self._class_of(block.class_name, inner, analyse(inner), inner_modules)
                names[block.id].append(made.name)
                infos = [analysis.nodes[members[block.nodes.index(found.outputs[0])]].output]
        return names

    def _class_of(self, name: str, inner: Graph, inner_analysis: Analysis,
                  modules: dict) -> BlockClass:
        signature = ", ".join(["self", *(f"{i}: torch.Tensor" for i in inner_analysis.inputs)])
        if inner.blocks:
            class_names = self.names(inner, inner_analysis, modules)
            layers, body = network_lines(inner, inner_analysis, modules, class_names)
        else:
            layers = [_layer_line(node_id, modules[node_id], inner.nodes[node_id].type)
                      for node_id in inner_analysis.order if node_id in modules]
            body = forward_lines(inner, inner_analysis)
        made = BlockClass(name, layers, f"def forward({signature}) -> torch.Tensor:", body)
        key = (name, tuple(made.layers), tuple(made.body))
        if key not in self.classes:
            count = self.taken.get(name, 0) + 1
            self.taken[name] = count
            made.name = name if count == 1 else f"{name}{count}"
            self.classes[key] = made
        return self.classes[key]


def _inner_graph(graph: Graph, block: Block,
                 infos: list | None = None) -> tuple[Graph, dict[str, str]]:
    """The block as a network of its own, the blocks inside it kept: an Input per block
    input (of the size it gets where it meets the network; none without `infos`) and the
    members under their local names."""
    local = _local_names(graph, block)
    found = interface(graph, block)
    taken = set(local.values())
    input_names = {}
    for index, source in enumerate(found.inputs):
        wanted = "x" if len(found.inputs) == 1 else f"x{index + 1}"
        while wanted in taken:
            wanted += "_"
        taken.add(wanted)
        input_names[source] = wanted
    inner = Graph()
    for name, info in zip(input_names.values(), infos or [], strict=False):
        inner.add_node(Node(name, "Input", {"shape": list(info.shape), "dtype": info.dtype}))
    for member in block.nodes:
        node = graph.nodes[member]
        inner.add_node(Node(local[member], node.type, dict(node.params)))
    for edge in graph.edges:
        if edge.target in local and (edge.source in local or edge.source in input_names):
            source = local.get(edge.source) or input_names[edge.source]
            inner.add_edge(Edge(source, local[edge.target], edge.target_port))
    for other in graph.blocks.values():
        if other.id in local:
            inner.blocks[local[other.id]] = Block(
                local[other.id], [local[m] for m in other.nodes], other.name,
                other.repeat, other.collapsed, None,
                [[(local[m], port) for m, port in feeds] for feeds in other.inputs])
    return inner, local


def _layer_line(attribute: str, module, node_type: str) -> str:
    try:
        return layer_statements(f"self.{attribute}", module, "")
    except ValueError as error:
        raise ExportError(f"node '{attribute}' ({node_type}) cannot be exported as Python "
                          f"code: {error}") from None


def network_lines(graph: Graph, analysis: Analysis, modules: dict,
                  class_names: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The network class's __init__ layers and forward() body, blocks called as one."""
    unrolled_graph = analysis.graph
    chain_of = chains(graph)

    def owner(node_id: str) -> str | None:
        chain = chain_of.get(analysis.origin.get(node_id, node_id))
        return chain[0] if chain else None

    collapsed = nx.DiGraph()
    first_seen: dict[str, int] = {}
    for index, node_id in enumerate(analysis.order):
        unit = owner(node_id) or node_id
        first_seen.setdefault(unit, index)
        collapsed.add_node(unit)
    for edge in unrolled_graph.edges:
        source, target = owner(edge.source) or edge.source, owner(edge.target) or edge.target
        if source != target:
            collapsed.add_edge(source, target)
    order = list(nx.lexicographical_topological_sort(collapsed, key=first_seen.__getitem__))

    def variable(node_id: str) -> str:
        return owner(node_id) or node_id

    layers, body = [], []
    for unit in order:
        if unit in graph.blocks:
            block = graph.blocks[unit]
            sources = interface(graph, block).inputs
            instances = [f"{name}()" for name in class_names[unit]]
            if block.repeat == 1:
                layers.append(f"self.{unit} = {instances[0]}")
            else:
                layers.append(f"self.{unit} = nn.Sequential(" + ", ".join(instances) + ")")
            body.append(f"{unit} = self.{unit}({', '.join(variable(s) for s in sources)})")
            continue
        report = analysis.nodes[unit]
        if report.spec is None or report.spec.is_input:
            continue
        if unit in modules:
            layers.append(_layer_line(unit, modules[unit], unrolled_graph.nodes[unit].type))
        args = [variable(e.source) for e in unrolled_graph.incoming(unit)]
        expression = report.spec.code(report.params, report.inputs, args, f"self.{unit}")
        body.append(f"{unit} = {expression}")
    outputs = [variable(o) for o in analysis.outputs]
    body.append("return " + (outputs[0] if len(outputs) == 1 else
                             "(" + ", ".join(outputs) + ",)"))
    return layers, body
