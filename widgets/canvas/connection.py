"""The connection the user is dragging from an output port: a curve that follows the
mouse, turns green over a target that can take it and red over one that cannot, with the
reason written next to the cursor."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem, QWidget

from widgets.canvas.flow import connection_path
from widgets.canvas.node_item import NodeItem
from widgets.canvas.port_item import PortItem
from widgets.canvas.style import (
    ACCEPT_COLOUR,
    EDGE_WIDTH,
    REFUSE_COLOUR,
    CanvasLook,
    with_alpha,
)

Verdict = Literal["accept", "refuse"] | None
HINT_OFFSET = QPointF(16.0, 14.0)
"""Where the hint sits from the cursor, in screen pixels: clear of the pointer."""
HINT_MAX_WIDTH = 320.0


class ConnectionPreview(QGraphicsItem):
    def __init__(self, look: CanvasLook, start: QPointF):
        super().__init__()
        self._look = look
        self._start = start
        self._path = connection_path(look.flow, start, start)
        self.verdict: Verdict = None
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_end(self, end: QPointF, verdict: Verdict) -> None:
        self.prepareGeometryChange()
        self._path = connection_path(self._look.flow, self._start, end)
        self.verdict = verdict
        self.update()

    def boundingRect(self) -> QRectF:
        return self._path.controlPointRect().adjusted(-4, -4, 4, 4)

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never in the way of finding what lies under the cursor

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colour = {"accept": ACCEPT_COLOUR, "refuse": REFUSE_COLOUR}.get(
            self.verdict or "", self._look.colours.selection)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(colour, EDGE_WIDTH + 0.5, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPath(self._path)


class ConnectionHint(QGraphicsItem):
    """The reason a connection is refused, as a pill beside the cursor. It ignores the
    view's zoom so it stays readable when zoomed far out."""

    def __init__(self, look: CanvasLook):
        super().__init__()
        self._look = look
        self._text = ""
        self._rect = QRectF()
        self.setZValue(11)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self.prepareGeometryChange()
        self._text = text
        metrics = self._look.label_metrics
        bounds = metrics.boundingRect(QRectF(0, 0, HINT_MAX_WIDTH, 1000),
                                      int(Qt.TextFlag.TextWordWrap), text)
        self._rect = QRectF(HINT_OFFSET.x(), HINT_OFFSET.y(), bounds.width() + 16,
                            bounds.height() + 8)
        self.setVisible(bool(text))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self._text:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(REFUSE_COLOUR, 1.0))
        painter.setBrush(QBrush(with_alpha(self._look.colours.node_fill, 0.97)))
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setFont(self._look.label_font)
        painter.setPen(self._look.colours.text)
        painter.drawText(self._rect.adjusted(8, 4, -8, -4),
                         int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter), self._text)


class ConnectionDrag:
    """One drag from an output port, from press to release."""

    def __init__(self, scene: QGraphicsScene, look: CanvasLook, source: NodeItem):
        self.source = source
        self.target: tuple[NodeItem, int] | None = None
        self.reason: str | None = None
        self._lit_port: PortItem | None = None
        start = source.port_scene_pos("out", 0)
        self.preview = ConnectionPreview(look, start)
        self.hint = ConnectionHint(look)
        self.hint.setVisible(False)
        scene.addItem(self.preview)
        scene.addItem(self.hint)
        if source.output_port is not None:
            source.output_port.set_highlight("accept")

    @property
    def source_id(self) -> str:
        return self.source.node_id

    def hover(self, cursor: QPointF, target: tuple[NodeItem, int] | None,
              reason: str | None) -> None:
        """Show the drag at `cursor` over `target` (a node and its input port), which
        `reason` refuses, or nothing."""
        self.target, self.reason = target, reason
        verdict: Verdict = None if target is None else ("refuse" if reason else "accept")
        end = cursor
        port = None
        if target is not None:
            node, index = target
            port = node.port("in", index)
            if verdict == "accept":
                end = node.port_scene_pos("in", index)  # snap: shows where it will attach
        self.preview.set_end(end, verdict)
        self._light(port, verdict)
        self.hint.setPos(cursor)
        self.hint.set_text(reason or "")

    @property
    def accepted(self) -> bool:
        return self.target is not None and self.reason is None

    def _light(self, port: PortItem | None, verdict: Verdict) -> None:
        if self._lit_port is not None and self._lit_port is not port:
            self._lit_port.set_highlight(None)
        self._lit_port = port
        if port is not None:
            port.set_highlight(verdict)

    def finish(self) -> None:
        """Take the temporary items away, whatever the outcome."""
        self._light(None, None)
        if self.source.output_port is not None:
            self.source.output_port.set_highlight(None)
        for item in (self.preview, self.hint):
            if item.scene() is not None:
                item.scene().removeItem(item)
