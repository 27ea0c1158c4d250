"""Automatic layered layout: layers flow left-to-right or top-to-bottom, computed with
networkx, with crossings reduced by ordering each layer by its neighbours' positions."""

from __future__ import annotations

from typing import Literal

import networkx as nx

from engine.graph import Graph

Direction = Literal["left-to-right", "top-to-bottom"]
NODE_SIZE = (190.0, 64.0)
"""The width and height the canvas gives a node, in scene units."""
MARGIN_ALONG, MARGIN_ACROSS = 70.0, 40.0
"""Free space between consecutive layers, and between nodes of one layer."""


def layered_layout(graph: Graph, direction: Direction = "top-to-bottom",
                   node_size: tuple[float, float] = NODE_SIZE
                   ) -> dict[str, tuple[float, float]]:
    """A position (top-left corner) for every node: each node one layer after its deepest
    input."""
    width, height = node_size
    if direction == "left-to-right":
        layer_gap, node_gap = width + MARGIN_ALONG, height + MARGIN_ACROSS
    else:
        layer_gap, node_gap = height + MARGIN_ALONG, width + MARGIN_ACROSS
    connections = graph.to_networkx()
    # cycles are errors the user is fixing; lay them out as if the back edges were absent
    acyclic = nx.DiGraph(connections)
    while not nx.is_directed_acyclic_graph(acyclic):
        acyclic.remove_edge(*nx.find_cycle(acyclic)[-1][:2])
    depth: dict[str, int] = {}
    for node_id in nx.topological_sort(acyclic):
        depth[node_id] = max((depth[p] + 1 for p in acyclic.predecessors(node_id)), default=0)
    layers: dict[int, list[str]] = {}
    order = {node_id: index for index, node_id in enumerate(graph.nodes)}
    for node_id in graph.nodes:
        layers.setdefault(depth[node_id], []).append(node_id)
    slot: dict[str, float] = {}
    for level in sorted(layers):
        members = layers[level]
        wanted = {}
        for node_id in members:
            parents = [slot[p] for p in acyclic.predecessors(node_id) if p in slot]
            wanted[node_id] = sum(parents) / len(parents) if parents else None
        if all(w is None for w in wanted.values()):
            for index, node_id in enumerate(members):
                slot[node_id] = index - (len(members) - 1) / 2
            continue
        # each node as close to its inputs as the others allow: chains stay straight
        members.sort(key=lambda n: (wanted[n] if wanted[n] is not None else float("inf"),
                                    order[n]))
        placed: list[float] = []
        for node_id in members:
            target = wanted[node_id] if wanted[node_id] is not None else (
                placed[-1] + 1 if placed else 0.0)
            placed.append(max(target, placed[-1] + 1) if placed else target)
        known = [w for w in wanted.values() if w is not None]
        shift = sum(known) / len(known) - sum(placed) / len(placed)
        if all(w is not None for w in wanted.values()) and len(members) == len(set(
                wanted.values())):
            shift = 0.0  # nothing collided: keep every node exactly on its inputs' line
        for node_id, value in zip(members, placed, strict=True):
            slot[node_id] = value + shift
    positions = {}
    for node_id in graph.nodes:
        along, across = depth[node_id] * layer_gap, slot[node_id] * node_gap
        positions[node_id] = ((along, across) if direction == "left-to-right"
                              else (across, along))
    return positions
