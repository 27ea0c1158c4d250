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
                   node_size: tuple[float, float] = NODE_SIZE,
                   wrap_after: int | None = None) -> dict[str, tuple[float, float]]:
    """A position (top-left corner) for every node: each node one layer after its deepest
    input. With `wrap_after`, a network deeper than that many layers continues in a new
    column (a new row, left to right) beside the last, like text on a page, so that a long
    chain fits a window at a zoom that can be read."""
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
    wrap = wrap_after if wrap_after and wrap_after > 0 else len(graph.nodes) + 1
    band = (max(slot.values(), default=0.0) - min(slot.values(), default=0.0) + 1) * node_gap \
        + node_gap
    positions = {}
    for node_id in graph.nodes:
        page, line = divmod(depth[node_id], wrap)
        along = line * layer_gap
        across = slot[node_id] * node_gap + page * band
        positions[node_id] = ((along, across) if direction == "left-to-right"
                              else (across, along))
    return positions


def wrap_to_fit(graph: Graph, direction: Direction, width: float, height: float,
                node_size: tuple[float, float] = NODE_SIZE) -> int | None:
    """How many layers a column (a row, left to right) of `layered_layout` should hold so
    that the network fits a `width` × `height` area (in scene units), or, when it cannot,
    fits across and runs on along the flow; None when it fits unwrapped."""
    positions = layered_layout(graph, direction, node_size)
    if not positions:
        return None
    along_axis = 1 if direction == "top-to-bottom" else 0
    node_along, node_across = (node_size[1], node_size[0]) if along_axis else node_size
    step = node_along + MARGIN_ALONG
    layers = round(max(p[along_axis] for p in positions.values()) / step) + 1
    across = [p[1 - along_axis] for p in positions.values()]
    band = max(across) - min(across) + node_across + MARGIN_ACROSS + node_across
    room_along, room_across = (height, width) if along_axis else (width, height)
    fitting = max(1, int((room_along - node_along) // step) + 1)
    if layers <= fitting:
        return None
    columns = max(1, int(room_across // band))
    return max(fitting, -(-layers // columns))
