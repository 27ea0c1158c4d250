"""One sample in the sample grid: what it shows (SampleView) and the cell that shows it —
a picture scaled crisply, or text (DNA), with the prediction and the truth under it, and
for a clip labelled frame by frame, each frame's labels under that frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets.canvas.style import ACCEPT_COLOUR, ERROR_COLOUR, blend

SAMPLE_HEIGHT = 80
"""Images are scaled up by whole pixels to about this height ..."""
SAMPLE_MAX_WIDTH = 288
"""... unless that would make them wider than this (wide strips), and down to fit into
SAMPLE_HEIGHT × SAMPLE_MAX_WIDTH when they are larger."""
CLIP_MAX_WIDTH = 600
"""A clip's strip of frames may be wider: its frames must stay large enough to see."""
CAPTION_MIN_WIDTH = 72
"""A sample's cell is never narrower than this, so that short captions fit beside tiny
images."""


@dataclass(frozen=True)
class SampleView:
    """What one cell shows: a picture or a text, the prediction and the truth.

    correct: whether the prediction is right (None: not a yes-or-no matter, a regression;
    the captions are then neutral). frames: for a clip's strip, its number of frames, and
    frame_labels the predicted and the true label of each frame, shown under it (or one
    row of labels alone, for data not yet predicted)."""

    prediction: str
    truth: str
    """Shown as it is: "true 7", or a line saying how to read the picture."""
    picture: QImage | None = None
    text: str | None = None
    correct: bool | None = None
    frames: int = 0
    frame_labels: tuple[Sequence[str], ...] | None = None
    max_width: int = SAMPLE_MAX_WIDTH


def scaled_size(width: int, height: int, max_width: int = SAMPLE_MAX_WIDTH) -> QSize:
    """The size a sample is shown at: scaled up by a whole factor (crisp pixels) to about
    SAMPLE_HEIGHT tall but at most `max_width` wide, or down to fit that box."""
    factor = min(SAMPLE_HEIGHT // height, max_width // width)
    if factor >= 1:
        return QSize(width * factor, height * factor)
    shrink = min(SAMPLE_HEIGHT / height, max_width / width, 1.0)
    return QSize(max(1, round(width * shrink)), max(1, round(height * shrink)))


def cell_width(view: SampleView) -> int:
    """The width of a view's cell: its picture's, or room for a line of 55 letters."""
    if view.picture is not None:
        size = scaled_size(view.picture.width(), view.picture.height(), view.max_width)
        return max(size.width() + 14, CAPTION_MIN_WIDTH)
    return max(QFontMetrics(_monospace()).horizontalAdvance("A" * 55) + 14, CAPTION_MIN_WIDTH)


def _monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class SampleCell(QFrame):
    """One sample: its picture (or text), the prediction below it and the truth below
    that; ✓ and green when right, ✗ and red when wrong, neutral when not judged."""

    def __init__(self, view: SampleView, width: int):
        super().__init__()
        self.view = view
        self.prediction, self.truth = view.prediction, view.truth
        self.correct = view.correct if view.correct is not None else False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(2)
        self.image = QLabel()
        self.image.setFrameShape(QFrame.Shape.Box)  # bounds a dark sample on a dark page
        self.image.setLineWidth(1)
        self.frame_rows: list[list[QLabel]] = []
        if view.picture is not None:
            size = scaled_size(view.picture.width(), view.picture.height(), view.max_width)
            mode = (Qt.TransformationMode.FastTransformation
                    if size.width() >= view.picture.width()
                    else Qt.TransformationMode.SmoothTransformation)
            self.image.setPixmap(QPixmap.fromImage(view.picture.scaled(
                size, Qt.AspectRatioMode.IgnoreAspectRatio, mode)))
            self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.image.setFixedSize(size.width() + 2, size.height() + 2)
            layout.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
            if view.frame_labels is not None and view.frames:
                layout.addWidget(self._frame_label_rows(view, size.width()), 0,
                                 Qt.AlignmentFlag.AlignHCenter)
        else:
            self.image.setText(view.text or "")
            self.image.setFont(_monospace())
            self.image.setWordWrap(True)
            self.image.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(self.image)
        self.prediction_label = QLabel()
        self.truth_label = QLabel()
        bold = QFont(self.font())
        bold.setBold(True)
        self.prediction_label.setFont(bold)
        inner = width - 12
        # a CTC network that reads nothing yet predicts the empty string: say so
        shown = view.prediction if view.prediction != "" else "(nothing read)"
        mark = "" if view.correct is None else ("✓ " if view.correct else "✗ ")
        for label, text in ((self.prediction_label, f"{mark}{shown}"),
                            (self.truth_label, view.truth)):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            elided = QFontMetrics(label.font()).elidedText(
                text, Qt.TextElideMode.ElideRight, inner)
            label.setText(elided)
            if elided != text:
                label.setToolTip(text)
            layout.addWidget(label)
        self.setToolTip(f"predicted {view.prediction}\n{view.truth}")
        self.setFixedWidth(width)
        self.setAutoFillBackground(True)

    def _frame_label_rows(self, view: SampleView, strip_width: int) -> QWidget:
        """Under each frame, its predicted label above its true one."""
        rows = QWidget()
        column = QVBoxLayout(rows)
        column.setContentsMargins(1, 0, 1, 0)
        column.setSpacing(0)
        frame_width = strip_width / view.frames
        for labels in view.frame_labels:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(0)
            shown = []
            for text in labels:
                label = QLabel(text)
                label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                label.setFixedWidth(int(frame_width))
                row.addWidget(label)
                shown.append(label)
            column.addLayout(row)
            self.frame_rows.append(shown)
        return rows

    def apply_palette(self, base: QColor, text: QColor) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, blend(base, text, 0.05))
        palette.setColor(QPalette.ColorRole.WindowText, blend(text, base, 0.6))  # the frame
        self.setPalette(palette)
        self.image.setPalette(palette)
        muted = blend(text, base, 0.3)
        judged = ACCEPT_COLOUR if self.correct else ERROR_COLOUR
        colours = [(self.prediction_label, judged if self.view.correct is not None else text),
                   (self.truth_label, muted)]
        if self.view.frame_labels is not None and len(self.view.frame_labels) == 2:
            predicted, true = self.view.frame_labels
            for label, guess, answer in zip(self.frame_rows[0], predicted, true, strict=True):
                colours.append((label, ACCEPT_COLOUR if guess == answer else ERROR_COLOUR))
            colours += [(label, muted) for label in self.frame_rows[1]]
        elif self.view.frame_labels is not None:  # the labels alone, nothing to judge
            colours += [(label, text) for row in self.frame_rows for label in row]
        if self.view.picture is None:
            colours.append((self.image, text))
        for label, colour in colours:
            label_palette = label.palette()
            label_palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(label_palette)
