"""What a chosen dataset holds, before training (engine.data.preview): its layout and
counts, what reaches the network's Input, why the Input does not fit, the samples that
cannot be read, and a few samples as the Input will take them (clips as strips of frames,
with their class or a label under each frame).

    view = DataPreviewView()
    view.show_preview(preview_dataset(entry, base_dir, input_info))
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.data.preview import DataPreview, Example
from widgets.problems import ERROR_COLOUR
from widgets.sample_cells import CLIP_MAX_WIDTH, SampleView
from widgets.sample_grid import SampleGrid
from widgets.sample_pictures import curves_picture, sample_pictures

UNREADABLE_LISTED = 5


class DataPreviewView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.samples = SampleGrid()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.about)
        layout.addWidget(self.samples, 1)
        self.preview: DataPreview | None = None
        self.show_note("Choose a folder of clips to see what it holds")

    def show_note(self, text: str) -> None:
        """No preview: a line saying why (another kind of data, or one being read)."""
        self.preview = None
        self.about.setText(html.escape(text, quote=False))
        self.samples.clear()
        self.samples.setVisible(False)

    def show_preview(self, preview: DataPreview) -> None:
        self.preview = preview
        lines = []
        if preview.summary:
            lines.append(f"<b>{html.escape(preview.summary, quote=False)}</b>")
        if preview.reaches:
            lines.append("Reaches the Input: " + html.escape(preview.reaches, quote=False))
        if preview.problem:
            lines.append(f'<span style="color: {ERROR_COLOUR.name()}">'
                         f"{html.escape(preview.problem, quote=False)}</span>")
        if preview.unreadable:
            shown = preview.unreadable[:UNREADABLE_LISTED]
            more = len(preview.unreadable) - len(shown)
            lines.append(f"Cannot be read, skipped when training ({len(preview.unreadable)}"
                         f"{'+' if more else ''}): " + html.escape("; ".join(shown), quote=False)
                         + (" …" if more else ""))
        self.about.setText("<br>".join(lines))
        self.samples.setVisible(bool(preview.examples))
        if not preview.examples:
            self.samples.clear()
            return
        views = [_view(example) for example in preview.examples]
        per_frame = any(example.frame_labels for example in preview.examples)
        counts = " · ".join(f"{name} {count:,}" for name, count in preview.classes)
        self.samples.show_views(views, total=len(views), summary=(
            f"{'frames' if per_frame else preview.kind} per class: {counts}" if counts
            else "as the Input takes them"))


BASE_COLOURS = ("#2e9d5b", "#3b7ddd", "#c98a16", "#d64545", "#9aa0a6")
"""A, C, G, T and N, as genome browsers colour them."""


def coloured_bases(codes: np.ndarray, per_line: int = 50, group: int = 10) -> str:
    """Base codes as rich text: coloured letters in lines of `per_line`, groups of
    `group`."""
    lines = []
    for start in range(0, len(codes), per_line):
        groups = []
        for first in range(start, min(start + per_line, len(codes)), group):
            groups.append("".join(
                f'<span style="color:{BASE_COLOURS[c]}">{"ACGTN"[c]}</span>'
                for c in np.asarray(codes[first:first + group]).tolist()))
        lines.append("&nbsp;".join(groups))
    return "<tt>" + "<br>".join(lines) + "</tt>"


def _view(example: Example) -> SampleView:
    """A clip as a strip of frames (its labels under them), a spectrogram as a picture with
    its low frequencies at the bottom, DNA as coloured letters, a sequence as curves of its
    features over time."""
    if example.kind == "dna":
        return SampleView(example.label, example.name, text=coloured_bases(example.values))
    if example.kind == "image":
        (picture,) = sample_pictures(example.values[None], "image")
        return SampleView(example.label, example.name, picture, max_width=CLIP_MAX_WIDTH)
    if example.kind == "sequence":
        return SampleView(example.label, example.name,
                          curves_picture(example.values, example.length),
                          max_width=CLIP_MAX_WIDTH)
    if example.kind == "spectrogram":
        (picture,) = sample_pictures(example.values[:, ::-1][None], "image")
        return SampleView(example.label, example.name, picture, max_width=CLIP_MAX_WIDTH)
    (picture,) = sample_pictures(example.values[None], "clip")
    labels = (tuple(example.frame_labels),) if example.frame_labels else None
    return SampleView(example.label or "labels under each frame", example.name, picture,
                      frames=example.values.shape[0], frame_labels=labels,
                      max_width=CLIP_MAX_WIDTH)
