"""Which way tensors flow on the canvas, and the geometry that follows from it: where a
node's ports sit and how an edge curves between them."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath

from widgets.canvas.style import NODE_HEIGHT, NODE_WIDTH, Flow

PortKind = Literal["in", "out"]


def port_offset(flow: Flow, kind: PortKind, index: int, count: int) -> QPointF:
    """Where port `index` of `count` sits relative to the node's top-left corner: inputs
    spread along the edge facing upstream, the output in the middle of the opposite edge."""
    fraction = (index + 1) / (count + 1)
    if flow == "left-to-right":
        return QPointF(0.0 if kind == "in" else NODE_WIDTH, NODE_HEIGHT * fraction)
    return QPointF(NODE_WIDTH * fraction, 0.0 if kind == "in" else NODE_HEIGHT)


def connection_path(flow: Flow, start: QPointF, end: QPointF) -> QPainterPath:
    """A smooth cubic curve from an output port to an input port. It leaves and enters
    along the flow, and bends further when the target lies behind the source, so a
    backwards edge loops round instead of cutting through the nodes."""
    path = QPainterPath(start)
    if flow == "left-to-right":
        along = end.x() - start.x()
        reach = max(40.0, abs(along) / 2 if along > 0 else 60.0 + abs(along) / 3)
        path.cubicTo(QPointF(start.x() + reach, start.y()), QPointF(end.x() - reach, end.y()),
                     end)
    else:
        along = end.y() - start.y()
        reach = max(40.0, abs(along) / 2 if along > 0 else 60.0 + abs(along) / 3)
        path.cubicTo(QPointF(start.x(), start.y() + reach), QPointF(end.x(), end.y() - reach),
                     end)
    return path
