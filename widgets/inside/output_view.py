"""One node's output for one sample, drawn as it is laid out: feature maps as a grid of
small images (a clip's, frame by frame), a sequence as a heat map of units over time steps
(a recurrent layer's hidden state: the network's memory), a signal's channels over its
positions, a vector as bars."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider, QStackedWidget, QVBoxLayout, QWidget

from engine.inspection.layouts import Layout, as_rows
from widgets.inside.pictures import ScaledPicture, map_grid, style_plot
from widgets.palette_colours import PaletteFollowingWidget

MAPS_SHOWN = 64
"""Feature maps drawn at most: enough to see what the layer picks out."""
BAR_COLOUR = "#3b7ddd"


class OutputView(PaletteFollowingWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("Select a node on the canvas to see its output.")
        self.title.setWordWrap(True)
        self.maps = ScaledPicture()
        self.frame = QSlider(Qt.Orientation.Horizontal)
        self.frame.setToolTip("Which frame of the clip")
        self.frame.valueChanged.connect(lambda _: self._draw_frame())
        self.plot = pg.PlotWidget(enableMenu=False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.pages = QStackedWidget()
        maps_page = QWidget()
        maps_layout = QVBoxLayout(maps_page)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self.maps, 1)
        maps_layout.addWidget(self.frame)
        self.pages.addWidget(maps_page)
        self.pages.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)
        self.layout_shown: Layout | None = None
        self._value: np.ndarray | None = None
        self.pages.hide()
        self._apply_palette()

    def _apply_palette(self) -> None:
        super()._apply_palette()
        style_plot(self.plot, self._background, self._text)

    def show_output(self, node: str | None, description: str = "",
                    value: np.ndarray | None = None, layout: Layout | None = None) -> None:
        """`value`: the node's output without the batch dimension; None clears the view
        and shows `description` alone."""
        self.layout_shown, self._value = (layout, value) if value is not None else (None, None)
        if value is None or layout is None:
            self.title.setText(description or "Select a node on the canvas to see its output.")
            self.pages.hide()
            return
        self.pages.show()
        what = {"maps": "feature maps", "clip_maps": "feature maps, frame by frame",
                "over_time": "units (rows) over time steps", "channels":
                "channels (rows) over positions", "vector": "values"}[layout]
        self.title.setText(f"<b>{node}</b> · {description} · {what}")
        if layout in ("maps", "clip_maps"):
            self.pages.setCurrentIndex(0)
            self.frame.setVisible(layout == "clip_maps")
            if layout == "clip_maps":
                blocked = self.frame.blockSignals(True)
                self.frame.setRange(0, value.shape[0] - 1)
                self.frame.setValue(min(self.frame.value(), value.shape[0] - 1))
                self.frame.blockSignals(blocked)
            self._draw_frame()
            return
        self.pages.setCurrentIndex(1)
        item = self.plot.getPlotItem()
        item.clear()
        if layout in ("over_time", "channels"):
            rows = as_rows(value, layout)  # [units or channels, steps]
            image = pg.ImageItem(np.asarray(rows, dtype=np.float32).T, axisOrder="col-major")
            image.setColorMap(pg.colormap.get("magma"))
            item.addItem(image)
            item.setLabel("bottom", "time step" if layout == "over_time" else "position")
            item.setLabel("left", "unit" if layout == "over_time" else "channel")
        else:
            flat = np.asarray(value, dtype=np.float32).reshape(-1)
            item.addItem(pg.BarGraphItem(x=np.arange(len(flat)), height=flat, width=0.8,
                                         brush=BAR_COLOUR, pen=BAR_COLOUR))
            item.setLabel("bottom", "index")
            item.setLabel("left", "value")
        item.getViewBox().autoRange(padding=0.02)

    def _draw_frame(self) -> None:
        value = self._value
        if value is None or self.layout_shown not in ("maps", "clip_maps"):
            return
        maps = value if self.layout_shown == "maps" else value[self.frame.value()]
        self.maps.set_image(map_grid(np.asarray(maps[:MAPS_SHOWN], dtype=np.float32)))
