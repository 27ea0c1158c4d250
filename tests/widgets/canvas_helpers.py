"""What the canvas tests share: graphs to show, and mouse and drop events at scene points.

The canvas tests drive the canvas as a user does: real mouse, wheel, key and drop events on
the view's viewport, at the scene points of nodes and ports. The `canvas` fixture (a shown
GraphScene and GraphView) is in conftest.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.analysis import analyse
from engine.graph import Edge, Graph, Node
from widgets.canvas import LAYER_MIME, NODE_HEIGHT, NODE_WIDTH, GraphScene, GraphView

ROOT = Path(__file__).parents[2]
LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def show(canvas, graph: Graph, analysed: bool = True) -> tuple[GraphScene, GraphView]:
    scene, view = canvas
    scene.set_graph(graph)
    if analysed:
        scene.set_analysis(analyse(graph))
    view.fit_to_view()
    return scene, view


def chain(*layers: tuple[str, str, dict], spacing: float = 140.0) -> Graph:
    """Nodes (id, type, params) in a column, each feeding the next."""
    graph = Graph()
    previous = None
    for index, (node_id, kind, params) in enumerate(layers):
        graph.add_node(Node(node_id, kind, dict(params), (0.0, index * spacing)))
        if previous is not None:
            graph.add_edge(Edge(previous, node_id))
        previous = node_id
    return graph


def small_cnn() -> Graph:
    return chain(("image", "Input", {"shape": [1, 8, 8]}),
                 ("conv", "Conv2d", {"out_channels": 4}),
                 ("relu", "ReLU", {}))


def at(view: GraphView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def centre_of(scene: GraphScene, node_id: str) -> QPointF:
    item = scene.node_item(node_id)
    assert item is not None
    return item.pos() + QPointF(NODE_WIDTH / 2, NODE_HEIGHT / 2 + 8)


def drag(view: GraphView, start: QPointF, end: QPointF, steps: int = 6,
         button: Qt.MouseButton = LEFT, before_release=None) -> None:
    """Press at `start`, move in steps to `end`, release: all in scene coordinates."""
    viewport = view.viewport()
    QTest.mousePress(viewport, button, NO_MODIFIER, at(view, start))
    for step in range(1, steps + 1):
        point = start + (end - start) * (step / steps)
        QTest.mouseMove(viewport, at(view, point))
    if before_release is not None:
        before_release()
    QTest.mouseRelease(viewport, button, NO_MODIFIER, at(view, end))


def edge_labels(scene: GraphScene) -> dict[tuple[str, str], str]:
    return {(item.edge.source, item.edge.target): item.label for item in scene.edge_items()}


def unconnected() -> Graph:
    graph = small_cnn()
    graph.remove_edge(Edge("image", "conv"))
    return graph


def send_drop(view: GraphView, point: QPoint, payload: bytes, mime: str = LAYER_MIME) -> bool:
    data = QMimeData()
    data.setData(mime, payload)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point, actions, data, Qt.MouseButton.LeftButton,
                            NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), enter)
    move = QDragMoveEvent(point, actions, data, Qt.MouseButton.LeftButton,
                          NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), move)
    if not move.isAccepted():
        # end the drag as Qt would: Qt routes drag moves to the last widget that took a
        # drag enter until the drag leaves, even across tests
        QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
        return False
    drop = QDropEvent(QPointF(point), actions, data, Qt.MouseButton.LeftButton, NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), drop)
    return drop.isAccepted()
