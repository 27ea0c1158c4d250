"""A node's input or output port: the dot a connection starts from or ends on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from widgets.canvas.flow import PortKind
from widgets.canvas.style import (
    ACCEPT_COLOUR,
    PORT_HIT_RADIUS,
    PORT_RADIUS,
    REFUSE_COLOUR,
    CanvasLook,
)

if TYPE_CHECKING:
    from widgets.canvas.node_item import NodeItem

Highlight = Literal["accept", "refuse"] | None


class PortItem(QGraphicsItem):
    """A child of its node, centred on the port's position. It takes no mouse buttons
    itself: the scene starts connections from output ports, and a press on an input port
    falls through to the node so the node can still be dragged by it."""

    def __init__(self, node: NodeItem, look: CanvasLook, kind: PortKind, index: int):
        super().__init__(node)
        self._look = look
        self.kind: PortKind = kind
        self.index = index
        self.connected = False
        self.highlight: Highlight = None
        self._hovered = False
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(1)
        if kind == "out":
            self.setAcceptHoverEvents(True)
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.setToolTip("output: drag to an input to connect")
        else:
            self.setToolTip(f"input {index}")

    @property
    def node_item(self) -> NodeItem:
        return self.parentItem()  # type: ignore[return-value]

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.update()

    def set_highlight(self, highlight: Highlight) -> None:
        if highlight != self.highlight:
            self.highlight = highlight
            self.update()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True  # only output ports take hover: they are where drags start
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()

    def boundingRect(self) -> QRectF:
        r = PORT_HIT_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), PORT_HIT_RADIUS, PORT_HIT_RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colours = self._look.colours
        radius = PORT_RADIUS
        if self.highlight is not None:
            colour = ACCEPT_COLOUR if self.highlight == "accept" else REFUSE_COLOUR
            radius += 2
            fill, border = colour, colour
        elif self._hovered:
            radius += 1.5
            fill, border = colours.selection, colours.selection
        elif self.connected:
            fill, border = colours.edge, colours.edge
        else:
            fill, border = colours.port_fill, colours.port_border
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 1.5))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), radius, radius)

