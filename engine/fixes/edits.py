"""Graph edits the quick fixes are made of. Each works on a copy and leaves node and edge
order as a person would have written it, so an applied fix reads naturally in the file."""

from __future__ import annotations

from typing import Any

import networkx as nx

from engine.graph import Edge, Graph, Node
from engine.layout import MARGIN_ALONG, NODE_SIZE


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
    _make_room(edited, new_id, edge.source, edge.target)
    return edited, new_id


ROOM_AROUND = 30.0


def _make_room(graph: Graph, new_id: str, source: str, target: str) -> None:
    """When the new layer would lie on others, it takes the target's place and the target
    and what comes after it move on by one layer's room, along the flow."""
    here, start = graph.nodes[new_id].position, graph.nodes[target].position
    before = graph.nodes[source].position
    if here is None or start is None or before is None:
        return
    # a node's face, its ports and the edge labels between need this much room
    width, height = NODE_SIZE[0] + ROOM_AROUND, NODE_SIZE[1] + ROOM_AROUND
    if not any(other.position is not None and other.id != new_id
               and abs(other.position[0] - here[0]) < width
               and abs(other.position[1] - here[1]) < height
               for other in graph.nodes.values()):
        return
    along = 1 if abs(start[1] - before[1]) >= abs(start[0] - before[0]) else 0
    room = NODE_SIZE[along] + MARGIN_ALONG
    graph.nodes[new_id].position = start
    moved = {target} | nx.descendants(graph.to_networkx(), target)
    for node_id in moved:
        position = graph.nodes[node_id].position
        if position is not None:
            graph.nodes[node_id].position = (position[0] + room, position[1]) if along == 0 \
                else (position[0], position[1] + room)
    for block in graph.blocks.values():
        if block.position is not None and block.nodes and set(block.nodes) <= moved:
            x, y = block.position
            block.position = (x + room, y) if along == 0 else (x, y + room)


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
