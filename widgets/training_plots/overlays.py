"""Finished runs drawn over the live curves for comparison: each run's validation loss and
metric as dashed curves in a colour of its own, named in the plots' legends."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from widgets.training_plots.columns import number

OVERLAY_COLOURS = tuple(QColor(c) for c in ("#8b5cf6", "#0fa3b8", "#e0568f", "#7cb32a",
                                            "#d4a20c", "#6b7a90"))
"""One per overlaid run, in turn; none is the colour of a live curve."""


class Overlays:
    """The overlaid runs of a loss plot and a metric plot, and their legends' entries."""

    def __init__(self, loss_plot: pg.PlotItem, loss_legend: pg.LegendItem,
                 metric_plot: pg.PlotItem, metric_legend: pg.LegendItem):
        self._loss_plot, self._loss_legend = loss_plot, loss_legend
        self._metric_plot, self._metric_legend = metric_plot, metric_legend
        self._runs: list[tuple[str, pg.PlotDataItem, pg.PlotDataItem]] = []
        """(label, validation loss curve, metric curve) of each overlaid run."""
        self.last_epoch = 0
        """The last epoch any overlaid run reached (0 when there are none)."""

    def __len__(self) -> int:
        return len(self._runs)

    def add(self, label: str, history: Sequence[Mapping[str, Any]], metric: str) -> None:
        """Draws a run's validation loss and `metric` from its `history` (one dict per
        epoch, as a trainer's history holds them; not empty)."""
        colour = OVERLAY_COLOURS[len(self._runs) % len(OVERLAY_COLOURS)]
        x = np.array([number(row.get("epoch", i + 1)) for i, row in enumerate(history)])
        pen = pg.mkPen(colour, width=1.6, style=Qt.PenStyle.DashLine)
        loss = pg.PlotDataItem(x, [number(row.get("val_loss")) for row in history], pen=pen,
                               antialias=True, connect="finite")
        metric_curve = pg.PlotDataItem(x, [number(row.get(metric)) for row in history],
                                       pen=pen, antialias=True, connect="finite")
        for plot, legend, curve in ((self._loss_plot, self._loss_legend, loss),
                                    (self._metric_plot, self._metric_legend, metric_curve)):
            curve.setZValue(-5)
            plot.addItem(curve)
            legend.addItem(curve, label)
        self._runs.append((label, loss, metric_curve))
        finite = x[np.isfinite(x)]
        if finite.size:
            self.last_epoch = max(self.last_epoch, math.ceil(finite.max()))

    def clear(self) -> None:
        for _label, loss, metric_curve in self._runs:
            self._loss_plot.removeItem(loss)
            self._loss_legend.removeItem(loss)
            self._metric_plot.removeItem(metric_curve)
            self._metric_legend.removeItem(metric_curve)
        self._runs = []
        self.last_epoch = 0

    def name_in_metric_legend(self) -> None:
        """Adds the runs to the metric legend again, after it was cleared for a new run."""
        for label, _loss, metric_curve in self._runs:
            self._metric_legend.addItem(metric_curve, label)
