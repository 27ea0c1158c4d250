"""What a trained network makes of single samples: a grid of validation samples with the
prediction and the truth under each.

    samples = SampleGrid()
    samples.show_samples(x_val[:24], predicted_names, true_names)

Colours follow the palette: backgrounds from Base (and Window), text from Text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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
from widgets.palette_colours import PaletteFollowingWidget
from widgets.sample_pictures import SampleKind, sample_pictures

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


class SampleGrid(PaletteFollowingWidget):
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

    def _apply_palette(self) -> None:
        super()._apply_palette()
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
