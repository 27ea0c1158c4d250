"""The frame drawn round the members of an open (expanded) block: its name on a tab, the
members inside. Double-clicking the tab closes the block again."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from widgets.canvas.style import CanvasLook, with_alpha

MARGIN = 14.0
TAB_HEIGHT = 20.0


class BlockFrame(QGraphicsItem):
    def __init__(self, block_id: str, title: str, look: CanvasLook):
        super().__init__()
        self.block_id = block_id
        self.title = title
        self._look = look
        self._area = QRectF()
        self.setZValue(-1)
        self.setToolTip(f"{title}: double-click the tab to close the block")

    def fit(self, members: QRectF, title: str) -> None:
        area = members.adjusted(-MARGIN, -MARGIN - TAB_HEIGHT, MARGIN, MARGIN)
        if area != self._area or title != self.title:
            self.prepareGeometryChange()
            self._area, self.title = area, title
            self.setToolTip(f"{title}: double-click the tab to close the block")

    def tab(self) -> QRectF:
        width = self._look.detail_metrics.horizontalAdvance(self.title) + 16
        return QRectF(self._area.left(), self._area.top(), width, TAB_HEIGHT)

    def boundingRect(self) -> QRectF:
        return self._area.adjusted(-1, -1, 1, 1)

    def shape(self) -> QPainterPath:
        # only the tab takes the mouse: clicks inside the frame reach the canvas and nodes
        path = QPainterPath()
        path.addRect(self.tab())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colours = self._look.colours
        accent = colours.accent("Block")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(accent, 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(with_alpha(accent, 0.06))
        painter.drawRoundedRect(self._area, 8, 8)
        tab = self.tab()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(with_alpha(accent, 0.85))
        painter.drawRoundedRect(tab, 6, 6)
        painter.setPen(colours.text if colours.dark else Qt.GlobalColor.white)
        painter.setFont(self._look.detail_font)
        painter.drawText(tab, Qt.AlignmentFlag.AlignCenter, self.title)
