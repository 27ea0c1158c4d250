"""Graph edits the quick fixes are made of. Each works on a copy and leaves node and edge
order as a person would have written it, so an applied fix reads naturally in the file."""

from __future__ import annotations

from typing import Any

from engine.graph import Edge, Graph, Node


def midpoint(graph: Graph, first: str, second: str) -> tuple[float, float] | None:
    a, b = graph.nodes[first].position, graph.nodes[second].position
    if a is None or b is None:
        return a or b
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def insert_between(graph: Graph, edge: Edge, layer_type: str,
                   params: dict[str, Any] | None = None) -> tuple[Graph, str]:
    """A copy of `graph` with a new layer on `edge`: source → new → target. Returns the copy
    and the new node's id."""
    edited = graph.copy()
    new_id = edited.unique_id(layer_type)
    node = Node(new_id, layer_type, dict(params or {}), midpoint(graph, edge.source,
                                                                  edge.target))
    edited.insert_node(node, list(edited.nodes).index(edge.target))
    index = edited.edges.index(edge)
    edited.edges[index:index + 1] = [Edge(edge.source, new_id),
                                     Edge(new_id, edge.target, edge.target_port)]
    return edited, new_id


def remove_keeping_flow(graph: Graph, node_id: str) -> Graph:
    """A copy without a single-input node, its input wired straight to what it fed."""
    edited = graph.copy()
    (feeding,) = edited.incoming(node_id)
    rewired = []
    for edge in edited.edges:
        if edge.target == node_id:
            continue
        if edge.source == node_id:
            edge = Edge(feeding.source, edge.target, edge.target_port)
        rewired.append(edge)
    edited.edges = rewired
    del edited.nodes[node_id]
    return edited


def set_params(graph: Graph, node_id: str, changes: dict[str, Any],
               removed: tuple[str, ...] = ()) -> Graph:
    """A copy with some of a node's parameters set (or dropped), keeping their order."""
    edited = graph.copy()
    params = edited.nodes[node_id].params
    for name in removed:
        params.pop(name, None)
    params.update(changes)
    return edited


def rename_param(graph: Graph, node_id: str, old: str, new: str) -> Graph:
    """A copy with one parameter's name corrected in place."""
    edited = graph.copy()
    node = edited.nodes[node_id]
    if new in node.params:
        # both spellings set: the correct one is what the user meant to keep
        del node.params[old]
    else:
        node.params = {(new if name == old else name): value
                       for name, value in node.params.items()}
    return edited


def set_type(graph: Graph, node_id: str, layer_type: str) -> Graph:
    edited = graph.copy()
    edited.nodes[node_id].type = layer_type
    return edited


def connect(graph: Graph, source: str, target: str, port: int = 0) -> Graph:
    edited = graph.copy()
    edited.add_edge(Edge(source, target, port))
    return edited
