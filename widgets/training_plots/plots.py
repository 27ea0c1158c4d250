"""The TrainingPlots widget: the loss above, the task's metric and the learning rate below,
x linked, drawn from the run's columns on each refresh, with a crosshair and a read-out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from widgets.canvas.style import blend
from widgets.palette_colours import PaletteFollowingWidget
from widgets.training_plots.columns import RunColumns, metric_label, metric_names
from widgets.training_plots.export import write_csv, write_png
from widgets.training_plots.overlays import Overlays
from widgets.training_plots.readout import readout_text

TRAIN_COLOUR = QColor("#3b7ddd")
VAL_COLOUR = QColor("#ee7a2f")
METRIC_COLOURS = (QColor("#12a87c"), QColor("#c34fd6"))
"""The task's metric, then its companion (the character error rate of CTC tasks)."""

AXIS_WIDTH = 60
"""The left axes of both plots, so that their x axes line up."""
RIGHT_AXIS_WIDTH = 84
"""The right axes of both plots: the learning rate's tick labels ("0.00195") and its
title beside them, without the one running into the other."""


class TrainingPlots(PaletteFollowingWidget):
    """Loss (top) and metric with learning rate (bottom) of the run in progress, x linked.

    Top plot, x in epochs as a float (epoch - 1 + batch / batches): the training loss of
    every batch, raw (faint) and smoothed (exponential moving average), and the validation
    loss of every epoch (points and line). Bottom plot: the task's metric per epoch (and the
    character error rate for CTC tasks) on the left axis, the learning rate on the right.
    A crosshair over the top plot reads out the epoch and the nearest values.

    Colours follow the palette: background from Base, text and axes from Text.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._metric = "val_accuracy"
        self._metrics = metric_names(self._metric)
        self._epochs = 1
        self._columns = RunColumns()
        self._batches_dirty = self._epochs_dirty = False

        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.ci.setContentsMargins(6, 6, 6, 6)
        self._graphics.ci.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics)

        # rows: read-out, loss legend, loss plot, metric legend, metric plot; the legends sit
        # in rows of their own, as there is no corner that every kind of curve leaves free
        self._readout = pg.LabelItem("", justify="right", size="8pt")
        self._loss_legend = pg.LegendItem(colCount=8, labelTextSize="8pt", horSpacing=14)
        self._loss_plot: pg.PlotItem = pg.PlotItem()
        self._metric_legend = pg.LegendItem(colCount=8, labelTextSize="8pt", horSpacing=14)
        self._metric_plot: pg.PlotItem = pg.PlotItem()
        grid = self._graphics.ci.layout
        for row, item in enumerate((self._readout, self._loss_legend, self._loss_plot,
                                    self._metric_legend, self._metric_plot)):
            self._graphics.addItem(item, row=row, col=0)
        for legend in (self._loss_legend, self._metric_legend):
            grid.setAlignment(legend, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            legend.setContentsMargins(AXIS_WIDTH, 0, 0, 0)
            legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._readout.setFixedHeight(18)
        grid.setRowStretchFactor(2, 3)
        grid.setRowStretchFactor(4, 2)
        self._metric_plot.setXLink(self._loss_plot)
        for plot in (self._loss_plot, self._metric_plot):
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.showAxis("right")
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.getAxis("right").setWidth(RIGHT_AXIS_WIDTH)  # equal: the x axes line up
            plot.getViewBox().enableAutoRange(x=False, y=True)
            for side in ("left", "right", "bottom"):
                # "accuracy (x0.001)" with ticks at 940 reads worse than 0.94
                plot.getAxis(side).enableAutoSIPrefix(False)
                # grid lines at the labelled ticks only: the minor levels' translucent lines
                # made a repaint of a tall plot 5× dearer (18 ms instead of 4 at 1100×320),
                # time the GUI thread takes from training
                plot.getAxis(side).setStyle(maxTickLevel=0)
        self._loss_plot.setLabel("left", "loss")
        self._loss_plot.hideAxis("bottom")
        self._loss_plot.getAxis("right").setStyle(showValues=False)
        self._metric_plot.setLabel("bottom", "epoch")
        self._metric_plot.setLabel("left", metric_label(self._metric))

        self._raw_curve = self._loss_plot.plot(antialias=False)
        # curves with a point per batch are redrawn often and long: antialiasing them costs
        # the GUI thread more than the smoothness is worth while a run trains beside it
        self._smooth_curve = self._loss_plot.plot(antialias=False)
        self._val_curve = self._loss_plot.plot(antialias=True, symbol="o", symbolSize=6)
        self._loss_legend.addItem(self._raw_curve, "batch loss")
        self._loss_legend.addItem(self._smooth_curve, "training loss (smoothed)")
        self._loss_legend.addItem(self._val_curve, "validation loss")

        # the learning rate: its own ViewBox on the right axis, x linked to the metric plot
        self._lr_view = pg.ViewBox(enableMenu=False)
        self._metric_plot.scene().addItem(self._lr_view)
        self._metric_plot.getAxis("right").linkToView(self._lr_view)
        self._metric_plot.getAxis("right").setLabel("lr")
        self._lr_view.setXLink(self._metric_plot)
        self._lr_view.enableAutoRange(x=False, y=True)
        self._metric_plot.getViewBox().sigResized.connect(self._fit_lr_view)
        self._lr_curve = pg.PlotDataItem(antialias=False, connect="finite")
        self._lr_curve.setDownsampling(auto=True, method="peak")
        self._lr_curve.setClipToView(True)
        self._lr_view.addItem(self._lr_curve)

        self._metric_curves: dict[str, pg.PlotDataItem] = {}
        self._overlays = Overlays(self._loss_plot, self._loss_legend, self._metric_plot,
                                  self._metric_legend)

        # the crosshair: lines in both plots, the read-out above them
        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._hline = pg.InfiniteLine(angle=0, movable=False)
        self._metric_vline = pg.InfiniteLine(angle=90, movable=False)
        self._loss_plot.addItem(self._vline, ignoreBounds=True)
        self._loss_plot.addItem(self._hline, ignoreBounds=True)
        self._metric_plot.addItem(self._metric_vline, ignoreBounds=True)
        self._show_crosshair(False)
        self._graphics.scene().sigMouseMoved.connect(self._mouse_moved)

        self._apply_palette()
        self.start_run(self._metric, self._epochs)

    # --- the run in progress ------------------------------------------------------------

    def start_run(self, metric: str, epochs: int) -> None:
        """Clears the live curves (overlays stay) for a run of `epochs` epochs whose task
        reports `metric` ('val_accuracy', 'val_mae', 'val_sequence_accuracy', ...)."""
        self.show_metric(metric)
        self._epochs = max(int(epochs), 1)
        self._columns.start(self._metrics, self._epochs)
        for curve in (self._raw_curve, self._smooth_curve, self._val_curve, self._lr_curve,
                      *self._metric_curves.values()):
            curve.setData([], [])
        self._batches_dirty = self._epochs_dirty = False
        self._fit_x()
        # an earlier run's (or project's) ranges go with its curves
        for box in (self._loss_plot.getViewBox(), self._metric_plot.getViewBox(),
                    self._lr_view):
            box.setYRange(0.0, 1.0, padding=0)
            box.enableAutoRange(y=True)
        self._readout.setText(" ")
        self._show_crosshair(False)

    def show_metric(self, metric: str) -> None:
        """The metric axis and its legend for a task that reports `metric`. Rebuilding them
        lays the plots out again, the dearest thing a run start would otherwise do in the
        GUI thread, so it is done only when the metric changes (and can be done before a
        run, when the project's task is known)."""
        if metric == self._metric and self._metric_curves:
            return
        self._metric = metric
        self._metrics = metric_names(metric)
        for curve in self._metric_curves.values():
            self._metric_plot.removeItem(curve)
        self._metric_curves = {}
        for index, name in enumerate(self._metrics):
            self._metric_curves[name] = self._metric_plot.plot(
                antialias=True, connect="finite", symbol="o", symbolSize=6)
            self._metric_curves[name].setZValue(10 - index)
        self._metric_legend.clear()
        for name, curve in self._metric_curves.items():
            self._metric_legend.addItem(curve, metric_label(name))
        self._metric_legend.addItem(self._lr_curve, "learning rate")
        self._overlays.name_in_metric_legend()
        # the legend names each metric; a long joined title would not fit beside the plot
        self._metric_plot.setLabel(
            "left", metric_label(metric) if len(self._metrics) == 1 else "validation")
        # accuracies are fractions: an axis beyond 0..1 would show impossible values
        fractions = all("accuracy" in name for name in self._metrics)
        self._metric_plot.getViewBox().setLimits(yMin=-0.02 if fractions else None,
                                                 yMax=1.02 if fractions else None)
        self._columns.start(self._metrics, self._epochs)
        self._batches_dirty = self._epochs_dirty = False
        self._style_curves()
        self._apply_legend_text()

    def add_batch(self, x: float, loss: float, lr: float | None = None) -> None:
        """Stores the training loss of one batch at `x` = epoch - 1 + batch / batches (and
        the learning rate it used, so that a schedule that changes it every batch shows its
        shape) and updates the moving average; nothing is drawn until `refresh()`. A loss
        that is not finite is skipped."""
        if self._columns.add_batch(x, loss, lr):
            self._batches_dirty = True

    def add_epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        """Stores one epoch's figures: 'val_loss', the task's metric(s), 'lr' and
        'train_loss' (the mean of the epoch's stored batch losses when it is missing).
        Missing figures are stored as NaN and leave a gap."""
        self._columns.add_epoch(epoch, metrics)
        self._epochs_dirty = True

    def refresh(self) -> None:
        """Hands the data stored since the last refresh to the curves."""
        columns = self._columns
        if self._batches_dirty:
            x = columns.batch_x.values
            self._raw_curve.setData(x, columns.batch_loss.values)
            self._smooth_curve.setData(x, columns.batch_smooth.values)
            self._batches_dirty = False
        if self._epochs_dirty:
            x = columns.epochs["epoch"].values
            self._val_curve.setData(x, columns.epochs["val_loss"].values, connect="finite")
            for name, curve in self._metric_curves.items():
                curve.setData(x, columns.epochs[name].values, connect="finite")
            self._epochs_dirty = False
        x, rates = columns.learning_rates()
        self._lr_curve.setData(x, rates, connect="finite")
        self._fit_lr_range(rates)
        self._fit_x()

    def point_counts(self) -> tuple[int, int]:
        """(batch points, epoch points) stored for the run in progress."""
        return len(self._columns.batch_x), len(self._columns.epochs["epoch"])

    def current_metric(self) -> str:
        """The metric of the run in progress (named `current_metric`: QWidget.metric is a
        virtual of QPaintDevice)."""
        return self._metric

    # --- finished runs ------------------------------------------------------------------

    def show_finished_run(self, metric: str, history: Sequence[Mapping[str, Any]]) -> None:
        """A finished run's curves as the live ones, from its saved history: per epoch (a
        run keeps no per-batch losses), the training loss where the smoothed one goes."""
        self.start_run(metric, max((int(row.get("epoch", 0)) for row in history), default=1))
        for row in history:
            self.add_epoch(int(row.get("epoch", 0)), row)
        self.refresh()
        epochs = self._columns.epochs
        self._smooth_curve.setData(epochs["epoch"].values, epochs["train_loss"].values,
                                   connect="finite")

    def overlay(self, label: str, history: Sequence[Mapping[str, Any]]) -> None:
        """Draws a finished run's validation loss and metric(s) as dashed curves in a colour
        of their own, for comparison; `history` holds one dict per epoch ('epoch',
        'val_loss', the metric, ...) as a trainer's history does."""
        if not history:
            return
        self._overlays.add(label, history, self._metric)
        self._apply_legend_text()
        self._fit_x()

    def clear_overlays(self) -> None:
        self._overlays.clear()
        self._fit_x()

    def overlay_count(self) -> int:
        """How many runs are overlaid."""
        return len(self._overlays)

    # --- export -------------------------------------------------------------------------

    def export_png(self, path: str | Path, width: int | None = None) -> Path:
        """Both plots as a PNG, `width` pixels wide (the widget's own size by default)."""
        self.refresh()
        return write_png(self._graphics.ci, Path(path), width)

    def export_csv(self, path: str | Path) -> tuple[Path, Path]:
        """Writes the run in progress as two CSV files and returns their paths: `path`, one
        row per epoch, and `<stem>_batches.csv` beside it, one row per batch (see
        export.write_csv for the columns)."""
        return write_csv(self._columns, Path(path))

    # --- for tests and the read-out -----------------------------------------------------

    def curves(self) -> dict[str, pg.PlotDataItem]:
        """The live curves by name: 'batch_loss', 'smoothed_loss', 'val_loss', 'lr' and
        one per metric name."""
        return {"batch_loss": self._raw_curve, "smoothed_loss": self._smooth_curve,
                "val_loss": self._val_curve, "lr": self._lr_curve, **self._metric_curves}

    def plots(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        """(loss plot, metric plot)."""
        return self._loss_plot, self._metric_plot

    def readout(self, x: float) -> str:
        """The crosshair's text at epoch position `x`: the nearest batch's loss (raw and
        smoothed) and the nearest epoch's validation loss, metric(s) and learning rate."""
        return readout_text(self._columns, self._metrics, x)

    # --- internals ----------------------------------------------------------------------

    def _fit_x(self) -> None:
        last = max(self._epochs, self._overlays.last_epoch, self._columns.last_epoch())
        if last != getattr(self, "_fitted_last", None):
            self._fitted_last = last
            self._loss_plot.setXRange(0, last, padding=0.01)

    def _fit_lr_range(self, rates: np.ndarray) -> None:
        """A constant learning rate sits mid-axis on a range from zero, not on an axis
        auto-ranged around a single value (which shows meaningless negative rates)."""
        finite = rates[np.isfinite(rates)]
        if finite.size == 0:
            return
        top = float(finite.max())
        if top > 0 and float(finite.min()) >= 0:
            self._lr_view.enableAutoRange(y=False)
            self._lr_view.setYRange(0.0, top * 1.15 if np.ptp(finite) > 0 else top * 2,
                                    padding=0)

    def _fit_lr_view(self) -> None:
        self._lr_view.setGeometry(self._metric_plot.getViewBox().sceneBoundingRect())
        self._lr_view.linkedViewChanged(self._metric_plot.getViewBox(), self._lr_view.XAxis)

    def _mouse_moved(self, pos: QPointF) -> None:
        box = self._loss_plot.getViewBox()
        if not box.sceneBoundingRect().contains(pos):
            self._show_crosshair(False)
            return
        point = box.mapSceneToView(pos)
        self._vline.setPos(point.x())
        self._hline.setPos(point.y())
        self._metric_vline.setPos(point.x())
        self._show_crosshair(True)
        self._readout.setText(self.readout(point.x()), color=self._text.name())

    def _show_crosshair(self, shown: bool) -> None:
        for line in (self._vline, self._hline, self._metric_vline):
            line.setVisible(shown)

    def _apply_palette(self) -> None:
        super()._apply_palette()
        self._dark = self._background.lightnessF() < 0.5
        muted = blend(self._text, self._background, 0.35)
        self._graphics.setBackground(self._background)
        for plot in (self._loss_plot, self._metric_plot):
            plot.showGrid(x=True, y=True, alpha=0.18 if self._dark else 0.12)
            for side in ("left", "bottom", "right"):
                axis = plot.getAxis(side)
                axis.setPen(pg.mkPen(muted))
                axis.setTextPen(pg.mkPen(self._text))  # the tick labels and the title
        # the loss plot's right axis only keeps the x axes lined up: it draws nothing
        self._loss_plot.getAxis("right").setPen(pg.mkPen(None))
        self._apply_legend_text()
        crosshair = pg.mkPen(blend(self._text, self._background, 0.5), width=1,
                             style=Qt.PenStyle.DotLine)
        for line in (self._vline, self._hline, self._metric_vline):
            line.setPen(crosshair)
        if self._readout.text:
            self._readout.setText(self._readout.text, color=self._text.name())
        self._style_curves()

    def _apply_legend_text(self) -> None:
        if not hasattr(self, "_text"):
            return
        for legend in (self._loss_legend, self._metric_legend):
            legend.setLabelTextColor(self._text)
            for _sample, label in legend.items:  # setLabelTextColor leaves them as drawn
                label.setText(label.text, color=self._text)

    def _style_curves(self) -> None:
        if not hasattr(self, "_background"):
            return
        raw = blend(self._background, TRAIN_COLOUR, 0.35 if self._dark else 0.3)
        self._raw_curve.setPen(pg.mkPen(raw, width=1))
        self._smooth_curve.setPen(pg.mkPen(TRAIN_COLOUR, width=2))
        self._val_curve.setPen(pg.mkPen(VAL_COLOUR, width=2))
        self._val_curve.setSymbolPen(pg.mkPen(VAL_COLOUR))
        self._val_curve.setSymbolBrush(pg.mkBrush(VAL_COLOUR))
        for index, curve in enumerate(self._metric_curves.values()):
            colour = METRIC_COLOURS[index % len(METRIC_COLOURS)]
            curve.setPen(pg.mkPen(colour, width=2))
            curve.setSymbolPen(pg.mkPen(colour))
            curve.setSymbolBrush(pg.mkBrush(colour))
        self._lr_curve.setPen(pg.mkPen(blend(self._text, self._background, 0.4), width=1.5))
