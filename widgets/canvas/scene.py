"""The scene: a view of an engine Graph as node, port and edge items.

It never edits the graph. What the user does (connect, move, delete, drop a layer) leaves as
signals; the application turns them into undoable commands, changes the graph, and calls
`sync()`, which brings the items in line by diffing (only what changed is touched, so a
sync stays cheap on large graphs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
)

from engine.analysis import Analysis, Problem
from engine.costs import Costs
from engine.graph import Edge, Graph
from widgets.canvas.block_frame import BlockFrame
from widgets.canvas.connection import ConnectionDrag
from widgets.canvas.connection_dragging import ConnectionCheck, ConnectionDragging
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.flow import PortKind
from widgets.canvas.graph_items import GraphItems
from widgets.canvas.heat import Heat
from widgets.canvas.hits import node_at, output_port_at
from widgets.canvas.node_item import NodeItem
from widgets.canvas.style import CanvasLook, Flow
from widgets.node_figures import CostFigures, figures_for

if TYPE_CHECKING:
    from engine.profiling import Profile


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
    heat_changed = Signal(object)
    """the Heat the nodes are coloured by, or None: views show its legend."""
    context_menu_requested = Signal(str, QPoint)
    """a node id (selected first) and the screen point: the user asked for its menu."""
    block_frame_double_clicked = Signal(str)
    """the id of an open block whose frame's tab was double-clicked."""
    connect_refused = Signal(str, str, int)
    """source, target, target port: the user dropped a connection on a target that cannot
    take it as it is (the application may offer a way through an adapter)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.look = CanvasLook(self.palette(), self.font())
        self._graph = Graph()
        self._analysis: Analysis | None = None
        self._figures: dict[str, CostFigures] = {}
        self._run_problems: list[Problem] = []
        self._heat: Heat | None = None
        self._items = GraphItems(self, self.look)
        self._connecting = ConnectionDragging(self)
        self._read_only = False
        self._read_only_message = ""
        self._move_start: dict[str, QPointF] | None = None
        self._selection_quiet = 0
        self._reported_selection: list[str] = []
        self._frames: dict[str, BlockFrame] = {}
        self._frame_members: dict[str, tuple[str, list[str]]] = {}
        self.selectionChanged.connect(self._on_selection_changed)

    # ------------------------------------------------------------------ state

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def analysis(self) -> Analysis | None:
        return self._analysis

    @property
    def heat(self) -> Heat | None:
        return self._heat

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
        return self._connecting.drag

    def node_item(self, node_id: str) -> NodeItem | None:
        return self._items.nodes.get(node_id)

    def node_items(self) -> list[NodeItem]:
        return list(self._items.nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._items.edges.values())

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        return self._items.edges.get((edge, 0))

    def port_scene_pos(self, node_id: str, kind: PortKind, index: int = 0) -> QPointF:
        return self._items.nodes[node_id].port_scene_pos(kind, index)

    # ------------------------------------------------------------------ showing a graph

    def set_graph(self, graph: Graph) -> None:
        """Show `graph` instead of the one shown; its analysis is cleared until
        set_analysis."""
        self._connecting.cancel()
        self._move_start = None
        with self._quiet_selection():
            self._items.remove_all()
            self._graph = graph
            self._analysis = None
            self._connecting.forget_verdicts()
            self.sync()

    def show_graph(self, graph: Graph) -> None:
        """Show `graph` in place of the one shown, touching only what differs: for views
        that derive the graph they show (blocks collapsed into one node)."""
        self._graph = graph
        self.sync()

    def set_block_frames(self, frames: dict[str, tuple[str, list[str]]]) -> None:
        """Frames round open blocks: block id → (title, member node ids)."""
        self._frame_members = frames
        for block_id in [b for b in self._frames if b not in frames]:
            self.removeItem(self._frames.pop(block_id))
        self._fit_frames()

    def block_frame(self, block_id: str) -> BlockFrame | None:
        return self._frames.get(block_id)

    def _fit_frames(self) -> None:
        # smaller blocks first: a frame round a block that holds another encloses its frame
        ordered = sorted(self._frame_members.items(), key=lambda item: len(item[1][1]))
        fitted: dict[str, tuple[frozenset[str], QRectF]] = {}
        for block_id, (title, members) in ordered:
            items = [self._items.nodes[m] for m in members if m in self._items.nodes]
            if not items:
                continue
            area = items[0].sceneBoundingRect()
            for item in items[1:]:
                area = area.united(item.sceneBoundingRect())
            inside = frozenset(members)
            depth = 0
            for held, held_area in fitted.values():
                if held < inside:
                    area = area.united(held_area)
                    depth += 1
            frame = self._frames.get(block_id)
            if frame is None:
                frame = self._frames[block_id] = BlockFrame(block_id, title, self.look)
                self.addItem(frame)
            frame.fit(area, title)
            frame.setZValue(-1 - depth)
            fitted[block_id] = (inside, frame.boundingRect())

    def sync(self) -> None:
        """Bring the items in line with the graph after any change to it."""
        self._connecting.forget_verdicts()
        with self._quiet_selection():
            self._items.sync(self._graph, self._analysis, movable=not self._read_only,
                             held=self._move_start or {})
        drag = self._connecting.drag
        if drag is not None and self._items.nodes.get(drag.source_id) is not drag.source:
            self._connecting.cancel()  # the node it started from is gone
        self._fit_frames()

    # ------------------------------------------------------------------ analysis

    def set_analysis(self, analysis: Analysis | None) -> None:
        """Show shapes on the edges, parameter counts on the nodes and problems as
        outlines and tooltips."""
        self._analysis = analysis
        self._connecting.forget_verdicts()
        self._items.show_analysis(analysis, self._run_problems)

    def set_run_problems(self, problems: list[Problem]) -> None:
        """Problems found outside the analysis (a training run's unhealthy layers), shown
        on their nodes as the analysis's are."""
        self._run_problems = list(problems)
        self._items.show_analysis(self._analysis, self._run_problems)

    def set_costs(self, costs: Costs | None, profile: Profile | None = None) -> None:
        """Show each node's MACs and memory on its face and its whole cost, with the time
        `profile` measured, in its tooltip."""
        self._figures = figures_for(costs, profile)
        self._items.show_figures(self._figures)

    def figures(self, node_id: str) -> CostFigures | None:
        return self._figures.get(node_id)

    def set_heat(self, heat: Heat | None) -> None:
        """Fill the nodes with the colour of their figure in `heat` (None: their usual
        fill)."""
        self._heat = heat
        self._items.show_heat(heat)
        self.heat_changed.emit(heat)

    # ------------------------------------------------------------------ settings

    def set_connection_check(self, check: ConnectionCheck | None) -> None:
        """Who decides, while the user drags, whether a connection is allowed. Without one
        the engine's editing rules decide, against the shown graph and analysis."""
        self._connecting.set_check(check)

    def set_read_only(self, read_only: bool, message: str = "") -> None:
        """No moving, connecting, deleting or dropping; selecting and inspecting stay."""
        self._read_only, self._read_only_message = read_only, message if read_only else ""
        if read_only:
            self._connecting.cancel()
            self._move_start = None
        for item in self._items.nodes.values():
            item.set_movable(not read_only)
        self.read_only_changed.emit(self._read_only, self._read_only_message)

    def set_flow(self, flow: Flow) -> None:
        """Put inputs on the top and the output at the bottom of nodes, or on the left and
        the right; match engine.layout.layered_layout's direction."""
        if flow == self.look.flow:
            return
        self.look.flow = flow
        for item in self._items.nodes.values():
            item.place_ports()
        for edge in self._items.edges.values():
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
                item = self._items.nodes.get(node_id)
                if item is not None:
                    item.setSelected(True)

    def select_all(self) -> None:
        with self._quiet_selection():
            for item in (*self._items.nodes.values(), *self._items.edges.values()):
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
            port = output_port_at(self, event.scenePos())
            if port is not None:
                self._connecting.start(port.node_item, event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self._read_only and \
                isinstance(self.mouseGrabberItem(), NodeItem):
            self._move_start = {item.node_id: item.pos() for item in self.selectedItems()
                                if isinstance(item, NodeItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connecting.drag is not None:
            self._connecting.hover(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connecting.drag is not None:
            if event.button() == Qt.MouseButton.LeftButton:
                self._connecting.hover(event.scenePos())
                self._finish_connection()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._move_start is not None:
            self._finish_move()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        frame = next((f for f in self._frames.values()
                      if f.tab().contains(event.scenePos())), None)
        if frame is not None and node_at(self, event.scenePos()) is None:
            event.accept()
            self.block_frame_double_clicked.emit(frame.block_id)
            return
        node = node_at(self, event.scenePos())
        super().mouseDoubleClickEvent(event)
        if node is not None and event.button() == Qt.MouseButton.LeftButton:
            self.node_double_clicked.emit(node.node_id)

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        node = node_at(self, event.scenePos())
        if node is None:
            super().contextMenuEvent(event)
            return
        if not node.isSelected():
            self.select_nodes([node.node_id])
        event.accept()
        self.context_menu_requested.emit(node.node_id, event.screenPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._connecting.drag is not None:
            self._connecting.cancel()
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
            item = self._items.nodes.get(node_id)
            if item is None or item.pos() == old:
                continue
            # whole units keep project files tidy; zoomed drags land on fractions
            item.setPos(round(item.x()), round(item.y()))
            moved[node_id] = ((old.x(), old.y()), (item.x(), item.y()))
        if moved:
            self.nodes_moved.emit(moved)

    def _finish_connection(self) -> None:
        refused = self._connecting.refused_target()
        connection = self._connecting.finish()
        if connection is not None:
            self.connect_requested.emit(*connection)
        elif refused is not None:
            self.connect_refused.emit(*refused)

    # ------------------------------------------------------------------ palette and font

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.look.set_palette(self.palette())
            self.update()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.look.set_font(self.font())
            for item in self._items.nodes.values():
                item.refresh_texts()
                item.update()
            for edge in self._items.edges.values():
                edge.update_path()
        return super().event(event)
