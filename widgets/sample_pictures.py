"""Samples as pictures: images drawn as they are, clips as strips of frames, sequences and
vectors as heat maps, signals as curves (with a band of per-step labels), and a predicted
sequence over the true one; one unscaled QImage per sample, for a widget to scale and
show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

SampleKind = Literal["image", "sequence", "clip", "signal"]

FRAME_GAP = 2
"""Pixels between the frames of a clip's strip, in the frames' own scale."""
LABEL_COLOURS = [QColor(c) for c in ("#9aa0a6", "#3b7ddd", "#ee7a2f", "#12a87c", "#c34fd6",
                                     "#d64545", "#c98a16", "#2bb3c0", "#7b5cd6", "#5e8c31")]
"""One colour per class id in the bands of per-step labels (ids beyond repeat them)."""
LABEL_COLOUR_NAMES = ("grey", "blue", "orange", "green", "purple", "red", "amber", "teal",
                      "violet", "olive")
SIGNAL_STEP = 4
"""Pixels per time step in the pictures of signals and of predicted sequences."""
CURVE_COLOUR = QColor("#3b7ddd")
TRUTH_COLOUR = QColor("#9aa0a6")
PAPER = QColor("white")


def sample_pictures(images: np.ndarray, kind: SampleKind | None = None) -> list[QImage]:
    """One QImage (unscaled) per sample.

    kind 'image': [N, C, H, W] (greyscale for C=1, RGB for C=3 or 4, the first channel
    otherwise) or [N, H, W] greyscale; values in [0, 1] are drawn as they are, any other
    range is stretched per image. kind 'sequence': [N, T, F] drawn as a heat map with time
    left to right and one row per feature, stretched per sample; [N, F] vectors are drawn
    as a single row the same way. kind 'clip': [N, T, C, H, W], each clip's frames side by
    side, drawn as images are. kind 'signal': [N, T, 1] drawn as curves (see
    signal_picture). None: 'image' for rank 3 and 4, 'sequence' for rank 2."""
    array = np.asarray(images, dtype=np.float32)
    if kind == "clip":
        return [clip_strip(clip) for clip in np.nan_to_num(array)]
    if kind == "signal":
        return [signal_picture(sample.reshape(-1)) for sample in np.nan_to_num(array)]
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


def clip_strip(clip: np.ndarray) -> QImage:
    """A clip [T, C, H, W] as its frames side by side, FRAME_GAP pixels apart."""
    frames = sample_pictures(np.asarray(clip, dtype=np.float32), "image")
    height, width = frames[0].height(), frames[0].width()
    strip = QImage((width + FRAME_GAP) * len(frames) - FRAME_GAP, height,
                   QImage.Format.Format_RGB888)
    strip.fill(QColor("#808080"))
    painter = QPainter(strip)
    for index, frame in enumerate(frames):
        painter.drawImage(index * (width + FRAME_GAP), 0, frame)
    painter.end()
    return strip


def _curve(painter: QPainter, values: np.ndarray, low: float, high: float, top: int,
           height: int, colour: QColor, width: float) -> None:
    span = high - low if high > low else 1.0
    points = [QPointF((t + 0.5) * SIGNAL_STEP, top + (high - v) / span * (height - 1))
              for t, v in enumerate(values)]
    painter.setPen(QPen(colour, width))
    painter.drawPolyline(QPolygonF(points))


def _bands(painter: QPainter, rows: Sequence[Sequence[int]], top: int, height: int) -> None:
    for row, ids in enumerate(rows):
        for t, class_id in enumerate(ids):
            painter.fillRect(t * SIGNAL_STEP, top + row * (height + 1), SIGNAL_STEP, height,
                             LABEL_COLOURS[int(class_id) % len(LABEL_COLOURS)])


def signal_picture(values: np.ndarray, labels: Sequence[Sequence[int]] = (),
                   background: QColor = PAPER, colour: QColor = CURVE_COLOUR) -> QImage:
    """A signal [T] as a curve, with a band below it for each row of per-step class ids in
    `labels` (predicted, then true), each class in its colour of LABEL_COLOURS."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    band, curve_height = 8, 48
    image = QImage(len(values) * SIGNAL_STEP, curve_height + len(labels) * (band + 1) + 2,
                   QImage.Format.Format_RGB888)
    image.fill(background)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    _curve(painter, np.nan_to_num(values), low, high, 1, curve_height, colour, 1.5)
    _bands(painter, labels, curve_height + 2, band)
    painter.end()
    return image


def curves_picture(values: np.ndarray, length: int | None = None, rows: int = 6,
                   background: QColor = PAPER) -> QImage:
    """A sequence [T, F] as one curve per feature (the first `rows`), each on its own
    scale and in its own colour, stacked; the steps from `length` on (padding) shaded."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    values = values.reshape(len(values), -1)[:, :rows]
    steps, shown = values.shape
    row_height = 28
    image = QImage(max(steps, 1) * SIGNAL_STEP, shown * row_height + 1,
                   QImage.Format.Format_RGB888)
    image.fill(background)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if length is not None and length < steps:
        painter.fillRect(length * SIGNAL_STEP, 0, (steps - length) * SIGNAL_STEP,
                         image.height(), QColor("#e8eaed"))
    for feature in range(shown):
        curve = values[:, feature]
        colour = LABEL_COLOURS[1 + feature % (len(LABEL_COLOURS) - 1)]
        _curve(painter, curve, float(curve.min()), float(curve.max()),
               feature * row_height + 2, row_height - 4, colour, 1.5)
    painter.end()
    return image


def prediction_picture(predicted: np.ndarray, truth: np.ndarray,
                       background: QColor = PAPER, colour: QColor = CURVE_COLOUR,
                       truth_colour: QColor = TRUTH_COLOUR) -> QImage:
    """A predicted sequence [T] drawn over the true one [T], on one scale."""
    predicted = np.nan_to_num(np.asarray(predicted, dtype=np.float64).reshape(-1))
    truth = np.nan_to_num(np.asarray(truth, dtype=np.float64).reshape(-1))
    both = np.concatenate([predicted, truth])
    low, high = float(both.min()), float(both.max())
    margin = 0.05 * (high - low)
    image = QImage(len(truth) * SIGNAL_STEP, 56, QImage.Format.Format_RGB888)
    image.fill(background)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _curve(painter, truth, low - margin, high + margin, 0, 56, truth_colour, 3.0)
    _curve(painter, predicted, low - margin, high + margin, 0, 56, colour, 1.5)
    painter.end()
    return image
