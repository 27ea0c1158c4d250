"""The prediction for one sample, as its loss reads it: a bar per class, the classes'
probabilities over the time steps (with the string a CTC network reads), or values."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.inspection.prediction import Prediction
from widgets.inside.pictures import style_plot
from widgets.palette_colours import PaletteFollowingWidget

BAR_COLOUR = "#3b7ddd"
BEST_COLOUR = "#ee7a2f"


class PredictionView(PaletteFollowingWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.plot = pg.PlotWidget(enableMenu=False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        self.prediction: Prediction | None = None
        self._apply_palette()

    def _apply_palette(self) -> None:
        super()._apply_palette()
        style_plot(self.plot, self._background, self._text)

    def show_prediction(self, prediction: Prediction | None, truth: str | None = None) -> None:
        self.prediction = prediction
        item = self.plot.getPlotItem()
        item.clear()
        if prediction is None:
            self.caption.setText("")
            return
        text = f"<b>Prediction: {prediction.text}</b>"
        if truth is not None:
            mark = "" if prediction.kind == "values" else \
                (" ✔" if _agrees(prediction, truth) else " ✖")
            text += f" &nbsp; truth: {truth}{mark}"
        self.caption.setText(text)
        bottom, left = item.getAxis("bottom"), item.getAxis("left")
        item.getViewBox().invertY(prediction.kind == "classes")
        if prediction.kind == "classes":
            # a bar per class across, its name before it: names as long as "anticlockwise"
            # never run into each other, and the chart fits a short dock
            lengths = np.asarray(prediction.probabilities)
            rows = np.arange(len(lengths))
            colours = [BEST_COLOUR if i == prediction.target else BAR_COLOUR
                       for i in range(len(lengths))]
            item.addItem(pg.BarGraphItem(x0=0, y=rows, width=lengths, height=0.7,
                                         brushes=colours, pens=colours))
            left.setTicks([list(enumerate(prediction.labels))])
            bottom.setTicks(None)
            item.setLabel("left", "")
            item.setLabel("bottom", "probability")
            item.setXRange(0, 1, padding=0.02)
            item.setYRange(-0.6, len(lengths) - 0.4, padding=0)
        elif prediction.kind in ("classes_per_step", "string"):
            steps = np.asarray(prediction.steps, dtype=np.float32)  # [T, classes]
            image = pg.ImageItem(steps, axisOrder="col-major")  # x: time, y: class
            image.setColorMap(pg.colormap.get("viridis"))
            image.setLevels((0, 1))
            item.addItem(image)
            left.setTicks([list(enumerate(prediction.labels))])
            bottom.setTicks(None)
            item.setLabel("bottom", "time step")
            item.setLabel("left", "")
            item.getViewBox().autoRange(padding=0)
        else:
            rows = np.asarray(prediction.steps, dtype=np.float32)
            bottom.setTicks(None)
            left.setTicks(None)
            item.setLabel("left", "value")
            if rows.shape[0] == 1:
                item.addItem(pg.BarGraphItem(x=np.arange(rows.shape[1]), height=rows[0],
                                             width=0.7, brush=BAR_COLOUR))
                item.setLabel("bottom", "output")
            else:
                for column in range(rows.shape[1]):
                    item.plot(rows[:, column], pen=pg.mkPen(BAR_COLOUR, width=2))
                item.setLabel("bottom", "time step")
            item.getViewBox().autoRange()


def _agrees(prediction: Prediction, truth: str) -> bool:
    if prediction.kind == "classes":
        return prediction.target is not None and \
            prediction.labels[prediction.target] == truth
    return prediction.text == truth
