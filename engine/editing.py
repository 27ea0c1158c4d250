"""Editing rules that do not depend on a window: which connections a graph can take, and
how nodes copied from one project enter another."""

from __future__ import annotations

import copy
import re

import networkx as nx

from engine.analysis import Analysis
from engine.catalogue import LayerError, ParamError, spec_for
from engine.catalogue.sharing import renamed as shared_renamed
from engine.graph import Edge, Graph, Node, unique_id


def connection_problem(graph: Graph, analysis: Analysis | None, source: str, target: str,
                       port: int = 0) -> str | None:
    """Why `source → target` cannot be connected (None when it can). Checked while the user
    drags a connection, so it must be fast."""
    if source not in graph.nodes or target not in graph.nodes:
        return "both ends must be layers"
    if source == target:
        return "a layer cannot feed itself"
    spec = spec_for(graph.nodes[target].type)
    if spec is None:
        return f"'{target}' is an unknown layer type"
    if spec.is_input:
        return "an Input takes no input"
    incoming = graph.incoming(target)
    if any(e.source == source and e.target_port == port for e in incoming):
        return "these layers are already connected"
    if any(e.target_port == port for e in incoming):
        return (f"'{target}' takes one input and already has one" if spec.max_inputs == 1
                else f"port {port} of '{target}' is taken")
    if nx.has_path(graph.to_networkx(), target, source):
        return f"it would make a cycle: '{target}' already feeds '{source}'"
    if spec.max_inputs != 1 or analysis is None or source not in analysis.nodes:
        return None
    source_output = analysis.nodes[source].output
    try:
        params = spec.resolve(graph.nodes[target].params)
    except (ParamError, KeyError):
        return None  # the target's own parameters are wrong; validation says so
    if source_output is None:
        return None
    try:
        spec.output(params, [source_output])
    except LayerError as error:
        return f"{spec.name} {error}"
    return None


def fragment(graph: Graph, node_ids: list[str]) -> Graph:
    """The chosen nodes and the edges among them: what copy and duplicate take."""
    chosen = set(node_ids)
    nodes = [copy.deepcopy(graph.nodes[n]) for n in graph.nodes if n in chosen]
    edges = [e for e in graph.edges if e.source in chosen and e.target in chosen]
    return Graph(nodes, edges)


def merge_ids(graph: Graph, incoming: Graph,
              offset: tuple[float, float] = (0.0, 0.0)) -> tuple[list[Node], list[Edge]]:
    """`incoming`'s nodes and edges renamed where their ids are taken in `graph`, and moved by
    `offset`, ready to be added (paste, duplicate)."""
    taken = set(graph.nodes)
    renamed: dict[str, str] = {}
    nodes = []
    for node in incoming.nodes.values():
        new_id = node.id
        if new_id in taken:
            new_id = unique_id(re.sub(r"_\d+$", "", node.id), taken)
        taken.add(new_id)
        renamed[node.id] = new_id
        position = node.position or (0.0, 0.0)
        nodes.append(Node(new_id, node.type, copy.deepcopy(node.params),
                          (position[0] + offset[0], position[1] + offset[1])))
    edges = [Edge(renamed[e.source], renamed[e.target], e.target_port)
             for e in incoming.edges if e.source in renamed and e.target in renamed]
    for node in nodes:  # copies of layers that share weights share the copy's
        node.params = shared_renamed(node.params, renamed)
    return nodes, edges


def next_free_port(graph: Graph, target: str) -> int:
    """The port a new input would take: 0 for single-input layers (taken or not), the first
    unused one for merges."""
    spec = spec_for(graph.nodes[target].type) if target in graph.nodes else None
    if spec is None or spec.max_inputs == 1:
        return 0
    used = {e.target_port for e in graph.incoming(target)}
    port = 0
    while port in used:
        port += 1
    return port



def renumbered_inputs(graph: Graph, targets: set[str]) -> dict[int, Edge]:
    """For merges among `targets` whose input ports have gaps (an input was removed): the
    edges (by index) to renumber so that their ports are 0..n-1 again, in the same order."""
    changes: dict[int, Edge] = {}
    for target in targets:
        spec = spec_for(graph.nodes[target].type) if target in graph.nodes else None
        if spec is None or spec.max_inputs == 1:
            continue
        incoming = sorted((e.target_port, index) for index, e in enumerate(graph.edges)
                          if e.target == target)
        for port, (old, index) in enumerate(incoming):
            if port != old:
                edge = graph.edges[index]
                changes[index] = Edge(edge.source, edge.target, port)
    return changes
