"""Validation and shape inference in one pass over the graph.

Every problem is found at once and names its node (or edge), says what is wrong and how to
fix it. Shapes and parameter counts come from the catalogue's formulas, not from torch, so
analysing a large graph is instant; nodes downstream of an error get no shape rather than a
cascade of follow-on errors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from engine.blocks import block_problems, unroll
from engine.catalogue import (
    CATALOGUE,
    LayerError,
    LayerSpec,
    ParamError,
    TensorInfo,
    closest,
    spec_for,
)
from engine.catalogue.sharing import sharing_problems
from engine.catalogue.spec import bytes_of
from engine.graph import Edge, Graph, id_problem

Severity = Literal["error", "warning"]

SOFTMAX_LOSSES = {"CrossEntropyLoss"}
SIGNAL_LAYERS = {"Conv1d"}
"""Layers that read [channels, length]: given a sequence [time, features], time is channels."""
SEQUENCE_MAKERS = {"Embedding", "ToSequence", "RepeatVector"}


@dataclass(frozen=True)
class Problem:
    severity: Severity
    where: str
    """'node 'c1' (Conv2d)', 'edge a → b' or 'network'."""
    message: str
    node: str | None = None
    edge: Edge | None = None
    related: tuple[str, ...] = ()
    """Other nodes the problem involves (the rest of a cycle, say)."""

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


class CompileError(Exception):
    """The network cannot be built: it has errors, or it is too large for this machine;
    `problems` lists why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("the network cannot be built:\n"
                         + "\n".join(str(p) for p in problems))


@dataclass
class NodeReport:
    spec: LayerSpec | None
    params: dict[str, Any] | None
    """Defaults overlaid with the node's values; None when a value is invalid."""
    inputs: list[TensorInfo] = field(default_factory=list)
    output: TensorInfo | None = None
    param_count: int | None = None
    frames: int | None = None
    """The frames of the clip a per-frame layer applies to, one by one (None otherwise)."""
    macs: int | None = None
    """Multiply-accumulates of one sample's forward pass (see LayerSpec.macs)."""
    kept_bytes: int | None = None
    """Bytes of one sample's forward pass that autograd keeps for the backward pass."""

    @property
    def activation_bytes(self) -> int | None:
        """Bytes of one sample's output."""
        return None if self.output is None else bytes_of(self.output)

    @property
    def param_bytes(self) -> int | None:
        return None if self.param_count is None else 4 * self.param_count


@dataclass
class Analysis:
    problems: list[Problem]
    nodes: dict[str, NodeReport]
    order: list[str]
    """Nodes in an order where each comes after its inputs (nodes on cycles left out)."""
    inputs: list[str]
    outputs: list[str]
    graph: Graph = field(default_factory=Graph)
    """The graph analysed: the one given, or with repeated blocks unrolled (see
    engine.blocks); what compile and export build from, node for node, and what every
    consumer of the analysis reads."""
    origin: dict[str, str] = field(default_factory=dict)
    """For each node a repeated block added: the member it copies."""
    edge_outputs: dict[tuple[str, str], TensorInfo] = field(default_factory=dict)
    """(source, target) → what the edge carries where that is not the source's output: an
    edge out of an open repeated block carries its last repetition's output
    (engine.block_view)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(r.param_count or 0 for r in self.nodes.values())

    @property
    def total_macs(self) -> int:
        """Multiply-accumulates of one sample's forward pass through the whole network."""
        return sum(r.macs or 0 for r in self.nodes.values())

    def final_copy(self, node_id: str) -> str:
        """The node that does `node_id`'s work last: its last copy when it is a member of a
        repeated block (engine.blocks.unroll), else itself."""
        copies = [c for c, m in self.origin.items() if m == node_id]
        return copies[-1] if copies else node_id

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id or node_id in p.related]


class _Collector:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.problems: list[Problem] = []

    def node(self, node_id: str, message: str, severity: Severity = "error",
             related: tuple[str, ...] = ()) -> None:
        node = self.graph.nodes[node_id]
        self.problems.append(Problem(severity, f"node '{node_id}' ({node.type})", message,
                                     node=node_id, related=related))

    def edge(self, edge: Edge, message: str) -> None:
        self.problems.append(Problem("error", f"edge {edge}", message, edge=edge,
                                     node=edge.target if edge.target in self.graph.nodes
                                     else None))

    def network(self, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(severity, "network", message))


def analyse(graph: Graph, training: Mapping[str, Any] | None = None) -> Analysis:
    """Check the graph and infer every node's output shape and parameter count. Repeated
    blocks are unrolled first; a problem of a copy is reported on the member it copies."""
    broken_blocks = block_problems(graph)
    unrolled = unroll(graph, broken_blocks)
    analysis = _analyse(unrolled.graph, training)
    analysis.graph, analysis.origin = unrolled.graph, unrolled.origin
    problems = [_on_original(p, unrolled.origin, graph) for p in analysis.problems]
    for block, message in broken_blocks:
        first = next((n for n in block.nodes if n in graph.nodes), None)
        problems.insert(0, Problem("error", f"block '{block.id}'", message, node=first,
                                   related=tuple(n for n in block.nodes if n != first)))
    analysis.problems = list(dict.fromkeys(problems))
    return analysis


def _on_original(problem: Problem, origin: dict[str, str], graph: Graph) -> Problem:
    if problem.node not in origin:
        return problem
    node_id = origin[problem.node]
    return Problem(problem.severity, f"node '{node_id}' ({graph.nodes[node_id].type})",
                   problem.message, node=node_id,
                   related=tuple(origin.get(n, n) for n in problem.related))


def _analyse(graph: Graph, training: Mapping[str, Any] | None) -> Analysis:
    report = _Collector(graph)
    nodes = {node_id: _check_node(node_id, graph, report) for node_id in graph.nodes}
    edges = _check_edges(graph, report)
    incoming: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        incoming[edge.target].append(edge)
    for targets in incoming.values():
        targets.sort(key=lambda e: e.target_port)
    wired = {node_id: _check_inputs(node_id, nodes[node_id].spec, incoming[node_id], report)
             for node_id in graph.nodes}

    connections = nx.DiGraph()
    connections.add_nodes_from(graph.nodes)
    connections.add_edges_from((e.source, e.target) for e in edges)
    on_cycles = _check_cycles(connections, report)
    acyclic = connections.subgraph(n for n in graph.nodes if n not in on_cycles)
    position = {node_id: index for index, node_id in enumerate(graph.nodes)}
    order = list(nx.lexicographical_topological_sort(acyclic, key=position.__getitem__))

    input_ids = [n for n in graph.nodes if graph.nodes[n].type == "Input"]
    reachable = set(input_ids)
    for input_id in input_ids:
        reachable |= nx.descendants(connections, input_id)
    for node_id in order:
        if node_id not in reachable and incoming[node_id]:
            report.node(node_id, "is not connected to any Input: follow its inputs back and "
                        "connect the first of them to an Input or to the network")

    for node_id in order:
        _infer_node(node_id, nodes[node_id], incoming[node_id], wired[node_id], nodes, report)

    for node_id, message in sharing_problems(nodes):
        report.node(node_id, message)

    outputs = [n for n in graph.nodes if connections.out_degree(n) == 0]
    _check_network(graph, input_ids, outputs, training, report)
    # read top to bottom like the file: network-wide problems first, then node by node
    report.problems.sort(key=lambda p: -1 if p.node is None else position[p.node])
    return Analysis(report.problems, nodes, order, input_ids, outputs, graph)


def _check_node(node_id: str, graph: Graph, report: _Collector) -> NodeReport:
    node = graph.nodes[node_id]
    why = id_problem(node_id)
    if why:
        report.node(node_id, f"the id '{node_id}' cannot name a layer: {why}")
    spec = spec_for(node.type)
    if spec is None:
        guess = closest(node.type, list(CATALOGUE))
        hint = f"; did you mean '{guess}'?" if guess else "; pick a layer from the palette"
        report.node(node_id, f"unknown layer type '{node.type}'{hint}")
        return NodeReport(None, None)
    resolved, valid = spec.defaults(), True
    for name, value in node.params.items():
        param = spec.param(name)
        if param is None:
            names = [p.name for p in spec.params]
            guess = closest(name, names)
            hint = (f"; did you mean '{guess}'?" if guess else
                    f"; {spec.name} takes {', '.join(names)}" if names else
                    f"; {spec.name} takes no parameters")
            report.node(node_id, f"unknown parameter '{name}'{hint}")
            valid = False
            continue
        try:
            resolved[name] = param.check(value)
        except ParamError as error:
            report.node(node_id, str(error))
            valid = False
    return NodeReport(spec, resolved if valid else None)


def _check_edges(graph: Graph, report: _Collector) -> list[Edge]:
    """The edges that can carry a tensor; reports the rest."""
    good: list[Edge] = []
    seen: set[Edge] = set()
    for edge in graph.edges:
        missing = [n for n in (edge.source, edge.target) if n not in graph.nodes]
        if missing:
            report.edge(edge, " and ".join(f"there is no node '{n}'" for n in missing)
                        + "; delete the edge or add the node")
        elif edge.source == edge.target:
            report.edge(edge, "connects a node to itself; delete it")
        elif edge in seen:
            report.edge(edge, "appears twice; delete one of them")
        else:
            seen.add(edge)
            good.append(edge)
    return good


def _check_inputs(node_id: str, spec: LayerSpec | None, edges: list[Edge],
                  report: _Collector) -> bool:
    """Whether the number and ports of the node's inputs fit its spec."""
    if spec is None:
        return False
    sources = ", ".join(f"'{e.source}'" for e in edges)
    if spec.is_input:
        if edges:
            report.node(node_id, f"an Input takes no input, but {sources} "
                        f"{'is' if len(edges) == 1 else 'are'} connected to it")
        return not edges
    if not edges:
        report.node(node_id, "has no input; connect a layer's output to it")
        return False
    ports = [e.target_port for e in edges]
    if spec.max_inputs == 1:
        if len(edges) > 1:
            report.node(node_id, f"takes one input but {len(edges)} are connected ({sources}); "
                        "merge them first with Add or Concat")
            return False
        if ports[0] != 0:
            report.node(node_id, f"has one input port (0), but '{edges[0].source}' is "
                        f"connected to port {ports[0]}")
            return False
        return True
    clashes = sorted({p for p in ports if ports.count(p) > 1})
    if clashes:
        for port in clashes:
            names = ", ".join(f"'{e.source}'" for e in edges if e.target_port == port)
            report.node(node_id, f"port {port} has several inputs ({names}); give each "
                        "input its own port")
        return False
    beyond = [e for e in edges if e.target_port >= len(edges)]
    if beyond:
        listed = ", ".join(f"'{e.source}' on port {e.target_port}" for e in beyond)
        report.node(node_id, f"takes its {len(edges)} inputs on ports 0 to {len(edges) - 1} "
                    f"in order, but {listed}; connect "
                    f"{'it' if len(beyond) == 1 else 'them'} again")
        return False
    if len(edges) < spec.min_inputs:
        report.node(node_id, f"has {len(edges)} input but takes {spec.takes_inputs}; "
                    "connect another layer to it")
        return False
    if spec.max_inputs is not None and len(edges) > spec.max_inputs:
        report.node(node_id, f"takes {spec.takes_inputs} but {len(edges)} are connected")
        return False
    return True


def _check_cycles(connections: nx.DiGraph, report: _Collector) -> set[str]:
    on_cycles: set[str] = set()
    for component in nx.strongly_connected_components(connections):
        if len(component) < 2:
            continue
        cycle = nx.find_cycle(connections.subgraph(component))
        path = [u for u, _ in cycle]
        first = min(path, key=list(connections.nodes).index)
        start = path.index(first)
        path = path[start:] + path[:start]
        report.node(first, "is on a cycle " + " → ".join([*path, path[0]]) + "; a network "
                    "must flow one way, so remove one of these connections",
                    related=tuple(path[1:]))
        on_cycles |= component
    return on_cycles


def _infer_node(node_id: str, node: NodeReport, edges: list[Edge], wired: bool,
                nodes: dict[str, NodeReport], report: _Collector) -> None:
    if node.spec is None or node.params is None or not wired:
        return
    inputs = [nodes[e.source].output for e in edges]
    if any(x is None for x in inputs):
        return
    node.inputs = inputs  # type: ignore[assignment]
    try:
        node.output = node.spec.output(node.params, node.inputs)
    except LayerError as error:
        report.node(node_id, str(error))
        return
    node.param_count = node.spec.parameter_count(node.params, node.inputs)
    node.frames = node.spec.frames(node.inputs)
    node.macs = node.spec.forward_macs(node.params, node.inputs, node.output)
    node.kept_bytes = node.spec.kept_bytes(node.params, node.inputs, node.output)
    for advice in node.spec.advice(node.params, node.inputs):
        report.node(node_id, advice, severity="warning")
    if node.spec.name in SIGNAL_LAYERS and len(edges) == 1:
        source = nodes[edges[0].source].spec
        if source is not None and (source.category == "Recurrent"
                                   or source.name in SEQUENCE_MAKERS):
            steps, features = node.inputs[0].shape[:2]
            report.node(node_id, f"reads the sequence {node.inputs[0]} from "
                        f"'{edges[0].source}' as {steps} channels of length {features}, "
                        "so it slides across features, not time; put a Permute [0, 2, 1] "
                        "before it to slide over time", severity="warning")


def _check_network(graph: Graph, input_ids: list[str], outputs: list[str],
                   training: Mapping[str, Any] | None, report: _Collector) -> None:
    if not graph.nodes:
        report.network("the network is empty; start with an Input from the palette")
        return
    if not input_ids:
        report.network("the network has no Input; add one and connect it to the first layer")
    for node_id in input_ids:
        if node_id in outputs and len(graph.nodes) > 1:
            report.node(node_id, "feeds nothing; connect it to a layer or delete it",
                        severity="warning")
    for node_id, node in graph.nodes.items():
        spec = spec_for(node.type)
        if spec is not None and spec.ends_network and node_id not in outputs:
            report.node(node_id, f"{node.type} only ends a network (it hands the output on "
                        "to code outside); connect nothing after it")
    loss = training.get("loss") if isinstance(training, Mapping) else None
    for node_id in outputs:
        layer_type = graph.nodes[node_id].type
        if layer_type == "Dropout":
            report.node(node_id, "is an output: dropout at the very end only adds noise to "
                        "the predictions; remove it or move it before the last layer",
                        severity="warning")
        if layer_type == "Softmax" and loss in SOFTMAX_LOSSES:
            report.node(node_id, f"{loss} applies softmax itself, so a Softmax output "
                        "squashes the scores twice and trains badly; remove it",
                        severity="warning")
