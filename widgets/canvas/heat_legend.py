"""The key to the heat map, in a corner of the canvas: what the colours stand for, the
scale from the smallest figure to the largest, and how the figures were made."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from widgets.canvas.heat import Heat, heat_gradient
from widgets.canvas.style import canvas_colours, with_alpha

BAR_WIDTH, BAR_HEIGHT = 190, 10
PADDING = 10
LINE_GAP = 3


class HeatLegend(QWidget):
    """Shows a Heat's title, its colour scale with the smallest, middle (on the log scale)
    and largest figures under it, and its note. Passes the mouse through to the canvas."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._heat: Heat | None = None
        self.hide()

    def heat(self) -> Heat | None:
        return self._heat

    def set_heat(self, heat: Heat | None) -> None:
        self._heat = heat
        self.setVisible(heat is not None)
        self.resize(self.sizeHint())
        self.update()

    def labels(self) -> list[str]:
        """The figures written under the scale: smallest, middle and largest (or the one
        figure they all share); none when no node has one."""
        span = self._heat.span() if self._heat is not None else None
        if span is None:
            return []
        low, high = span
        if high <= low:
            return [self._heat.format(high)]
        middle = (low + high) / 2 if self._heat.bounds is not None else math.sqrt(low * high)
        return [self._heat.format(value) for value in (low, middle, high)]

    def lines(self) -> list[str]:
        """The text lines above and below the scale: title, then note."""
        if self._heat is None:
            return []
        return [line for line in (self._heat.title, self._heat.note) if line]

    def _fonts(self) -> tuple[QFont, QFont]:
        title = QFont(self.font())
        title.setWeight(QFont.Weight.DemiBold)
        small = QFont(self.font())
        size = small.pointSizeF() if small.pointSizeF() > 0 else 9.0
        small.setPointSizeF(size * 0.85)
        return title, small

    def sizeHint(self) -> QSize:
        title, small = self._fonts()
        title_metrics, small_metrics = QFontMetricsF(title), QFontMetricsF(small)
        note = self._heat.note if self._heat is not None else ""
        width = max([BAR_WIDTH, title_metrics.horizontalAdvance(self._heat.title
                                                                if self._heat else ""),
                     small_metrics.horizontalAdvance(note)])
        height = title_metrics.height() + LINE_GAP + BAR_HEIGHT + LINE_GAP \
            + small_metrics.height() + (LINE_GAP + small_metrics.height() if note else 0)
        return QSize(round(width) + 2 * PADDING, round(height) + 2 * PADDING)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._heat is None:
            return
        colours = canvas_colours(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colours.node_border, 1))
        painter.setBrush(with_alpha(colours.node_fill, 0.94))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        title, small = self._fonts()
        title_height = QFontMetricsF(title).height()
        small_height = QFontMetricsF(small).height()
        width = self.width() - 2 * PADDING
        y = float(PADDING)
        painter.setPen(colours.text)
        painter.setFont(title)
        painter.drawText(QRectF(PADDING, y, width, title_height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self._heat.title)
        y += title_height + LINE_GAP
        bar = QRectF(PADDING, y, BAR_WIDTH, BAR_HEIGHT)
        painter.setPen(QPen(colours.node_border, 1))
        painter.setBrush(heat_gradient(bar.left(), bar.right()))
        painter.drawRoundedRect(bar, 3, 3)
        y += BAR_HEIGHT + LINE_GAP
        painter.setFont(small)
        painter.setPen(colours.muted_text)
        labels = self.labels()
        row = QRectF(PADDING, y, BAR_WIDTH, small_height)
        if not labels:
            painter.drawText(row, Qt.AlignmentFlag.AlignLeft, "no figures yet")
        elif len(labels) == 1:
            painter.drawText(row, Qt.AlignmentFlag.AlignRight, labels[0])
        else:
            for label, alignment in zip(labels, (Qt.AlignmentFlag.AlignLeft,
                                                 Qt.AlignmentFlag.AlignHCenter,
                                                 Qt.AlignmentFlag.AlignRight), strict=True):
                painter.drawText(row, alignment, label)
        y += small_height + LINE_GAP
        if self._heat.note:
            painter.drawText(QRectF(PADDING, y, width, small_height),
                             Qt.AlignmentFlag.AlignLeft, self._heat.note)
        painter.end()
