"""The items that show one graph: a NodeItem per node and an EdgeItem per edge, brought in
line with the graph by diffing (only what changed is touched, so that syncing stays cheap on
large graphs), and the analysis shown on them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Container, Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene

from engine.analysis import Analysis, Problem
from engine.catalogue import LayerSpec, spec_for
from engine.graph import Edge, Graph
from engine.layout import layered_layout
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.heat import Heat
from widgets.canvas.node_item import NodeItem, status_for
from widgets.canvas.style import NODE_GAP, NODE_HEIGHT, NODE_WIDTH, CanvasLook
from widgets.node_figures import CostFigures

EdgeKey = tuple[Edge, int]
"""An edge and which of its equal copies it is: a broken file may hold one edge twice, and
each copy gets its item so that deleting one leaves the other shown."""


def input_port_count(spec: LayerSpec | None, used_ports: set[int]) -> int:
    """Merge nodes (no input limit) show a port per connected input plus a free one; the
    others show the inputs they need. Ports an edge uses are shown, even ones the layer does
    not have (a broken file), so every edge has somewhere to end; but never more than a
    couple beyond the edges there are: an edge into port 10,000,000 of a damaged file ends
    where that port would be (NodeItem.port_scene_pos), not on ten million port items."""
    highest_used = min(max(used_ports, default=-1), len(used_ports) + 1)
    if spec is None:
        return max(1, highest_used + 1)
    if spec.max_inputs is None:
        return max(spec.min_inputs, highest_used + 2)
    return max(spec.min_inputs, highest_used + 1)


def edge_label(analysis: Analysis | None, edge: Edge) -> str:
    """The shape the edge carries, '?' where the analysis could not tell, '' without one."""
    if analysis is None:
        return ""
    carried = analysis.edge_outputs.get((edge.source, edge.target))
    if carried is not None:
        return str(carried)
    report = analysis.nodes.get(edge.source)
    return "?" if report is None or report.output is None else str(report.output)


def broken_edges(analysis: Analysis | None) -> set[Edge]:
    if analysis is None:
        return set()
    return {p.edge for p in analysis.problems if p.edge is not None and p.severity == "error"}


class GraphItems:
    """`nodes` by node id and `edges` by EdgeKey, all of them in `scene`."""

    def __init__(self, scene: QGraphicsScene, look: CanvasLook):
        self._scene = scene
        self._look = look
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[EdgeKey, EdgeItem] = {}

    def remove_all(self) -> None:
        for item in self.edges.values():
            self._scene.removeItem(item)
        for item in self.nodes.values():
            self._scene.removeItem(item)
        self.edges.clear()
        self.nodes.clear()

    def sync(self, graph: Graph, analysis: Analysis | None, movable: bool,
             held: Container[str]) -> None:
        """Brings the items in line with `graph`; new nodes are `movable` or not, and the
        nodes in `held` (under the user's mouse) stay where the mouse put them."""
        self._sync_nodes(graph, movable, held)
        self._sync_edges(graph, analysis)
        self._sync_ports()

    def show_analysis(self, analysis: Analysis | None, extra: Sequence[Problem] = ()) -> None:
        """Shapes on the edges, parameter counts on the nodes and problems (the analysis's
        and `extra` ones, a run's say) as outlines and tooltips."""
        problems: dict[str, list[Problem]] = defaultdict(list)
        for problem in [*(analysis.problems if analysis else []), *extra]:
            if problem.node is not None:
                problems[problem.node].append(problem)
            for other in problem.related:
                if other != problem.node:
                    problems[other].append(problem)
        reports = analysis.nodes if analysis else {}
        for node_id, item in self.nodes.items():
            report = reports.get(node_id)
            item.set_status(status_for(report.output if report else None,
                                       report.param_count if report else None,
                                       problems.get(node_id, ()),
                                       report.frames if report else None))
        broken = broken_edges(analysis)
        for (edge, _), item in self.edges.items():
            item.set_label(edge_label(analysis, edge))
            item.set_broken(edge in broken)

    def show_figures(self, figures: Mapping[str, CostFigures]) -> None:
        for node_id, item in self.nodes.items():
            item.set_figures(figures.get(node_id))

    def show_heat(self, heat: Heat | None) -> None:
        levels = heat.levels() if heat is not None else {}
        for node_id, item in self.nodes.items():
            item.set_heat_level(levels.get(node_id))

    def _sync_nodes(self, graph: Graph, movable: bool, held: Container[str]) -> None:
        gone = {node_id: item for node_id, item in self.nodes.items()
                if node_id not in graph.nodes}
        for node_id in gone:
            del self.nodes[node_id]
        # Graph.rename_node keeps the Node object: its item lives on under the new id, so
        # the node keeps its place, its edges' items are rebuilt, and it stays selected
        renamed = {id(item.node): item for item in gone.values()}
        automatic = layered_layout(graph, self._look.flow) if not self.nodes and graph.nodes \
            and all(node.position is None for node in graph.nodes.values()) else {}
        placed_later = []
        for node_id, node in graph.nodes.items():
            item = self.nodes.get(node_id)
            if item is None:
                item = renamed.pop(id(node), None)
                if item is None:
                    item = NodeItem(node, self._look)
                    item.set_movable(movable)
                    if node.position is None and node_id not in automatic:
                        placed_later.append(item)
                    self._scene.addItem(item)
                self.nodes[node_id] = item
            item.show_node(node)
            position = node.position or automatic.get(node_id)
            if node_id in held:
                continue  # under the user's mouse: nodes_moved will bring its new place
            if position is not None and (item.x(), item.y()) != tuple(position):
                item.setPos(float(position[0]), float(position[1]))
        for item in renamed.values():
            for edge in list(item.edges):
                self._remove_edge(edge)
            self._scene.removeItem(item)
        for item in placed_later:
            item.setPos(self._free_spot(graph, item.node_id))

    def _sync_edges(self, graph: Graph, analysis: Analysis | None) -> None:
        wanted: dict[EdgeKey, Edge] = {}
        copies: Counter[Edge] = Counter()
        for edge in graph.edges:
            if edge.source in self.nodes and edge.target in self.nodes:
                wanted[(edge, copies[edge])] = edge
                copies[edge] += 1
        for key, item in list(self.edges.items()):
            if key not in wanted or item.source_item is not self.nodes[key[0].source] \
                    or item.target_item is not self.nodes[key[0].target]:
                self._remove_edge(item)
        if len(self.edges) == len(wanted):
            return
        broken = broken_edges(analysis)
        for key, edge in wanted.items():
            if key not in self.edges:
                item = EdgeItem(edge, self.nodes[edge.source], self.nodes[edge.target],
                                self._look)
                item.key = key
                item.set_label(edge_label(analysis, edge))
                item.set_broken(edge in broken)
                self.edges[key] = item
                self._scene.addItem(item)

    def _remove_edge(self, item: EdgeItem) -> None:
        item.detach()
        if self.edges.get(item.key) is item:
            del self.edges[item.key]
        if item.scene() is self._scene:
            self._scene.removeItem(item)

    def _sync_ports(self) -> None:
        used: dict[str, set[int]] = defaultdict(set)
        feeding: set[str] = set()
        for edge, _ in self.edges:
            used[edge.target].add(edge.target_port)
            feeding.add(edge.source)
        for node_id, item in self.nodes.items():
            ports = used.get(node_id, set())
            if item.is_block:
                count = max(item.node.params.get("inputs", 1),
                            min(max(ports, default=-1), len(ports) + 1) + 1)
            else:
                count = input_port_count(spec_for(item.face.layer_type), ports)
            if len(item.input_ports) != count or item.output_port is None:
                item.set_port_counts(count, has_output=True)
                for edge in item.edges:
                    edge.update_path()
            for port in item.input_ports:
                port.set_connected(port.index in ports)
            if item.output_port is not None:
                item.output_port.set_connected(node_id in feeding)

    def _free_spot(self, graph: Graph, node_id: str) -> QPointF:
        """Where a node without a position goes: after its first input if it has one,
        else below everything, moved sideways until it overlaps no other node."""
        flow = self._look.flow
        incoming = graph.incoming(node_id)
        source = self.nodes.get(incoming[0].source) if incoming else None
        step_along = (NODE_HEIGHT if flow == "top-to-bottom" else NODE_WIDTH) + NODE_GAP
        if source is not None and source.node_id != node_id:
            start = source.pos() + (QPointF(0, step_along) if flow == "top-to-bottom"
                                    else QPointF(step_along, 0))
        else:
            others = [i.sceneBoundingRect() for i in self.nodes.values()
                      if i.node_id != node_id and i.node.position is not None]
            if others:
                bounds = others[0]
                for rect in others[1:]:
                    bounds = bounds.united(rect)
                start = QPointF(bounds.left(), bounds.bottom() + NODE_GAP) \
                    if flow == "top-to-bottom" else \
                    QPointF(bounds.right() + NODE_GAP, bounds.top())
            else:
                start = QPointF(0, 0)
        step = QPointF(NODE_WIDTH + NODE_GAP, 0) if flow == "top-to-bottom" else \
            QPointF(0, NODE_HEIGHT + NODE_GAP)
        spot = QPointF(start)
        for _ in range(1000):
            area = QRectF(spot, QPointF(spot.x() + NODE_WIDTH, spot.y() + NODE_HEIGHT))
            area.adjust(-NODE_GAP / 2, -NODE_GAP / 2, NODE_GAP / 2, NODE_GAP / 2)
            if not any(isinstance(i, NodeItem) and i.node_id != node_id
                       for i in self._scene.items(area)):
                break
            spot += step
        return QPointF(round(spot.x()), round(spot.y()))
