"""Small helpers to write graphs in tests as readable lists of layers."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from engine.graph import Edge, Graph, Node


def graph_of(*layers: tuple[str, str, dict[str, Any]] | tuple[str, str],
             edges: list[tuple[str, str] | tuple[str, str, int]] | None = None) -> Graph:
    """A graph of the given (id, type[, params]) layers; without `edges` they form a chain."""
    graph = Graph()
    for layer in layers:
        node_id, layer_type = layer[0], layer[1]
        params = layer[2] if len(layer) > 2 else {}
        graph.add_node(Node(node_id, layer_type, dict(params)))
    if edges is None:
        ids = [layer[0] for layer in layers]
        edges = list(pairwise(ids))
    for edge in edges:
        graph.add_edge(Edge(*edge))
    return graph
