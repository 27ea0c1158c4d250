"""What lies under a point of the scene, topmost first: a port counts before its node."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from widgets.canvas.node_item import NodeItem
from widgets.canvas.port_item import PortItem


def items_at(scene: QGraphicsScene, point: QPointF) -> list[QGraphicsItem]:
    return scene.items(point, Qt.ItemSelectionMode.IntersectsItemShape,
                       Qt.SortOrder.DescendingOrder)


def output_port_at(scene: QGraphicsScene, point: QPointF) -> PortItem | None:
    """The output port under `point`, unless a node or another port lies above it."""
    for item in items_at(scene, point):
        if isinstance(item, PortItem):
            return item if item.kind == "out" else None
        if isinstance(item, NodeItem):
            return None
    return None


def node_at(scene: QGraphicsScene, point: QPointF) -> NodeItem | None:
    """The topmost node under `point`, or whose port is under it."""
    for item in items_at(scene, point):
        if isinstance(item, PortItem):
            return item.node_item
        if isinstance(item, NodeItem):
            return item
    return None
