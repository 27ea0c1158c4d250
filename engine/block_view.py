"""The graph as the canvas shows it: each collapsed block one node, wired where its members
are, carrying its totals. Pure data, so the canvas stays a view of the engine's model.

The block's node has the block's id and the type BLOCK_TYPE, which no layer has; its params
hold what its face says.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from engine.analysis import Analysis, NodeReport, Problem
from engine.blocks import Block, Interface, ancestors, interfaces
from engine.editing import fragment
from engine.graph import Edge, Graph, Node
from engine.layout import Direction, layered_layout

BLOCK_TYPE = "Block"


@dataclass
class BlockView:
    graph: Graph
    """What the canvas shows: the document's own graph when no block is collapsed."""
    hidden: dict[str, str] = field(default_factory=dict)
    """Member of a collapsed block → the block's id."""

    def shown_id(self, node_id: str) -> str:
        return self.hidden.get(node_id, node_id)


def collapsed_view(graph: Graph) -> BlockView:
    shown_collapsed = shown_blocks(graph, collapsed=True)
    if not shown_collapsed:
        return BlockView(graph)
    collapsed = [graph.blocks[b] for b in shown_collapsed]
    hidden = {n: b.id for b in collapsed for n in b.nodes}
    shown = Graph()
    placed: set[str] = set()
    for node_id, node in graph.nodes.items():
        owner = hidden.get(node_id)
        if owner is None:
            shown.nodes[node_id] = node
        elif owner not in placed:
            placed.add(owner)
            shown.nodes[owner] = _block_node(graph, graph.blocks[owner])
    found = interfaces(graph)
    for block in collapsed:
        shown.nodes[block.id].params["inputs"] = max(1, len(block.inputs),
                                                     len(found[block.id].inputs))
    ports = {b.id: _input_ports(b, found[b.id]) for b in collapsed}
    seen: set[Edge] = set()
    for edge in graph.edges:
        source, target = hidden.get(edge.source, edge.source), hidden.get(edge.target,
                                                                           edge.target)
        if source == target and edge.source in hidden:
            continue
        port = edge.target_port
        if target in ports:
            port = ports[target].get((edge.target, edge.target_port), 0)
        shown_edge = Edge(source, target, port)
        if shown_edge not in seen:
            seen.add(shown_edge)
            shown.edges.append(shown_edge)
    return BlockView(shown, hidden)


def shown_blocks(graph: Graph, collapsed: bool) -> list[str]:
    """The blocks the canvas shows, collapsed (as nodes) or open (as frames): those inside
    no collapsed block. A block whose members are not all in the graph is shown open."""
    sound = {b.id for b in graph.blocks.values() if b.nodes
             and all(n in graph.nodes for n in b.nodes) and b.id not in graph.nodes}
    above_of = ancestors(graph)
    shown: list[str] = []
    for block in graph.blocks.values():
        if any(graph.blocks[b].collapsed and b in sound for b in above_of[block.id]):
            continue
        if (block.collapsed and block.id in sound) == collapsed:
            shown.append(block.id)
    return shown


def _block_node(graph: Graph, block: Block) -> Node:
    position = block.position
    if position is None:
        spots = [graph.nodes[n].position for n in block.nodes
                 if graph.nodes[n].position is not None]
        position = (min(p[0] for p in spots), min(p[1] for p in spots)) if spots else None
    return Node(block.id, BLOCK_TYPE, {"name": block.class_name, "repeat": block.repeat,
                                       "layers": len(block.nodes), "inputs": 1}, position)


def _input_ports(block: Block, found: Interface) -> dict[tuple[str, int], int]:
    """(member, port) → which input of the block it is."""
    ports: dict[tuple[str, int], int] = {}
    for index, feeds in enumerate(block.inputs):
        for feed in feeds:
            ports.setdefault(feed, index)
    for edge in found.entries:
        key = (edge.target, edge.target_port)
        if key not in ports:
            ports[key] = max(ports.values(), default=-1) + 1
    return ports


def view_analysis(analysis: Analysis, graph: Graph, view: BlockView) -> Analysis:
    """The analysis as the view shows it: each collapsed block a node with its total
    parameters and its output (after its last repetition), its members' problems its own;
    the edges out of an open repeated block carry its last repetition's output."""
    open_repeated = [b for b in shown_blocks(graph, collapsed=False)
                     if graph.blocks[b].repeat != 1]
    if not view.hidden and not open_repeated:
        return analysis
    shown = copy.copy(analysis)
    shown.nodes = dict(analysis.nodes)
    found = interfaces(graph)
    shown.edge_outputs = dict(analysis.edge_outputs)
    for block_id in open_repeated:
        members = set(graph.blocks[block_id].nodes)
        for output in found[block_id].outputs:
            final = analysis.nodes.get(analysis.final_copy(output))
            for edge in view.graph.edges:
                if edge.source == output and edge.target not in members and final and \
                        final.output is not None:
                    shown.edge_outputs[(edge.source, edge.target)] = final.output
    reports_of: dict[str, list[NodeReport]] = {}
    for node_id, report in analysis.nodes.items():
        block_id = view.hidden.get(analysis.origin.get(node_id, node_id))
        if block_id is not None:
            reports_of.setdefault(block_id, []).append(report)
    for block_id in set(view.hidden.values()):
        block = graph.blocks[block_id]
        reports = reports_of.get(block_id, [])
        outputs = found[block_id].outputs
        last = outputs[0] if outputs else block.nodes[-1]
        output_report = analysis.nodes.get(analysis.final_copy(last))
        counts = [r.param_count for r in reports]
        shown.nodes[block_id] = NodeReport(
            None, None, output=output_report.output if output_report else None,
            param_count=None if None in counts else sum(c or 0 for c in counts),
            macs=sum(r.macs or 0 for r in reports))
    shown.problems = [_moved(p, view) for p in analysis.problems]
    return shown


def _moved(problem: Problem, view: BlockView) -> Problem:
    if problem.node not in view.hidden:
        return problem
    return Problem(problem.severity, problem.where, problem.message,
                   node=view.hidden[problem.node], edge=problem.edge,
                   related=tuple(view.shown_id(n) for n in problem.related))


def opened_in_place(graph: Graph, block_id: str,
                    direction: Direction = "top-to-bottom") -> Graph:
    """The graph with the block open where it stood: what it shows (its layers, and the
    blocks inside it as nodes), as they were arranged (or laid out, when they have no
    places), from the block's place on, and what lies after it along the flow moved on by
    the room they take."""
    edited = graph.copy()
    block = edited.blocks[block_id]
    start = collapsed_view(graph).graph.nodes[block_id].position \
        if block.collapsed else None
    block.collapsed = False
    if start is None:
        return edited
    layout = _shown_members(edited, block)
    if any(p is None for p in layout.values()):
        view = collapsed_view(edited)
        layout = layered_layout(fragment(view.graph, list(layout)), direction)
    # what it shows keeps its arrangement, moved to where the block stands
    left = min(p[0] for p in layout.values())
    top = min(p[1] for p in layout.values())
    for shown, (x, y) in layout.items():
        _place(edited, shown, (start[0] + x - left, start[1] + y - top))
    axis = 1 if direction == "top-to-bottom" else 0
    room = max(p[axis] for p in layout.values()) - min(p[axis] for p in layout.values())
    _move_after(edited, block, start, axis, room)
    return edited


def closed_in_place(graph: Graph, block_id: str,
                    direction: Direction = "top-to-bottom") -> Graph:
    """The graph with the open block closed where what it shows begins, and what lies
    after it along the flow moved back by the room it took."""
    edited = graph.copy()
    block = edited.blocks[block_id]
    spots = [p for p in _shown_members(edited, block).values() if p is not None]
    block.collapsed = True
    if not spots:
        return edited
    axis = 1 if direction == "top-to-bottom" else 0
    start = (min(p[0] for p in spots), min(p[1] for p in spots))
    room = max(p[axis] for p in spots) - start[axis]
    block.position = start
    _move_after(edited, block, start, axis, -room, beyond=start[axis] + room)
    return edited


def _shown_members(graph: Graph, block: Block) -> dict[str, tuple[float, float] | None]:
    """What the open block shows (its layers, and the collapsed blocks inside it) → where
    each stands."""
    view = collapsed_view(graph)
    shown = dict.fromkeys(view.shown_id(n) for n in block.nodes)
    return {s: view.graph.nodes[s].position for s in shown if s in view.graph.nodes}


def _place(graph: Graph, shown_id: str, position: tuple[float, float]) -> None:
    if shown_id in graph.blocks:
        graph.blocks[shown_id].position = position
    else:
        graph.nodes[shown_id].position = position


def _move_after(graph: Graph, block: Block, start: tuple[float, float], axis: int,
                room: float, beyond: float | None = None) -> None:
    """Shift the layers and collapsed blocks that come after `start` along `axis`."""
    if not room:
        return
    beyond = start[axis] if beyond is None else beyond
    members = set(block.nodes)
    hidden = collapsed_view(graph).hidden
    for node_id, node in graph.nodes.items():
        if node_id in members or node.position is None or node.position[axis] <= beyond:
            continue
        node.position = _shifted(node.position, axis, room)
    for other in graph.blocks.values():
        if other.id != block.id and other.position is not None and \
                other.position[axis] > beyond and other.nodes and other.nodes[0] in hidden \
                and not set(other.nodes) <= members:
            other.position = _shifted(other.position, axis, room)


def laid_out_by_blocks(graph: Graph, direction: Direction = "top-to-bottom") -> None:
    """Places for everything the canvas can show, in place: the network as it shows with
    every block collapsed, and inside each block what it shows when opened (its layers
    and the blocks inside it as nodes), from the block's own corner."""
    folded = _with_collapsed(graph, lambda block: True)
    view = collapsed_view(folded)
    for shown, position in layered_layout(view.graph, direction).items():
        _place(graph, shown, position)
    held = {block_id: set(block.nodes) for block_id, block in graph.blocks.items()}
    for block_id in sorted(graph.blocks, key=lambda b: -len(held[b])):
        opened_view = collapsed_view(_with_collapsed(
            graph, lambda other, inner=held[block_id]: not inner <= held[other.id]))
        inside = list(dict.fromkeys(opened_view.shown_id(n)
                                    for n in graph.blocks[block_id].nodes))
        corner = graph.blocks[block_id].position or (0.0, 0.0)
        for shown, (x, y) in layered_layout(fragment(opened_view.graph, inside),
                                            direction).items():
            if shown != block_id:
                _place(graph, shown, (corner[0] + x, corner[1] + y))


def _with_collapsed(graph: Graph, collapsed: Callable[[Block], bool]) -> Graph:
    """The graph's nodes and edges (shared, not copied) under copies of its blocks, each
    collapsed or not as `collapsed` says: a view to lay out, cheap for large graphs."""
    shown = Graph()
    shown.nodes, shown.edges = graph.nodes, graph.edges
    shown.blocks = {block_id: replace(block, collapsed=collapsed(block))
                    for block_id, block in graph.blocks.items()}
    return shown


def _shifted(position: tuple[float, float], axis: int, by: float) -> tuple[float, float]:
    return (position[0] + by, position[1]) if axis == 0 else (position[0], position[1] + by)
