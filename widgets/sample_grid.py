"""What a trained network makes of single samples: a grid of validation samples with the
prediction and the truth under each.

    samples = SampleGrid()
    samples.show_samples(x_val[:24], predicted_names, true_names)

Colours follow the palette: backgrounds from Base (and Window), text from Text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from widgets.canvas.style import blend
from widgets.palette_colours import PaletteFollowingWidget
from widgets.sample_cells import CLIP_MAX_WIDTH, SampleCell, SampleView, cell_width
from widgets.sample_pictures import SampleKind, sample_pictures

MAX_SAMPLES = 24
"""SampleGrid shows at most this many samples (the first ones)."""


class SampleGrid(PaletteFollowingWidget):
    """Up to MAX_SAMPLES samples in a scrollable grid that reflows with the width: each
    drawn crisply (nearest neighbour) with the prediction under it, green with ✓ when it
    equals the truth and red with ✗ otherwise, and the truth under that."""

    SPACING = 8

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._cells: list[SampleCell] = []
        self._columns = 0
        self._summary = QLabel()
        self._summary.setContentsMargins(4, 0, 4, 0)
        self._summary.setWordWrap(True)  # a long note must not take the matrix's width
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
        [N, T, F] sequences with kind='sequence', [N, T, C, H, W] clips with kind='clip':
        see sample_pictures) with their predicted and true names (one of each per
        sample)."""
        array = np.asarray(images)
        if len(predictions) != len(array) or len(truths) != len(array):
            raise ValueError(f"{len(array)} samples need as many predictions and truths; got "
                             f"{len(predictions)} and {len(truths)}")
        count = min(len(array), max(int(limit), 0))
        pictures = sample_pictures(array[:count], kind) if count else []
        views = [SampleView(str(prediction), f"true {truth}", picture,
                            correct=str(prediction) == str(truth),
                            max_width=CLIP_MAX_WIDTH if kind == "clip" else
                            SampleView.max_width)
                 for picture, prediction, truth in zip(pictures, predictions, truths,
                                                       strict=False)]
        self.show_views(views, total=len(array))

    def show_views(self, views: Sequence[SampleView], total: int | None = None,
                   summary: str | None = None) -> None:
        """Shows a cell for each of the first MAX_SAMPLES `views` (of `total` samples).
        The line above says how many are right, or `summary` where given."""
        self.clear()
        views = list(views)[:MAX_SAMPLES]
        if not views:
            return
        # every sample has the same shape, so every cell the same width
        width = max(cell_width(view) for view in views)
        for view in views:
            cell = SampleCell(view, width)
            cell.apply_palette(self._background, self._text)
            self._cells.append(cell)
        count, total = len(views), total if total is not None else len(views)
        shown = f"{count} of {total}" if count < total else f"{count}"
        if summary is None:
            right = sum(cell.correct for cell in self._cells)
            summary = f"{right} right, {count - right} wrong"
        self._summary.setText(f"{shown} samples · {summary}")
        self._reflow(force=True)

    def clear(self, note: str = "no samples") -> None:
        """Shows no samples, and `note` instead."""
        for cell in self._cells:
            self._grid.removeWidget(cell)
            cell.deleteLater()
        self._cells = []
        self._columns = 0
        self._summary.setText(note)

    # --- for tests ----------------------------------------------------------------------

    def summary_text(self) -> str:
        return self._summary.text()

    def cells(self) -> list[SampleCell]:
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
