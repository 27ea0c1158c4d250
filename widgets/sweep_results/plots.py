"""A sweep's plots, drawn with pyqtgraph like the training curves: the metric of every
trial and the best so far (optimisation history), each trial as a line across one axis per
parameter (parallel coordinates), how much each parameter explained the metric
(importances), and for two objectives the metric against the cost with the Pareto front."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from engine.sweeps.results import TrialRow, pareto_rows
from widgets.palette_colours import PaletteFollowingWidget

POINT_COLOUR = QColor("#3b7ddd")
BEST_COLOUR = QColor("#ee7a2f")
PRUNED_COLOUR = QColor("#b08a1e")
FRONT_COLOUR = QColor("#d2453a")


def _plot() -> pg.PlotWidget:
    widget = pg.PlotWidget()
    widget.showGrid(x=True, y=True, alpha=0.25)
    widget.setMenuEnabled(False)
    return widget


class _Placeholder(QStackedWidget):
    """A plot, or a sentence saying why there is nothing to plot yet."""

    def __init__(self, plot: QWidget):
        super().__init__()
        self.plot = plot
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setMargin(12)
        self.addWidget(self.note)
        self.addWidget(plot)

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.setCurrentWidget(self.note)

    def show_plot(self) -> None:
        self.setCurrentWidget(self.plot)


class SweepPlots(PaletteFollowingWidget):
    """Tabs: History, Parallel coordinates, Importance, Pareto front."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.history = _Placeholder(_plot())
        self.parallel = _Placeholder(_plot())
        self.importance = _Placeholder(_plot())
        self.pareto = _Placeholder(_plot())
        for page, title, tip in (
                (self.history, "History", "The metric of each trial, and the best so far"),
                (self.parallel, "Parallel", "Parallel coordinates: each complete trial as a "
                 "line across one axis per parameter and the metric, coloured by the metric"),
                (self.importance, "Importance", "How much each parameter explains the "
                 "metric (fANOVA)"),
                (self.pareto, "Pareto", "The metric against the cost: the trials nothing "
                 "beats on both")):
            self.tabs.setTabToolTip(self.tabs.addTab(page, title), tip)
        self.drawn: dict[str, int] = {}
        """What each plot drew last (points, lines, bars): for tests and read-outs."""
        self._apply_palette()
        self.show_rows([], [], "val_accuracy", True)

    def _apply_palette(self) -> None:
        super()._apply_palette()
        for page in (self.history, self.parallel, self.importance, self.pareto):
            page.plot.setBackground(self._background)
            for axis in ("left", "bottom"):
                page.plot.getAxis(axis).setTextPen(self._text)
                page.plot.getAxis(axis).setPen(self._text)

    def show_rows(self, rows: Sequence[TrialRow], names: Sequence[str], metric: str,
                  maximize: bool, cost: str | None = None,
                  importances: Mapping[str, float] | None = None) -> None:
        finished = [r for r in rows if r.metric is not None
                    and r.state in ("complete", "pruned")]
        self._history(finished, metric, maximize)
        self._parallel([r for r in finished if r.state == "complete"], names, metric)
        self._importance(importances, names)
        self._pareto(rows, metric, maximize, cost)

    def _history(self, rows: Sequence[TrialRow], metric: str, maximize: bool) -> None:
        page = self.history
        page.plot.clear()
        if not rows:
            page.show_note("The metric of each trial appears here as trials finish.")
            self.drawn["history"] = 0
            return
        page.show_plot()
        page.plot.setLabel("bottom", "trial")
        page.plot.setLabel("left", metric)
        for state, colour in (("complete", POINT_COLOUR), ("pruned", PRUNED_COLOUR)):
            chosen = [r for r in rows if r.state == state]
            if chosen:
                page.plot.plot([r.number for r in chosen], [r.metric for r in chosen],
                               pen=None, symbol="o", symbolSize=7, symbolBrush=colour,
                               symbolPen=None, name=state)
        complete = sorted((r for r in rows if r.state == "complete"), key=lambda r: r.number)
        best, xs, ys = None, [], []
        for row in complete:
            if best is not None and xs:  # a step: the best holds until it is beaten
                xs.append(row.number)
                ys.append(best)
            if best is None or (row.metric > best if maximize else row.metric < best):
                best = row.metric
            xs.append(row.number)
            ys.append(best)
        if xs:
            page.plot.plot(xs, ys, pen=pg.mkPen(BEST_COLOUR, width=2), name="best so far")
        self.drawn["history"] = len(rows)

    def _parallel(self, rows: Sequence[TrialRow], names: Sequence[str], metric: str) -> None:
        page = self.parallel
        page.plot.clear()
        axes = [*names, metric]
        if len(rows) < 2:
            page.show_note("Each complete trial becomes a line across one axis per "
                           "parameter and the metric, once two trials are complete.")
            self.drawn["parallel"] = 0
            return
        page.show_plot()
        columns = [_axis_values([r.params.get(n) for r in rows]) for n in names]
        columns.append([r.metric for r in rows])
        scaled = np.array([_scaled(c, log=n in _log_axes(names, rows))
                           for n, c in zip(axes, columns, strict=True)])
        metrics = np.array(columns[-1], dtype=float)
        low, high = float(np.nanmin(metrics)), float(np.nanmax(metrics))
        for index in range(len(rows)):
            share = 0.5 if high == low else (metrics[index] - low) / (high - low)
            colour = QColor.fromHsvF(0.6 - 0.6 * share, 0.8, 0.85)
            page.plot.plot(list(range(len(axes))), scaled[:, index],
                           pen=pg.mkPen(colour, width=1.5))
        ticks = [(i, name) for i, name in enumerate(axes)]
        page.plot.getAxis("bottom").setTicks([ticks])
        # room beyond the first and last axes, so that their names are written too
        page.plot.setXRange(-0.4, len(axes) - 0.6, padding=0)
        page.plot.getAxis("left").setTicks([[(0, "low"), (1, "high")]])
        page.plot.setLabel("left", "")
        page.plot.setLabel("bottom", "")
        self.drawn["parallel"] = len(rows)

    def _importance(self, importances: Mapping[str, float] | None,
                    names: Sequence[str]) -> None:
        page = self.importance
        page.plot.clear()
        if not importances:
            page.show_note("How much each parameter explains the metric, once three "
                           "trials are complete.")
            self.drawn["importance"] = 0
            return
        page.show_plot()
        shown = [n for n in names if n in importances] or list(importances)
        bars = pg.BarGraphItem(x0=0, y=list(range(len(shown))), height=0.6,
                               width=[importances[n] for n in shown], brush=POINT_COLOUR)
        page.plot.addItem(bars)
        page.plot.getAxis("left").setTicks([[(i, n) for i, n in enumerate(shown)]])
        page.plot.setLabel("bottom", "importance")
        page.plot.setXRange(0, 1)
        self.drawn["importance"] = len(shown)

    def _pareto(self, rows: Sequence[TrialRow], metric: str, maximize: bool,
                cost: str | None) -> None:
        page = self.pareto
        page.plot.clear()
        self.tabs.setTabEnabled(self.tabs.indexOf(page), cost is not None)
        points = [r for r in rows if r.state == "complete" and r.metric is not None
                  and r.cost is not None]
        if cost is None or not points:
            page.show_note("With two objectives (the metric and MACs or parameters), the "
                           "trials that nothing beats on both appear here.")
            self.drawn["pareto"] = 0
            return
        page.show_plot()
        page.plot.setLabel("bottom", cost)
        page.plot.setLabel("left", metric)
        page.plot.plot([r.cost for r in points], [r.metric for r in points], pen=None,
                       symbol="o", symbolSize=7, symbolBrush=POINT_COLOUR, symbolPen=None)
        front = pareto_rows(points, maximize)
        page.plot.plot([r.cost for r in front], [r.metric for r in front],
                       pen=pg.mkPen(FRONT_COLOUR, width=2), symbol="o", symbolSize=9,
                       symbolBrush=FRONT_COLOUR, symbolPen=None)
        self.drawn["pareto"] = len(front)


def _axis_values(values: Sequence[Any]) -> list[float]:
    """Numbers as they are; choices (names, lists) evenly spaced in their sorted order."""
    if all(isinstance(v, (int, float)) for v in values):
        return [float(v) for v in values]
    places = {text: i for i, text in enumerate(sorted({str(v) for v in values}))}
    return [float(places[str(v)]) for v in values]


def _log_axes(names: Sequence[str], rows: Sequence[TrialRow]) -> set[str]:
    """Parameters spread over more than a factor of 20: shown on a log scale."""
    found = set()
    for name in names:
        values = [r.params.get(name) for r in rows]
        numbers = [v for v in values if isinstance(v, (int, float))
                   and not isinstance(v, bool) and v > 0]
        if len(numbers) == len(values) and numbers and max(numbers) / min(numbers) >= 20:
            found.add(name)
    return found


def _scaled(values: Sequence[float], log: bool) -> list[float]:
    data = [math.log(v) if log else v for v in values]
    low, high = min(data), max(data)
    if high == low:
        return [0.5] * len(data)
    return [(v - low) / (high - low) for v in data]
