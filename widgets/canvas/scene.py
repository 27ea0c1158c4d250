"""The scene: a view of an engine Graph as node, port and edge items.

It never edits the graph. What the user does (connect, move, delete, drop a layer) leaves as
signals; the application turns them into undoable commands, changes the graph, and calls
`sync()`, which brings the items in line by diffing (only what changed is touched, so a
sync stays cheap on large graphs).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSceneMouseEvent

from engine.analysis import Analysis, Problem
from engine.catalogue import LayerSpec, spec_for
from engine.editing import connection_problem, next_free_port
from engine.graph import Edge, Graph
from engine.layout import layered_layout
from widgets.canvas.connection import ConnectionDrag
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.flow import PortKind
from widgets.canvas.node_item import NodeItem, status_for
from widgets.canvas.port_item import PortItem
from widgets.canvas.style import NODE_GAP, NODE_HEIGHT, NODE_WIDTH, CanvasLook, Flow

ConnectionCheck = Callable[[str, str, int], str | None]
"""(source, target, target port) → None when the connection is allowed, else the reason."""
EdgeKey = tuple[Edge, int]
"""An edge and which of its equal copies it is: a broken file may hold one edge twice, and
each copy gets its item so that deleting one leaves the other shown."""


def input_port_count(spec: LayerSpec | None, used_ports: set[int]) -> int:
    """Merge nodes (no input limit) show a port per connected input plus a free one; the
    others show the inputs they need. Ports an edge uses are always shown, even ones the
    layer does not have (a broken file), so every edge has somewhere to end."""
    highest_used = max(used_ports, default=-1)
    if spec is None:
        return max(1, highest_used + 1)
    if spec.max_inputs is None:
        return max(spec.min_inputs, highest_used + 2)
    return max(spec.min_inputs, highest_used + 1)


class GraphScene(QGraphicsScene):
    connect_requested = Signal(str, str, int)
    """source, target, target port: the user dropped a connection on a valid target."""
    nodes_moved = Signal(dict)
    """{node id: ((old x, old y), (new x, new y))}, once when a drag of nodes ends."""
    delete_requested = Signal(list, list)
    """node ids, and the selected Edges not attached to those nodes (deleting a node takes
    its edges with it)."""
    layer_dropped = Signal(str, QPointF)
    """layer type and the scene point under the cursor, when a palette entry is dropped."""
    selection_ids_changed = Signal(list)
    """the selected node ids, in graph order."""
    node_double_clicked = Signal(str)
    read_only_changed = Signal(bool, str)
    """read-only and the message to show: views show it as a banner."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.look = CanvasLook(self.palette(), self.font())
        self._graph = Graph()
        self._analysis: Analysis | None = None
        self._node_items: dict[str, NodeItem] = {}
        self._edge_items: dict[EdgeKey, EdgeItem] = {}
        self._check: ConnectionCheck | None = None
        self._check_cache: dict[tuple[str, int], str | None] = {}
        self._read_only = False
        self._read_only_message = ""
        self._connection: ConnectionDrag | None = None
        self._move_start: dict[str, QPointF] | None = None
        self._selection_quiet = 0
        self._reported_selection: list[str] = []
        self.selectionChanged.connect(self._on_selection_changed)

    # ------------------------------------------------------------------ state

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def analysis(self) -> Analysis | None:
        return self._analysis

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def read_only_message(self) -> str:
        return self._read_only_message

    @property
    def flow(self) -> Flow:
        return self.look.flow

    @property
    def connection_drag(self) -> ConnectionDrag | None:
        """The connection being dragged (its `.hint.text()` is the reason shown), if any."""
        return self._connection

    def node_item(self, node_id: str) -> NodeItem | None:
        return self._node_items.get(node_id)

    def node_items(self) -> list[NodeItem]:
        return list(self._node_items.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edge_items.values())

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        return self._edge_items.get((edge, 0))

    def port_scene_pos(self, node_id: str, kind: PortKind, index: int = 0) -> QPointF:
        return self._node_items[node_id].port_scene_pos(kind, index)

    # ------------------------------------------------------------------ showing a graph

    def set_graph(self, graph: Graph) -> None:
        """Show `graph` instead of the one shown; its analysis is cleared until
        set_analysis."""
        self._cancel_connection()
        self._move_start = None
        with self._quiet_selection():
            for item in self._edge_items.values():
                self.removeItem(item)
            for item in self._node_items.values():
                self.removeItem(item)
            self._edge_items.clear()
            self._node_items.clear()
            self._graph = graph
            self._analysis = None
            self._check_cache.clear()
            self.sync()

    def sync(self) -> None:
        """Bring the items in line with the graph after any change to it."""
        self._check_cache.clear()
        with self._quiet_selection():
            self._sync_nodes()
            self._sync_edges()
            self._sync_ports()
        if self._connection is not None and \
                self._node_items.get(self._connection.source_id) is not self._connection.source:
            self._cancel_connection()  # the node it started from is gone

    def _sync_nodes(self) -> None:
        graph = self._graph
        gone = {node_id: item for node_id, item in self._node_items.items()
                if node_id not in graph.nodes}
        for node_id in gone:
            del self._node_items[node_id]
        # Graph.rename_node keeps the Node object: its item lives on under the new id, so
        # the node keeps its place, its edges' items are rebuilt, and it stays selected
        renamed = {id(item.node): item for item in gone.values()}
        automatic = layered_layout(graph, self.flow) if not self._node_items and graph.nodes \
            and all(node.position is None for node in graph.nodes.values()) else {}
        placed_later = []
        for node_id, node in graph.nodes.items():
            item = self._node_items.get(node_id)
            if item is None:
                item = renamed.pop(id(node), None)
                if item is None:
                    item = NodeItem(node, self.look)
                    item.set_movable(not self._read_only)
                    if node.position is None and node_id not in automatic:
                        placed_later.append(item)
                    self.addItem(item)
                self._node_items[node_id] = item
            item.show_node(node)
            position = node.position or automatic.get(node_id)
            if self._move_start is not None and node_id in self._move_start:
                continue  # under the user's mouse: nodes_moved will bring its new place
            if position is not None and (item.x(), item.y()) != tuple(position):
                item.setPos(float(position[0]), float(position[1]))
        for item in renamed.values():
            for edge in list(item.edges):
                self._remove_edge_item(edge)
            self.removeItem(item)
        for item in placed_later:
            item.setPos(self._free_spot(item.node_id))

    def _sync_edges(self) -> None:
        wanted: dict[EdgeKey, Edge] = {}
        copies: Counter[Edge] = Counter()
        for edge in self._graph.edges:
            if edge.source in self._node_items and edge.target in self._node_items:
                wanted[(edge, copies[edge])] = edge
                copies[edge] += 1
        for key, item in list(self._edge_items.items()):
            if key not in wanted or item.source_item is not self._node_items[key[0].source] \
                    or item.target_item is not self._node_items[key[0].target]:
                self._remove_edge_item(item)
        if len(self._edge_items) == len(wanted):
            return
        broken = self._broken_edges()
        for key, edge in wanted.items():
            if key not in self._edge_items:
                item = EdgeItem(edge, self._node_items[edge.source],
                                self._node_items[edge.target], self.look)
                item.key = key
                item.set_label(self._label_for(edge))
                item.set_broken(edge in broken)
                self._edge_items[key] = item
                self.addItem(item)

    def _remove_edge_item(self, item: EdgeItem) -> None:
        item.detach()
        if self._edge_items.get(item.key) is item:
            del self._edge_items[item.key]
        if item.scene() is self:
            self.removeItem(item)

    def _sync_ports(self) -> None:
        used: dict[str, set[int]] = defaultdict(set)
        feeding: set[str] = set()
        for edge, _ in self._edge_items:
            used[edge.target].add(edge.target_port)
            feeding.add(edge.source)
        for node_id, item in self._node_items.items():
            ports = used.get(node_id, set())
            count = input_port_count(spec_for(item.face.layer_type), ports)
            if len(item.input_ports) != count or item.output_port is None:
                item.set_port_counts(count, has_output=True)
                for edge in item.edges:
                    edge.update_path()
            for port in item.input_ports:
                port.set_connected(port.index in ports)
            if item.output_port is not None:
                item.output_port.set_connected(node_id in feeding)

    def _free_spot(self, node_id: str) -> QPointF:
        """Where a node without a position goes: after its first input if it has one,
        else below everything, moved sideways until it overlaps no other node."""
        incoming = self._graph.incoming(node_id)
        source = self._node_items.get(incoming[0].source) if incoming else None
        step_along = (NODE_HEIGHT if self.flow == "top-to-bottom" else NODE_WIDTH) + NODE_GAP
        if source is not None and source.node_id != node_id:
            start = source.pos() + (QPointF(0, step_along) if self.flow == "top-to-bottom"
                                    else QPointF(step_along, 0))
        else:
            others = [i.sceneBoundingRect() for i in self._node_items.values()
                      if i.node_id != node_id and i.node.position is not None]
            if others:
                bounds = others[0]
                for rect in others[1:]:
                    bounds = bounds.united(rect)
                start = QPointF(bounds.left(), bounds.bottom() + NODE_GAP) \
                    if self.flow == "top-to-bottom" else \
                    QPointF(bounds.right() + NODE_GAP, bounds.top())
            else:
                start = QPointF(0, 0)
        step = QPointF(NODE_WIDTH + NODE_GAP, 0) if self.flow == "top-to-bottom" else \
            QPointF(0, NODE_HEIGHT + NODE_GAP)
        spot = QPointF(start)
        for _ in range(1000):
            area = QRectF(spot, QPointF(spot.x() + NODE_WIDTH, spot.y() + NODE_HEIGHT))
            area.adjust(-NODE_GAP / 2, -NODE_GAP / 2, NODE_GAP / 2, NODE_GAP / 2)
            if not any(isinstance(i, NodeItem) and i.node_id != node_id
                       for i in self.items(area)):
                break
            spot += step
        return QPointF(round(spot.x()), round(spot.y()))

    # ------------------------------------------------------------------ analysis

    def set_analysis(self, analysis: Analysis | None) -> None:
        """Show shapes on the edges, parameter counts on the nodes and problems as
        outlines and tooltips."""
        self._analysis = analysis
        self._check_cache.clear()
        problems: dict[str, list[Problem]] = defaultdict(list)
        for problem in analysis.problems if analysis else []:
            if problem.node is not None:
                problems[problem.node].append(problem)
            for other in problem.related:
                if other != problem.node:
                    problems[other].append(problem)
        reports = analysis.nodes if analysis else {}
        for node_id, item in self._node_items.items():
            report = reports.get(node_id)
            item.set_status(status_for(report.output if report else None,
                                       report.param_count if report else None,
                                       problems.get(node_id, ())))
        broken = self._broken_edges()
        for (edge, _), item in self._edge_items.items():
            item.set_label(self._label_for(edge))
            item.set_broken(edge in broken)

    def _label_for(self, edge: Edge) -> str:
        if self._analysis is None:
            return ""
        report = self._analysis.nodes.get(edge.source)
        return "?" if report is None or report.output is None else str(report.output)

    def _broken_edges(self) -> set[Edge]:
        if self._analysis is None:
            return set()
        return {p.edge for p in self._analysis.problems
                if p.edge is not None and p.severity == "error"}

    # ------------------------------------------------------------------ settings

    def set_connection_check(self, check: ConnectionCheck | None) -> None:
        """Who decides, while the user drags, whether a connection is allowed. Without one
        the engine's editing rules decide, against the shown graph and analysis."""
        self._check = check
        self._check_cache.clear()

    def set_read_only(self, read_only: bool, message: str = "") -> None:
        """No moving, connecting, deleting or dropping; selecting and inspecting stay."""
        self._read_only, self._read_only_message = read_only, message if read_only else ""
        if read_only:
            self._cancel_connection()
            self._move_start = None
        for item in self._node_items.values():
            item.set_movable(not read_only)
        self.read_only_changed.emit(self._read_only, self._read_only_message)

    def set_flow(self, flow: Flow) -> None:
        """Put inputs on the top and the output at the bottom of nodes, or on the left and
        the right; match engine.layout.layered_layout's direction."""
        if flow == self.look.flow:
            return
        self.look.flow = flow
        for item in self._node_items.values():
            item.place_ports()
        for edge in self._edge_items.values():
            edge.update_path()

    # ------------------------------------------------------------------ selection

    def selected_node_ids(self) -> list[str]:
        chosen = {item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)}
        return [node_id for node_id in self._graph.nodes if node_id in chosen]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def select_nodes(self, ids: list[str]) -> None:
        wanted = set(ids)
        with self._quiet_selection():
            for item in self.selectedItems():
                if not (isinstance(item, NodeItem) and item.node_id in wanted):
                    item.setSelected(False)
            for node_id in ids:
                item = self._node_items.get(node_id)
                if item is not None:
                    item.setSelected(True)

    def select_all(self) -> None:
        with self._quiet_selection():
            for item in (*self._node_items.values(), *self._edge_items.values()):
                item.setSelected(True)

    @contextmanager
    def _quiet_selection(self) -> Iterator[None]:
        """Hold selection_ids_changed back during bulk changes, then send it once."""
        self._selection_quiet += 1
        try:
            yield
        finally:
            self._selection_quiet -= 1
            if not self._selection_quiet:
                self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        if self._selection_quiet:
            return
        ids = self.selected_node_ids()
        if ids != self._reported_selection:
            self._reported_selection = ids
            self.selection_ids_changed.emit(ids)

    # ------------------------------------------------------------------ mouse and keys

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._read_only:
            port = self._output_port_at(event.scenePos())
            if port is not None:
                self._start_connection(port.node_item, event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self._read_only and \
                isinstance(self.mouseGrabberItem(), NodeItem):
            self._move_start = {item.node_id: item.pos() for item in self.selectedItems()
                                if isinstance(item, NodeItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connection is not None:
            self._hover_connection(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connection is not None:
            if event.button() == Qt.MouseButton.LeftButton:
                self._hover_connection(event.scenePos())
                self._finish_connection()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._move_start is not None:
            self._finish_move()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        node = self._node_at(event.scenePos())
        super().mouseDoubleClickEvent(event)
        if node is not None and event.button() == Qt.MouseButton.LeftButton:
            self.node_double_clicked.emit(node.node_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._connection is not None:
            self._cancel_connection()
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            event.accept()
            if not self._read_only:
                self._request_delete()
            return
        super().keyPressEvent(event)

    def _request_delete(self) -> None:
        node_ids = self.selected_node_ids()
        doomed = set(node_ids)
        edges = [edge for edge in self.selected_edges()
                 if edge.source not in doomed and edge.target not in doomed]
        if node_ids or edges:
            self.delete_requested.emit(node_ids, edges)

    def _finish_move(self) -> None:
        start, self._move_start = self._move_start or {}, None
        moved = {}
        for node_id, old in start.items():
            item = self._node_items.get(node_id)
            if item is None or item.pos() == old:
                continue
            # whole units keep project files tidy; zoomed drags land on fractions
            item.setPos(round(item.x()), round(item.y()))
            moved[node_id] = ((old.x(), old.y()), (item.x(), item.y()))
        if moved:
            self.nodes_moved.emit(moved)

    # ------------------------------------------------------------------ connecting

    def _items_at(self, point: QPointF) -> list[QGraphicsItem]:
        return self.items(point, Qt.ItemSelectionMode.IntersectsItemShape,
                          Qt.SortOrder.DescendingOrder)

    def _output_port_at(self, point: QPointF) -> PortItem | None:
        for item in self._items_at(point):
            if isinstance(item, PortItem):
                return item if item.kind == "out" else None
            if isinstance(item, NodeItem):
                return None
        return None

    def _node_at(self, point: QPointF) -> NodeItem | None:
        for item in self._items_at(point):
            if isinstance(item, PortItem):
                return item.node_item
            if isinstance(item, NodeItem):
                return item
        return None

    def _start_connection(self, source: NodeItem, point: QPointF) -> None:
        self._cancel_connection()
        self._check_cache.clear()
        self.clearSelection()
        self._connection = ConnectionDrag(self, self.look, source)
        self._connection.hover(point, None, None)

    def _hover_connection(self, point: QPointF) -> None:
        assert self._connection is not None
        target = self._connection_target_at(point)
        reason = None
        if target is not None:
            reason = self._connection_reason(target[0].node_id, target[1])
        self._connection.hover(point, target, reason)

    def _connection_target_at(self, point: QPointF) -> tuple[NodeItem, int] | None:
        """The node and input port a release at `point` would connect to: the port under
        the cursor, or the next free port of the node under it."""
        assert self._connection is not None
        for item in self._items_at(point):
            if isinstance(item, PortItem) and item.kind == "in":
                return item.node_item, item.index
            node = item.node_item if isinstance(item, PortItem) else item
            if isinstance(node, NodeItem):
                if node is self._connection.source:
                    return None  # still over where the drag began: no verdict yet
                return node, self._body_port(node.node_id)
        return None

    def _body_port(self, node_id: str) -> int:
        port = next_free_port(self._graph, node_id) if node_id in self._graph.nodes else 0
        spec = spec_for(self._graph.nodes[node_id].type) if node_id in self._graph.nodes \
            else None
        if spec is not None and spec.max_inputs is not None and port >= spec.max_inputs:
            return 0  # a full single-input layer: the check says it already has an input
        return port

    def _connection_reason(self, target: str, port: int) -> str | None:
        assert self._connection is not None
        key = (target, port)
        if key not in self._check_cache:
            # checks may walk the graph; the mouse moves far more often than the target
            source = self._connection.source_id
            if self._check is not None:
                self._check_cache[key] = self._check(source, target, port)
            else:
                self._check_cache[key] = connection_problem(self._graph, self._analysis,
                                                            source, target, port)
        return self._check_cache[key]

    def _finish_connection(self) -> None:
        drag, self._connection = self._connection, None
        if drag is None:
            return
        drag.finish()
        if drag.accepted and drag.target is not None:
            node, port = drag.target
            self.connect_requested.emit(drag.source_id, node.node_id, port)

    def _cancel_connection(self) -> None:
        drag, self._connection = self._connection, None
        if drag is not None:
            drag.finish()

    # ------------------------------------------------------------------ palette and font

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.look.set_palette(self.palette())
            self.update()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.look.set_font(self.font())
            for item in self._node_items.values():
                item.refresh_texts()
                item.update()
            for edge in self._edge_items.values():
                edge.update_path()
        return super().event(event)
