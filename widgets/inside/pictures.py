"""Arrays as pictures: heat maps, grids of feature maps, and a map laid over a sample;
and a widget that shows a picture scaled to fit, with crisp pixels."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import torch
import torch.nn.functional as F
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

GRID_GAP = 1
OVERLAY_ALPHA = 0.7
"""How strongly the hottest part of a map covers the picture."""
OVERLAY_SIZE = 192
"""Small pictures are scaled up by whole pixels to about this size under their map."""


def _stretched(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(np.asarray(values, dtype=np.float32))
    if not values.size:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.full_like(values, 0.5)
    return (values - low) / (high - low)


def _lookup(name: str) -> np.ndarray:
    return pg.colormap.get(name).getLookupTable(0.0, 1.0, 256, alpha=False)


def _image(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb.astype(np.uint8))
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888).copy()


def heat_image(values: np.ndarray, colour_map: str = "viridis") -> QImage:
    """A 2-D array as colours, stretched from its smallest to its largest value."""
    indices = np.rint(_stretched(values) * 255).astype(np.int64)
    return _image(_lookup(colour_map)[indices])


def map_grid(maps: np.ndarray, columns: int | None = None) -> QImage:
    """Feature maps [C, H, W] side by side in rows, each stretched on its own."""
    count, height, width = maps.shape
    columns = columns or max(1, math.ceil(math.sqrt(count * height / width)))
    rows = math.ceil(count / columns)
    grid = np.full(((height + GRID_GAP) * rows - GRID_GAP,
                    (width + GRID_GAP) * columns - GRID_GAP, 3), 128, dtype=np.uint8)
    table = _lookup("viridis")
    for index in range(count):
        top, left = (index // columns) * (height + GRID_GAP), (index % columns) * (width + GRID_GAP)
        cells = np.rint(_stretched(maps[index]) * 255).astype(np.int64)
        grid[top:top + height, left:left + width] = table[cells]
    return _image(grid)


def grey_image(picture: np.ndarray) -> QImage:
    """A 2-D array as grey levels, stretched from its smallest to its largest value."""
    return _image(np.rint(_stretched(picture) * 255)[..., None].repeat(3, axis=-1))


def overlay_image(picture: np.ndarray, heat: np.ndarray) -> QImage:
    """A greyscale picture (stretched) with `heat` (0 to 1, the same size) over it in
    rainbow colours, as Grad-CAM pictures are shown: the picture's pixels kept crisp, the
    map smoothed between them, and the colour stronger where the map is hotter so that the
    picture shows through where it is cold."""
    picture = np.nan_to_num(np.asarray(picture, dtype=np.float32))
    factor = max(1, OVERLAY_SIZE // max(picture.shape))
    grey = np.kron(_stretched(picture), np.ones((factor, factor), dtype=np.float32))
    smooth = F.interpolate(torch.from_numpy(np.nan_to_num(np.asarray(heat, np.float32)))
                           [None, None], size=grey.shape, mode="bilinear",
                           align_corners=False)[0, 0].clamp(0, 1).numpy()
    colours = _lookup("CET-R4")[np.rint(smooth * 255).astype(np.int64)]
    alpha = (OVERLAY_ALPHA * smooth)[..., None]
    return _image(np.rint(grey[..., None] * 255 * (1 - alpha) + colours * alpha))


class ScaledPicture(QWidget):
    """A picture scaled to the widget, aspect kept, pixels crisp (no smoothing)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._image = QImage()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 64)

    def image(self) -> QImage:
        return self._image

    def set_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, 240)

    def target_rect(self) -> QRectF:
        """Where the picture is drawn in the widget."""
        if self._image.isNull():
            return QRectF()
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.fillRect(self.rect(), self.palette().window())
        painter.drawImage(self.target_rect(), self._image)
        painter.setPen(QColor(128, 128, 128))
        painter.drawRect(self.target_rect().adjusted(0, 0, -1, -1))
        painter.end()


def style_plot(plot: pg.PlotWidget, background: QColor, text: QColor) -> None:
    """A plot in the palette's colours: the page's background, axes and labels in its
    text colour."""
    plot.setBackground(background)
    muted = QColor.fromRgbF(*(t * 0.65 + b * 0.35 for t, b in zip(
        text.getRgbF()[:3], background.getRgbF()[:3], strict=True)))
    for side in ("left", "bottom"):
        axis = plot.getPlotItem().getAxis(side)
        axis.setPen(pg.mkPen(muted))
        axis.setTextPen(pg.mkPen(text))
