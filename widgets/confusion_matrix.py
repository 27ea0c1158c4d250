"""What a trained classifier confuses: its confusion matrix, coloured by count.

    matrix = ConfusionMatrixView()
    matrix.show_matrix(counts, ["0", "1", ...])  # counts[truth][prediction]

Colours follow the palette: the background from Base, text from Text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from widgets.canvas.style import blend
from widgets.palette_colours import PaletteFollowingWidget

MATRIX_COLOUR = QColor("#3b7ddd")
"""The middle of the confusion matrix's colour map; its ends come from the palette."""

MAX_TEXT_CLASSES = 20
"""Up to this many classes every cell of the confusion matrix has its count written in."""

LABEL_MAX_WIDTH = 120
"""Class labels beside the rows are shortened (…) to this many pixels."""

CELL_FONT_RANGE = (7.0, 13.0)
"""The smallest and largest pixel size of a cell's count; below the smallest it is hidden."""


def _contrasting(colour: QColor) -> QColor:
    """Near-black on a light colour, white on a dark one (by relative luminance)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = (0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
                 + 0.0722 * linear(colour.blueF()))
    # the luminance at which black and white text contrast equally with the background
    return QColor("#141414") if luminance > 0.18 else QColor("#ffffff")


def matrix_colour_map(background: QColor) -> pg.ColorMap:
    """A sequential map from a faint tint of the background (no samples) through
    MATRIX_COLOUR to a strong end: deep blue on a light background, pale blue on a dark
    one, so that larger counts always stand out more from the page."""
    dark = background.lightnessF() < 0.5
    low = blend(background, MATRIX_COLOUR, 0.14 if dark else 0.07)
    high = QColor("#d6e6ff") if dark else QColor("#0c2a5e")
    return pg.ColorMap([0.0, 0.5, 1.0], [low, MATRIX_COLOUR, high])


class ConfusionMatrixView(PaletteFollowingWidget):
    """A confusion matrix: rows are the true classes (top to bottom), columns the predicted
    ones (left to right), cells coloured by their count (on a square-root scale, so that a
    few confusions show beside a full diagonal) with the count written in when there are at
    most MAX_TEXT_CLASSES classes. The title gives the overall accuracy."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._matrix = np.zeros((0, 0), dtype=np.int64)
        self._labels: list[str] = []
        self._texts: list[pg.TextItem] = []
        self._title = ""
        self._font_size = 0

        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.ci.setContentsMargins(6, 6, 12, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics)

        self._plot: pg.PlotItem = self._graphics.addPlot()
        self._plot.setMenuEnabled(False)
        self._plot.hideButtons()
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setLabel("bottom", "predicted")
        self._plot.setLabel("left", "true")
        box = self._plot.getViewBox()
        box.setAspectLocked(True, 1.0)
        box.invertY(True)  # the first class at the top, as a matrix reads
        box.setDefaultPadding(0.0)
        box.disableAutoRange()
        box.sigResized.connect(self._fit_text)
        self._tick_font = QFont(self.font())
        self._tick_fit: tuple | None = None
        """(row stride, column stride, column labels) the ticks were last fitted to."""
        for side in ("left", "bottom"):
            axis = self._plot.getAxis(side)
            # no tick marks (a zero length would still leave a dot of the default colour)
            axis.setStyle(tickLength=-1)
            axis.setTickFont(self._tick_font)
            axis.setTickPen(pg.mkPen(None))

        self._image = pg.ImageItem(axisOrder="row-major")
        self._plot.addItem(self._image)

        self._apply_palette()
        self.clear()

    # --- the public API -------------------------------------------------------------------

    def show_matrix(self, matrix: Sequence[Sequence[int]] | np.ndarray,
                    labels: Sequence[str]) -> None:
        """Draws `matrix[truth][prediction]`, a square of counts, with the class `labels`
        on both axes (missing labels are the class numbers)."""
        counts = np.asarray(matrix, dtype=np.int64)
        if counts.size == 0:
            self.clear()
            return
        if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
            raise ValueError(f"a confusion matrix is square; got the shape {counts.shape}")
        n = counts.shape[0]
        self._matrix = counts
        self._labels = [str(label) for label in labels[:n]] + [
            str(i) for i in range(len(labels), n)]

        self._tick_fit = None
        self._plot.getViewBox().setRange(xRange=(0, n), yRange=(0, n), padding=0.0)

        total = int(counts.sum())
        correct = int(np.trace(counts))
        self._title = (f"accuracy {correct / total:.1%}  ({correct:,} of {total:,})"
                       if total else "no samples")

        for text in self._texts:
            self._plot.removeItem(text)
        self._texts = []
        if n <= MAX_TEXT_CLASSES:
            for row in range(n):
                for column in range(n):
                    text = pg.TextItem(f"{counts[row, column]:,}", anchor=(0.5, 0.5))
                    text.setPos(column + 0.5, row + 0.5)
                    self._plot.addItem(text)
                    self._texts.append(text)
        self._font_size = 0
        self._draw()
        self._fit_text()

    def clear(self) -> None:
        """Shows nothing: no cells, ticks or title."""
        for text in self._texts:
            self._plot.removeItem(text)
        self._texts = []
        self._matrix = np.zeros((0, 0), dtype=np.int64)
        self._labels = []
        self._title = ""
        self._tick_fit = None
        self._image.clear()
        for side in ("left", "bottom"):
            self._plot.getAxis(side).setTicks([[], []])
        self._plot.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0.0)
        self._plot.setTitle(None)

    # --- for tests --------------------------------------------------------------------------

    def matrix(self) -> np.ndarray:
        """The counts shown (an empty array when cleared)."""
        return self._matrix.copy()

    def labels(self) -> list[str]:
        return list(self._labels)

    def title(self) -> str:
        """The title's plain text: 'accuracy 93.4%  (1,680 of 1,797)'."""
        return self._title

    def tick_labels(self, side: Literal["left", "bottom"]) -> list[tuple[float, str]]:
        """(position, text) of the class labels beside the rows ('left') or under the
        columns ('bottom'), as fitted to the cells' size."""
        levels = self._plot.getAxis(side)._tickLevels  # what setTicks was given
        return list(levels[0]) if levels else []

    def text_items(self) -> list[pg.TextItem]:
        """The counts written in the cells, row by row (none above MAX_TEXT_CLASSES)."""
        return list(self._texts)

    def cell_colour(self, row: int, column: int) -> QColor:
        """The colour the map gives the cell (the image draws exactly this)."""
        return self._colour_map.map(self._level(self._matrix[row, column]), mode="qcolor")

    # --- internals ----------------------------------------------------------------------

    def _level(self, count: float) -> float:
        """0 to 1: a count's place on the colour map (square-root scale)."""
        top = self._matrix.max() if self._matrix.size else 0
        return math.sqrt(max(float(count), 0.0) / top) if top > 0 else 0.0

    def _draw(self) -> None:
        """The cells, the counts' colours and the title, in the palette's colours."""
        if not self._matrix.size:
            return
        top = max(int(self._matrix.max()), 1)
        levels = np.sqrt(np.clip(self._matrix, 0, None) / top)
        self._image.setImage(levels, levels=(0.0, 1.0),
                             lut=self._colour_map.getLookupTable(0.0, 1.0, 256))
        self._image.setRect(0, 0, self._matrix.shape[1], self._matrix.shape[0])
        n = self._matrix.shape[0]
        for index, text in enumerate(self._texts):
            row, column = divmod(index, n)
            colour = _contrasting(self.cell_colour(row, column))
            if self._matrix[row, column] == 0:
                colour.setAlphaF(0.45)  # the many empty cells recede
            text.setColor(colour)
        self._plot.setTitle(self._title, color=self._text.name(), size="10pt")

    def _cell_pixels(self) -> float:
        box = self._plot.getViewBox()
        return min(box.width(), box.height()) / max(self._matrix.shape[0], 1)  # square cells

    def _fit_text(self) -> None:
        """Fits the tick labels and the counts to the cells' size on screen."""
        self._fit_ticks()
        if not self._texts:
            return
        cell = self._cell_pixels()
        digits = max(len(text.textItem.toPlainText()) for text in self._texts)
        # a digit is about 0.6 of the pixel size wide; leave a margin either side
        size = min(CELL_FONT_RANGE[1], cell * 0.5, cell * 0.82 / (0.62 * digits))
        shown = size >= CELL_FONT_RANGE[0]
        pixels = max(int(size), int(CELL_FONT_RANGE[0]))
        if pixels != self._font_size:
            self._font_size = pixels
            font = QFont(self.font())
            font.setPixelSize(pixels)
            for text in self._texts:
                text.setFont(font)
        for text in self._texts:
            text.setVisible(shown)

    def _fit_ticks(self) -> None:
        """Labels every row when the rows are as tall as a line of text, else every k-th,
        shortened (…) to LABEL_MAX_WIDTH. Labels every column when each keeps at least
        three characters in the column's width (shortened with … where needed), else every
        k-th in full (up to LABEL_MAX_WIDTH) with room enough between them."""
        n = len(self._labels)
        cell = self._cell_pixels() if n else 0.0
        if cell <= 0:
            return
        metrics = QFontMetrics(self._tick_font)

        def elide(label: str, room: float) -> str:
            return metrics.elidedText(label, Qt.TextElideMode.ElideRight, max(int(room), 1))

        row_stride = max(1, math.ceil(metrics.height() / cell))
        gap = 4  # pixels at least between neighbouring labels
        short = [elide(label, cell - gap) for label in self._labels]
        if all(text == label or len(text) >= 4 for text, label in zip(short, self._labels,
                                                                          strict=True)):
            column_stride, columns = 1, short
        else:
            widest = max(metrics.horizontalAdvance(label) for label in self._labels)
            column_stride = max(1, math.ceil((min(widest, LABEL_MAX_WIDTH) + gap) / cell))
            columns = [elide(label, LABEL_MAX_WIDTH) for label in self._labels]
        fit = (row_stride, column_stride, tuple(columns))
        if fit == self._tick_fit:
            return
        self._tick_fit = fit
        self._plot.getAxis("bottom").setTicks(
            [[(i + 0.5, columns[i]) for i in range(0, n, column_stride)], []])
        self._plot.getAxis("left").setTicks(
            [[(i + 0.5, elide(self._labels[i], LABEL_MAX_WIDTH))
              for i in range(0, n, row_stride)], []])

    def _apply_palette(self) -> None:
        super()._apply_palette()
        self._colour_map = matrix_colour_map(self._background)
        self._graphics.setBackground(self._background)
        for side in ("left", "bottom"):
            axis = self._plot.getAxis(side)
            axis.setPen(pg.mkPen(None))  # the cells make their own edge
            axis.setTextPen(pg.mkPen(self._text))
        self._draw()
