"""A small pad to draw a sample on with the mouse: a grid of cells (8×8 for the digits),
light ink on dark as the digits are stored; the left button draws with a soft brush, the
right button rubs out. Each stroke ends with `drawn` and the values, 0 to 1."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BRUSH = ((0, 0, 1.0), (-1, 0, 0.35), (1, 0, 0.35), (0, -1, 0.35), (0, 1, 0.35))
"""(row, column, ink) around the cell under the pointer: strokes as thick as a pen's."""


class DrawingPad(QWidget):
    drawn = Signal(object)
    """The values [rows, columns] (a numpy array, 0 to 1) when a stroke ends."""

    def __init__(self, rows: int = 8, columns: int = 8, parent: QWidget | None = None):
        super().__init__(parent)
        self.values = np.zeros((rows, columns), dtype=np.float32)
        self._button: Qt.MouseButton | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 96)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left button, rub out with the right")

    def sizeHint(self) -> QSize:
        return QSize(200, 200)

    def clear(self) -> None:
        self.values[:] = 0
        self.update()
        self.drawn.emit(self.values.copy())

    def set_values(self, values: np.ndarray) -> None:
        """Start from a sample (its values clipped to 0..1)."""
        self.values = np.clip(np.asarray(values, dtype=np.float32).reshape(self.values.shape),
                              0, 1)
        self.update()

    def grid_rect(self) -> QRectF:
        rows, columns = self.values.shape
        cell = min(self.width() / columns, self.height() / rows)
        return QRectF((self.width() - cell * columns) / 2, (self.height() - cell * rows) / 2,
                      cell * columns, cell * rows)

    def cell_centre(self, row: int, column: int) -> QPointF:
        """Where a cell is in the widget (for tests and for drawing)."""
        area = self.grid_rect()
        cell = area.width() / self.values.shape[1]
        return QPointF(area.left() + (column + 0.5) * cell, area.top() + (row + 0.5) * cell)

    def _cell_at(self, point: QPointF) -> tuple[int, int] | None:
        area = self.grid_rect()
        if not area.contains(point):
            return None
        cell = area.width() / self.values.shape[1]
        return (int((point.y() - area.top()) // cell), int((point.x() - area.left()) // cell))

    def _paint_at(self, point: QPointF) -> None:
        cell = self._cell_at(point)
        if cell is None:
            return
        rows, columns = self.values.shape
        erase = self._button == Qt.MouseButton.RightButton
        for dr, dc, ink in BRUSH:
            row, column = cell[0] + dr, cell[1] + dc
            if 0 <= row < rows and 0 <= column < columns:
                value = self.values[row, column]
                self.values[row, column] = max(0.0, value - ink) if erase \
                    else min(1.0, value + ink)
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self._button = event.button()
            self._paint_at(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._button is not None:
            self._paint_at(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._button is not None and event.button() == self._button:
            self._button = None
            self.drawn.emit(self.values.copy())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self.grid_rect()
        rows, columns = self.values.shape
        cell = area.width() / columns
        for row in range(rows):
            for column in range(columns):
                level = round(float(self.values[row, column]) * 255)
                painter.fillRect(QRectF(area.left() + column * cell, area.top() + row * cell,
                                        cell, cell), QColor(level, level, level))
        painter.setPen(QColor(90, 90, 90))
        painter.drawRect(area.adjusted(0, 0, -1, -1))
        painter.end()
