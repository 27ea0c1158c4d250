"""An edge on the canvas: a smooth curve from an output port to an input port, labelled
with the shape of the tensor it carries."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.graph import Edge
from widgets.canvas.flow import connection_path
from widgets.canvas.node_item import NodeItem
from widgets.canvas.style import (
    DETAIL_ZOOM,
    EDGE_HIT_WIDTH,
    EDGE_WIDTH,
    ERROR_COLOUR,
    CanvasLook,
    with_alpha,
)

LABEL_PADDING = (6.0, 2.0)
"""Horizontal and vertical room around a label's text inside its pill."""


class EdgeItem(QGraphicsItem):
    """Drawn under the nodes, so its ends tuck under the port dots."""

    def __init__(self, edge: Edge, source: NodeItem, target: NodeItem, look: CanvasLook):
        super().__init__()
        self._look = look
        self.edge = edge
        self.key: tuple[Edge, int] = (edge, 0)
        """Which copy of `edge` this is, for the scene's bookkeeping."""
        self.source_item = source
        self.target_item = target
        self.label = ""
        self.broken = False
        """An error names this edge (a duplicate, say): drawn in the error colour."""
        self._path = QPainterPath()
        self._hit_shape: QPainterPath | None = None
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setToolTip(str(edge))
        self.setZValue(0)
        source.edges.add(self)
        target.edges.add(self)
        self.update_path()

    def detach(self) -> None:
        """Forget the end nodes, before the edge leaves the scene."""
        self.source_item.edges.discard(self)
        self.target_item.edges.discard(self)

    def path(self) -> QPainterPath:
        return self._path

    def label_rect(self) -> QRectF:
        """Where the label's pill is, in scene coordinates (the item sits at the origin)."""
        return QRectF(self._label_rect)

    def set_label(self, label: str) -> None:
        if label != self.label:
            self.label = label
            self.setToolTip(f"{self.edge}: {label}" if label else str(self.edge))
            self._recompute()

    def set_broken(self, broken: bool) -> None:
        if broken != self.broken:
            self.broken = broken
            self.update()

    def update_path(self) -> None:
        """Follow the end ports after a node moved or its ports changed."""
        start = self.source_item.port_scene_pos("out", 0)
        end = self.target_item.port_scene_pos("in", self.edge.target_port)
        self._path = connection_path(self._look.flow, start, end)
        self._recompute()

    def _recompute(self) -> None:
        self.prepareGeometryChange()
        self._hit_shape = None
        if self.label:
            metrics = self._look.label_metrics
            width = metrics.horizontalAdvance(self.label) + 2 * LABEL_PADDING[0]
            height = metrics.height() + 2 * LABEL_PADDING[1]
            middle = self._path.pointAtPercent(0.5)
            self._label_rect = QRectF(middle.x() - width / 2, middle.y() - height / 2,
                                      width, height)
        else:
            self._label_rect = QRectF()
        margin = EDGE_HIT_WIDTH / 2
        bounds = self._path.controlPointRect().adjusted(-margin, -margin, margin, margin)
        self._bounds = bounds.united(self._label_rect) if self.label else bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit_shape is None:
            # stroking is costly, and Qt asks for the shape on every hover: do it once
            stroker = QPainterPathStroker()
            stroker.setWidth(EDGE_HIT_WIDTH)
            shape = stroker.createStroke(self._path)
            if self.label:
                shape.addRoundedRect(self._label_rect, 4, 4)
            self._hit_shape = shape.simplified()
        return self._hit_shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        look, colours = self._look, self._look.colours
        colour = self._colour()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.isSelected():
            painter.setPen(QPen(with_alpha(colours.selection, 0.35), EDGE_WIDTH + 5,
                                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(self._path)
        painter.setPen(QPen(colour, EDGE_WIDTH, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawPath(self._path)
        if not self.label or \
                option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_ZOOM:
            return
        painter.setPen(QPen(with_alpha(colour, 0.6), 1.0))
        painter.setBrush(QBrush(colours.edge_label_fill))
        radius = self._label_rect.height() / 2
        painter.drawRoundedRect(self._label_rect, radius, radius)
        painter.setFont(look.label_font)
        painter.setPen(colours.edge_label_text if colour == colours.edge else colour)
        painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)

    def _colour(self) -> QColor:
        if self.broken:
            return ERROR_COLOUR
        if self.isSelected():
            return self._look.colours.selection
        return self._look.colours.edge

    def middle(self) -> QPointF:
        return self._path.pointAtPercent(0.5)
