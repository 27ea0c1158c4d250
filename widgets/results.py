"""What a trained classifier gets right and wrong: its confusion matrix, and a grid of
validation samples with the prediction and the truth under each.

    matrix = ConfusionMatrixView()
    matrix.show_matrix(counts, ["0", "1", ...])  # counts[truth][prediction]

    samples = SampleGrid()
    samples.show_samples(x_val[:24], predicted_names, true_names)

Colours follow the palette: backgrounds from Base (and Window), text from Text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from widgets.canvas.style import ACCEPT_COLOUR, ERROR_COLOUR, blend

MATRIX_COLOUR = QColor("#3b7ddd")
"""The middle of the confusion matrix's colour map; its ends come from the palette."""

MAX_TEXT_CLASSES = 20
"""Up to this many classes every cell of the confusion matrix has its count written in."""

LABEL_MAX_WIDTH = 120
"""Class labels beside the rows are shortened (…) to this many pixels."""

CELL_FONT_RANGE = (7.0, 13.0)
"""The smallest and largest pixel size of a cell's count; below the smallest it is hidden."""

MAX_SAMPLES = 24
"""SampleGrid shows at most this many samples (the first ones)."""

SAMPLE_HEIGHT = 80
"""Images are scaled up by whole pixels to about this height ..."""
SAMPLE_MAX_WIDTH = 288
"""... unless that would make them wider than this (wide strips), and down to fit into
SAMPLE_HEIGHT × SAMPLE_MAX_WIDTH when they are larger."""
CAPTION_MIN_WIDTH = 72
"""A sample's cell is never narrower than this, so that short captions fit beside tiny
images."""

SampleKind = Literal["image", "sequence"]


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


class ConfusionMatrixView(QWidget):
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

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()

    def _apply_palette(self) -> None:
        palette = self.palette()
        self._background = palette.color(QPalette.ColorRole.Base)
        self._text = palette.color(QPalette.ColorRole.Text)
        self._colour_map = matrix_colour_map(self._background)
        self._graphics.setBackground(self._background)
        for side in ("left", "bottom"):
            axis = self._plot.getAxis(side)
            axis.setPen(pg.mkPen(None))  # the cells make their own edge
            axis.setTextPen(pg.mkPen(self._text))
        self._draw()


def sample_pictures(images: np.ndarray, kind: SampleKind | None = None) -> list[QImage]:
    """One QImage (unscaled) per sample.

    kind 'image': [N, C, H, W] (greyscale for C=1, RGB for C=3 or 4, the first channel
    otherwise) or [N, H, W] greyscale; values in [0, 1] are drawn as they are, any other
    range is stretched per image. kind 'sequence': [N, T, F] drawn as a heat map with time
    left to right and one row per feature, stretched per sample; [N, F] vectors are drawn
    as a single row the same way. None: 'image' for rank 3 and 4, 'sequence' for rank 2."""
    array = np.asarray(images, dtype=np.float32)
    if array.ndim not in (2, 3, 4):
        raise ValueError(f"samples are [N, C, H, W], [N, H, W] or [N, T, F]; got the "
                         f"shape {array.shape}")
    if kind is None:
        kind = "sequence" if array.ndim == 2 else "image"
    array = np.nan_to_num(array, nan=0.0, posinf=0.0, neginf=0.0)
    pictures = []
    if kind == "sequence":
        if array.ndim == 2:
            array = array[:, None, :]  # one row of F
        else:
            array = array.reshape(len(array), array.shape[1], -1).transpose(0, 2, 1)
        lut = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False)
        for sample in array:
            pictures.append(_rgb_image(lut[_bytes(_stretch(sample))]))
        return pictures
    if array.ndim == 3:
        array = array[:, None]
    channels = array.shape[1]
    for sample in array:
        sample = sample[:3] if channels in (3, 4) else sample[:1]
        if sample.min() < 0.0 or sample.max() > 1.0:
            sample = _stretch(sample)
        if len(sample) == 3:
            pictures.append(_rgb_image(_bytes(sample).transpose(1, 2, 0)))
        else:
            pictures.append(_grey_image(_bytes(sample[0])))
    return pictures


def _stretch(values: np.ndarray) -> np.ndarray:
    """Values stretched to [0, 1]; a constant array becomes 0.5 (not black: nothing there is
    darker than anything else)."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.full_like(values, 0.5)
    return (values - low) / (high - low)


def _bytes(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)


def _grey_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0],
                  QImage.Format.Format_Grayscale8).copy()  # the copy owns its pixels


def _rgb_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width, _ = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0],
                  QImage.Format.Format_RGB888).copy()


def scaled_size(width: int, height: int) -> QSize:
    """The size a sample is shown at: scaled up by a whole factor (crisp pixels) to about
    SAMPLE_HEIGHT tall but at most SAMPLE_MAX_WIDTH wide, or down to fit that box."""
    factor = min(SAMPLE_HEIGHT // height, SAMPLE_MAX_WIDTH // width)
    if factor >= 1:
        return QSize(width * factor, height * factor)
    shrink = min(SAMPLE_HEIGHT / height, SAMPLE_MAX_WIDTH / width, 1.0)
    return QSize(max(1, round(width * shrink)), max(1, round(height * shrink)))


class _SampleCell(QFrame):
    """One sample: its picture, the prediction below it and the truth below that."""

    def __init__(self, picture: QImage, prediction: str, truth: str, width: int):
        super().__init__()
        self.prediction, self.truth = prediction, truth
        self.correct = prediction == truth
        size = scaled_size(picture.width(), picture.height())
        mode = (Qt.TransformationMode.FastTransformation if size.width() >= picture.width()
                else Qt.TransformationMode.SmoothTransformation)
        self.image = QLabel()
        self.image.setPixmap(QPixmap.fromImage(picture.scaled(
            size, Qt.AspectRatioMode.IgnoreAspectRatio, mode)))
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setFixedHeight(size.height() + 2)
        self.image.setFrameShape(QFrame.Shape.Box)  # bounds a dark sample on a dark page
        self.image.setLineWidth(1)
        self.image.setFixedWidth(size.width() + 2)
        self.prediction_label = QLabel()
        self.truth_label = QLabel()
        bold = QFont(self.font())
        bold.setBold(True)
        self.prediction_label.setFont(bold)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        layout.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        inner = width - 12
        # a CTC network that reads nothing yet predicts the empty string: say so
        shown = prediction if prediction != "" else "(nothing read)"
        for label, text in ((self.prediction_label, f"{'✓' if self.correct else '✗'} "
                                                    f"{shown}"),
                            (self.truth_label, f"true {truth}")):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            elided = QFontMetrics(label.font()).elidedText(
                text, Qt.TextElideMode.ElideRight, inner)
            label.setText(elided)
            if elided != text:
                label.setToolTip(text)
            layout.addWidget(label)
        self.setToolTip(f"predicted {prediction}\ntrue {truth}")
        self.setFixedWidth(width)
        self.setAutoFillBackground(True)

    def apply_palette(self, base: QColor, text: QColor) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, blend(base, text, 0.05))
        palette.setColor(QPalette.ColorRole.WindowText, blend(text, base, 0.6))  # the frame
        self.setPalette(palette)
        self.image.setPalette(palette)
        for label, colour in (
                (self.prediction_label, ACCEPT_COLOUR if self.correct else ERROR_COLOUR),
                (self.truth_label, blend(text, base, 0.3))):
            label_palette = label.palette()
            label_palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(label_palette)


class SampleGrid(QWidget):
    """Up to MAX_SAMPLES samples in a scrollable grid that reflows with the width: each
    drawn crisply (nearest neighbour) with the prediction under it, green with ✓ when it
    equals the truth and red with ✗ otherwise, and the truth under that."""

    SPACING = 8

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._cells: list[_SampleCell] = []
        self._columns = 0
        self._summary = QLabel()
        self._summary.setContentsMargins(4, 0, 4, 0)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.viewport().installEventFilter(self)
        self._content = QWidget()
        self._grid = QGridLayout(self._content)
        self._grid.setContentsMargins(self.SPACING, self.SPACING, self.SPACING, self.SPACING)
        self._grid.setSpacing(self.SPACING)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._scroll.setWidget(self._content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._summary)
        layout.addWidget(self._scroll)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._apply_palette()
        self.clear()

    def show_samples(self, images: np.ndarray, predictions: Sequence[str],
                     truths: Sequence[str], kind: SampleKind | None = None,
                     limit: int = MAX_SAMPLES) -> None:
        """Shows the first `limit` samples of `images` ([N, C, H, W] or [N, H, W] images,
        [N, T, F] sequences with kind='sequence': see sample_pictures) with their
        predicted and true names (one of each per sample)."""
        array = np.asarray(images)
        if len(predictions) != len(array) or len(truths) != len(array):
            raise ValueError(f"{len(array)} samples need as many predictions and truths; got "
                             f"{len(predictions)} and {len(truths)}")
        self.clear()
        count = min(len(array), max(int(limit), 0))
        if count == 0:
            return
        pictures = sample_pictures(array[:count], kind)
        # every sample has the same shape, so every cell the same width
        size = scaled_size(pictures[0].width(), pictures[0].height())
        width = max(size.width() + 14, CAPTION_MIN_WIDTH)
        for picture, prediction, truth in zip(pictures, predictions[:count], truths[:count],
                                              strict=True):
            cell = _SampleCell(picture, str(prediction), str(truth), width)
            cell.apply_palette(self._background, self._text)
            self._cells.append(cell)
        right = sum(cell.correct for cell in self._cells)
        shown = f"{count} of {len(array)}" if count < len(array) else f"{count}"
        self._summary.setText(f"{shown} samples · {right} right, {count - right} wrong")
        self._reflow(force=True)

    def clear(self) -> None:
        """Shows no samples."""
        for cell in self._cells:
            self._grid.removeWidget(cell)
            cell.deleteLater()
        self._cells = []
        self._columns = 0
        self._summary.setText("no samples")

    # --- for tests ----------------------------------------------------------------------

    def cells(self) -> list[_SampleCell]:
        return list(self._cells)

    def columns(self) -> int:
        """How many cells there are to a row."""
        return self._columns

    def summary(self) -> str:
        return self._summary.text()

    # --- internals ----------------------------------------------------------------------

    def _reflow(self, force: bool = False) -> None:
        """Lays the cells out in as many columns as the width holds."""
        if not self._cells:
            return
        width = self._scroll.viewport().width()
        cell = self._cells[0].width()
        columns = max(1, (width - self.SPACING) // (cell + self.SPACING))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for each in self._cells:
            self._grid.removeWidget(each)
        for index, each in enumerate(self._cells):
            self._grid.addWidget(each, *divmod(index, columns))

    def eventFilter(self, watched, event: QEvent) -> bool:
        if watched is self._scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._reflow()
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()

    def _apply_palette(self) -> None:
        palette = self.palette()
        self._background = palette.color(QPalette.ColorRole.Base)
        self._text = palette.color(QPalette.ColorRole.Text)
        page = self._scroll.viewport().palette()
        page.setColor(QPalette.ColorRole.Window, self._background)
        self._scroll.viewport().setPalette(page)
        self._scroll.viewport().setAutoFillBackground(True)
        self._content.setAutoFillBackground(False)
        summary = self._summary.palette()
        summary.setColor(QPalette.ColorRole.WindowText, blend(self._text, self._background,
                                                              0.25))
        self._summary.setPalette(summary)
        for cell in getattr(self, "_cells", []):
            cell.apply_palette(self._background, self._text)
