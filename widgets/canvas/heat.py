"""A heat map over the nodes: one figure per node (parameters, MACs, memory, time) turned
into a fill colour, on a logarithmic scale because such figures span decades (a ReLU's
thousands of MACs next to a convolution's millions)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QLinearGradient

from widgets.canvas.style import blend

HEAT_STOPS = tuple(QColor(code) for code in (
    "#fff3b0", "#fdc35a", "#f9844a", "#e0453a", "#9b1d3a"))
"""Pale yellow to deep red (after ColorBrewer's YlOrRd): ordered by lightness, so the
order reads in grey and to the colour-blind too."""


@dataclass(frozen=True)
class Heat:
    """What the nodes are coloured by: `values` per node id (a node left out, or with 0,
    keeps its usual fill), named by `title` and written by `format` in the legend."""

    title: str
    values: Mapping[str, float]
    format: Callable[[float], str] = field(compare=False)
    note: str = ""
    """A line under the scale: how the figures were made, or why there are none."""
    bounds: tuple[float, float] | None = None
    """A fixed linear scale (a share from 0 to 1, say) instead of the logarithmic one from
    the smallest figure above 0 to the largest; every node with a figure is coloured."""

    def _shown(self) -> dict[str, float]:
        if self.bounds is not None:
            return {node: value for node, value in self.values.items() if math.isfinite(value)}
        return {node: value for node, value in self.values.items()
                if value > 0 and math.isfinite(value)}

    def span(self) -> tuple[float, float] | None:
        if self.bounds is not None:
            return self.bounds
        shown = list(self._shown().values())
        return (min(shown), max(shown)) if shown else None

    def levels(self) -> dict[str, float]:
        """Each node's place on the scale, 0 for the smallest figure to 1 for the largest."""
        span, shown = self.span(), self._shown()
        if span is None:
            return {}
        low, high = span
        if self.bounds is not None:
            return {node: min(1.0, max(0.0, (value - low) / (high - low)))
                    for node, value in shown.items()}
        if high <= low:
            return {node: 1.0 for node in shown}
        scale = math.log(high / low)
        return {node: math.log(value / low) / scale for node, value in shown.items()}


def heat_colour(level: float) -> QColor:
    """The colour of a place on the scale (0 to 1)."""
    level = min(1.0, max(0.0, level)) * (len(HEAT_STOPS) - 1)
    index = min(int(level), len(HEAT_STOPS) - 2)
    return blend(HEAT_STOPS[index], HEAT_STOPS[index + 1], level - index)


def heat_gradient(start_x: float, end_x: float) -> QLinearGradient:
    gradient = QLinearGradient(start_x, 0, end_x, 0)
    for index, colour in enumerate(HEAT_STOPS):
        gradient.setColorAt(index / (len(HEAT_STOPS) - 1), colour)
    return gradient
