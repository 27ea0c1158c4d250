"""A node on the canvas: a rounded card with a category-coloured header naming the layer
type, the node's id and the spec's summary of its parameters, and its ports."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.analysis import Problem
from engine.block_view import BLOCK_TYPE
from engine.catalogue import LayerSpec, spec_for
from engine.graph import Node
from widgets.canvas.flow import PortKind, port_offset
from widgets.canvas.heat import heat_colour
from widgets.canvas.port_item import PortItem
from widgets.canvas.style import (
    DETAIL_ZOOM,
    ERROR_COLOUR,
    HEADER_HEIGHT,
    NODE_HEIGHT,
    NODE_RADIUS,
    NODE_WIDTH,
    TEXT_MARGIN,
    WARNING_COLOUR,
    CanvasLook,
    blend,
    readable_text_on,
    with_alpha,
)
from widgets.node_figures import CostFigures

if TYPE_CHECKING:
    from widgets.canvas.edge_item import EdgeItem

STACK_OFFSET = 4.0
"""How far each of the cards drawn behind a collapsed block stands out."""
HALO = 4.0
"""Room outside the card for the selection ring and the shadow."""
BADGE_RADIUS = 7.0
ACCENT_WIDTH = 5.0
"""The solid category-coloured strip down the node's left side."""


@dataclass(frozen=True)
class NodeFace:
    """What a node's face says; compared between syncs so unchanged nodes are left alone."""

    layer_type: str
    category: str | None
    node_id: str
    summary: str


def face_for(node: Node) -> NodeFace:
    if node.type == BLOCK_TYPE:
        repeat = node.params.get("repeat", 1)
        times = f" ×{repeat}" if repeat != 1 else ""
        layers = node.params.get("layers", 0)
        return NodeFace(f"{node.params.get('name', 'Block')}{times}", "Block", node.id,
                        f"{layers} layer{'s' * (layers != 1)}")
    spec = spec_for(node.type)
    return NodeFace(node.type, spec.category if spec else None, node.id,
                    _summary(spec, node.params))


def _summary(spec: LayerSpec | None, params: dict[str, Any]) -> str:
    if spec is None:
        return "unknown layer type"
    if spec.summary is None:
        return ""
    values = spec.defaults()
    values.update(params)
    try:
        return spec.summary(values)
    except Exception:
        # the face is drawn before validation: a value the user is still typing (a string
        # for a size, say) may break the summary; the problems list says what is wrong
        return ""


def format_count(count: int) -> str:
    """A parameter count short enough for a node's face: 320, 4.7k, 151k, 1.2M, 3.0G."""
    if count < 1000:
        return str(count)
    for unit, suffix in ((1e3, "k"), (1e6, "M")):
        scaled = count / unit
        if round(scaled) < 1000:
            return f"{scaled:.1f}{suffix}" if scaled < 9.95 else f"{scaled:.0f}{suffix}"
    scaled = count / 1e9
    return f"{scaled:.1f}G" if scaled < 9.95 else f"{scaled:.0f}G"


@dataclass(frozen=True)
class NodeStatus:
    """What the analysis says about a node; compared between analyses like the face."""

    output: str | None = None
    param_count: int | None = None
    severity: str | None = None
    """'error', 'warning' or None: the worst of the node's problems."""
    messages: tuple[str, ...] = ()
    frames: int | None = None
    """A layer made for one image that applies to each of this many frames of a clip."""


PER_FRAME = "per frame"
"""What the header of a layer applied to each frame of a clip says after its type."""
TOOLTIP_COLUMNS = 90
"""The longest line of a node's tooltip, in characters."""


def status_for(output: object | None, param_count: int | None,
               problems: Sequence[Problem], frames: int | None = None) -> NodeStatus:
    severity = None
    if any(p.severity == "error" for p in problems):
        severity = "error"
    elif problems:
        severity = "warning"
    return NodeStatus(None if output is None else str(output), param_count, severity,
                      tuple(f"{p.severity}: {p.message}" for p in problems), frames)


class NodeItem(QGraphicsItem):
    """The item's position is the node's top-left corner, as Node.position stores it."""

    def __init__(self, node: Node, look: CanvasLook):
        super().__init__()
        self._look = look
        self.node = node
        """The graph's Node object this item shows; kept to recognise a renamed node."""
        self.face = face_for(node)
        self.status = NodeStatus()
        self.figures: CostFigures | None = None
        self.heat_level: float | None = None
        """Where the node's figure lies on the heat map's scale (0 to 1); None: not
        coloured."""
        self.input_ports: list[PortItem] = []
        self.output_port: PortItem | None = None
        self.edges: set[EdgeItem] = set()
        self._header_text = self._title_text = self._summary_text = self._count_text = ""
        self._figures_text = ""
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        self._hovered = False
        self.refresh_texts()

    @property
    def node_id(self) -> str:
        return self.face.node_id

    # ------------------------------------------------------------------ content

    def show_node(self, node: Node) -> None:
        """Bring the face in line with `node` (type, id, params); cheap when nothing
        changed."""
        self.node = node
        face = face_for(node)
        if face != self.face:
            self.face = face
            self.refresh_texts()
            self.update()

    def set_status(self, status: NodeStatus) -> None:
        if status != self.status:
            self.status = status
            self.refresh_texts()
            self.update()

    def set_figures(self, figures: CostFigures | None) -> None:
        """The node's cost: its MACs and memory go on the face, the rest in the tooltip."""
        if figures != self.figures:
            self.figures = figures
            self.refresh_texts()
            self.update()

    def set_heat_level(self, level: float | None) -> None:
        if level != self.heat_level:
            self.heat_level = level
            self.update()

    def set_movable(self, movable: bool) -> None:
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, movable)

    def refresh_texts(self) -> None:
        """Elide the texts once here rather than on every paint."""
        look, face, status = self._look, self.face, self.status
        width = NODE_WIDTH - 2 * TEXT_MARGIN
        elide = Qt.TextElideMode.ElideRight
        self._count_text = "" if not status.param_count else \
            f"{format_count(status.param_count)} params"
        count_width = look.detail_metrics.horizontalAdvance(self._count_text) + 8 \
            if self._count_text else 0
        badge_width = 2 * BADGE_RADIUS + 6 if status.severity else 0
        header = face.layer_type if status.frames is None else \
            f"{face.layer_type} · {PER_FRAME}"
        self._header_text = look.header_metrics.elidedText(header, elide, width - badge_width)
        self._figures_text = self._figures_beside(
            look.title_metrics.horizontalAdvance(face.node_id), width)
        figures_width = look.detail_metrics.horizontalAdvance(self._figures_text) + 8 \
            if self._figures_text else 0
        self._title_text = look.title_metrics.elidedText(face.node_id, elide,
                                                         width - figures_width)
        self._summary_text = look.detail_metrics.elidedText(face.summary, elide,
                                                            width - count_width)
        self.setToolTip(self._tooltip())

    def _figures_beside(self, id_width: float, width: float) -> str:
        """The heat map's figures for the id's row: the id comes first, so they shrink to
        their first figure, or go (the tooltip has them), where the id would not fit."""
        if self.figures is None:
            return ""
        metrics = self._look.detail_metrics
        whole = self.figures.face()
        for text in (whole, whole.split(" · ")[0], ""):
            used = metrics.horizontalAdvance(text) + 8 if text else 0
            if id_width + used <= width:
                return text
        return ""

    def _tooltip(self) -> str:
        face, status = self.face, self.status
        lines = [f"<b>{html.escape(face.node_id)}</b> · {html.escape(face.layer_type)}"]
        if face.summary:
            lines.append(html.escape(face.summary))
        facts = []
        if status.output is not None:
            facts.append(f"output {html.escape(status.output)}")
        if status.param_count is not None:
            facts.append(f"{status.param_count:,} parameters")
        if facts:
            lines.append(" · ".join(facts))
        if status.frames is not None:
            lines.append(f"applied to each of the {status.frames} frames of the clip, with "
                         "the same weights")
        if self.figures is not None:
            lines.extend(f"{html.escape(caption)}: {html.escape(value)}"
                         for caption, value in self.figures.rows())
        for message in status.messages:
            colour = ERROR_COLOUR if message.startswith("error") else WARNING_COLOUR
            # wrapped here: a tooltip line as long as the sentence runs off the window
            wrapped = "<br>".join(html.escape(part) for part in textwrap.wrap(
                message, TOOLTIP_COLUMNS, break_long_words=True))
            lines.append(f"<span style='color:{colour.name()}'>{wrapped}</span>")
        return "<br>".join(lines)

    # ------------------------------------------------------------------ ports

    def set_port_counts(self, inputs: int, has_output: bool) -> None:
        """Show `inputs` input ports and an output port or none; existing ports are kept so
        the edges attached to them stay valid."""
        changed = False
        while len(self.input_ports) > inputs:
            port = self.input_ports.pop()
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
            changed = True
        while len(self.input_ports) < inputs:
            self.input_ports.append(PortItem(self, self._look, "in", len(self.input_ports)))
            changed = True
        if has_output and self.output_port is None:
            self.output_port = PortItem(self, self._look, "out", 0)
            changed = True
        elif not has_output and self.output_port is not None:
            port, self.output_port = self.output_port, None
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
            changed = True
        if changed:
            self.place_ports()

    def place_ports(self) -> None:
        """Position the ports for the current flow direction and port count."""
        count = len(self.input_ports)
        for port in self.input_ports:
            port.setPos(port_offset(self._look.flow, "in", port.index, count))
        if self.output_port is not None:
            self.output_port.setPos(port_offset(self._look.flow, "out", 0, 1))

    def port(self, kind: PortKind, index: int = 0) -> PortItem | None:
        if kind == "out":
            return self.output_port if index == 0 else None
        return self.input_ports[index] if 0 <= index < len(self.input_ports) else None

    def port_scene_pos(self, kind: PortKind, index: int = 0) -> QPointF:
        """The scene position of a port; a port not shown (an edge into port 3 of a node
        showing 2) maps to where it would be, so the edge still ends on the node."""
        port = self.port(kind, index)
        if port is not None:
            return port.scenePos()
        count = max(len(self.input_ports), index + 1)
        return self.pos() + port_offset(self._look.flow, kind, index, count)

    # ------------------------------------------------------------------ geometry

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            # a selected node comes to the front so it is never hidden under a neighbour
            self.setZValue(2 if value else 1)
        return super().itemChange(change, value)

    @property
    def is_block(self) -> bool:
        return self.face.category == "Block"

    def boundingRect(self) -> QRectF:
        extra = 2 * STACK_OFFSET if self.is_block else 0.0
        return QRectF(-HALO, -HALO, NODE_WIDTH + 2 * HALO + extra,
                      NODE_HEIGHT + 2 * HALO + 2 + extra)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), NODE_RADIUS, NODE_RADIUS)
        return path

    # ------------------------------------------------------------------ painting

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colours = self._look.colours
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        card = QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        if self.is_block:
            # a collapsed block is a stack of cards: it reads as "several layers in one"
            painter.setPen(QPen(colours.node_border, 1.0))
            painter.setBrush(colours.header_fill("Block"))
            for step in (2, 1):
                painter.drawRoundedRect(card.translated(step * STACK_OFFSET,
                                                        step * STACK_OFFSET),
                                        NODE_RADIUS, NODE_RADIUS)

        if detail >= DETAIL_ZOOM:
            # a soft shadow from two offset layers: far cheaper than a blur effect
            painter.setPen(Qt.PenStyle.NoPen)
            for offset, alpha in ((3.0, 0.35), (1.5, 0.6)):
                painter.setBrush(with_alpha(colours.node_shadow,
                                            colours.node_shadow.alphaF() * alpha))
                painter.drawRoundedRect(card.translated(0, offset), NODE_RADIUS, NODE_RADIUS)

        if self.isSelected():
            painter.setPen(QPen(with_alpha(colours.selection, 0.55), 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(-2.5, -2.5, 2.5, 2.5), NODE_RADIUS + 2.5,
                                    NODE_RADIUS + 2.5)

        outline = QPainterPath()
        outline.addRoundedRect(card, NODE_RADIUS, NODE_RADIUS)
        painter.fillPath(outline, self.body_fill())
        header = QPainterPath()
        header.addRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT))
        painter.fillPath(outline.intersected(header), colours.header_fill(self.face.category))
        strip = QPainterPath()
        strip.addRect(QRectF(0, 0, ACCENT_WIDTH, NODE_HEIGHT))
        painter.fillPath(outline.intersected(strip), colours.accent(self.face.category))

        border = self.outline_colour()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(border, 1.0 if border in (colours.node_border, colours.hover_border)
                            else 2.0))
        painter.drawRoundedRect(card, NODE_RADIUS, NODE_RADIUS)

        if detail < DETAIL_ZOOM:
            return
        self._paint_texts(painter)
        if self.status.severity:
            self._paint_badge(painter)

    def body_fill(self) -> QColor:
        """The card's colour below the header: the heat map's colour when one is shown."""
        fill = self._look.colours.node_fill
        if self.heat_level is None:
            return fill
        # a touch of the card's own colour keeps the dark theme's cards from glaring
        return blend(heat_colour(self.heat_level), fill, 0.12 if self._look.colours.dark
                     else 0.0)

    def text_colours(self) -> tuple[QColor, QColor]:
        """The colours of the body's text and of its quieter details: the palette's, or
        black or white, whichever reads on the heat map's colour."""
        colours = self._look.colours
        if self.heat_level is None:
            return colours.text, colours.muted_text
        fill = self.body_fill()
        text = readable_text_on(fill)
        return text, blend(text, fill, 0.3)

    def outline_colour(self) -> QColor:
        colours = self._look.colours
        if self.status.severity == "error":
            return ERROR_COLOUR
        if self.status.severity == "warning":
            return WARNING_COLOUR
        if self.isSelected():
            return colours.selection
        if self._hovered:
            return colours.hover_border
        return colours.node_border

    def _paint_texts(self, painter: QPainter) -> None:
        look, colours = self._look, self._look.colours
        left, width = TEXT_MARGIN, NODE_WIDTH - 2 * TEXT_MARGIN
        centred = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(look.header_font)
        painter.setPen(colours.text)
        painter.drawText(QRectF(left, 0, width, HEADER_HEIGHT), centred, self._header_text)
        body = NODE_HEIGHT - HEADER_HEIGHT
        two_lines = bool(self._summary_text or self._count_text)
        if two_lines:
            title_row = QRectF(left, HEADER_HEIGHT + 2, width, body / 2)
            detail_row = QRectF(left, HEADER_HEIGHT + body / 2 - 2, width, body / 2)
        else:
            title_row = QRectF(left, HEADER_HEIGHT, width, body)
            detail_row = QRectF()
        text, muted = self.text_colours()
        painter.setFont(look.title_font)
        painter.setPen(text)
        painter.drawText(title_row, centred, self._title_text)
        painter.setFont(look.detail_font)
        painter.setPen(muted)
        if self._figures_text:
            painter.drawText(title_row, Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, self._figures_text)
        if two_lines:
            painter.drawText(detail_row, centred, self._summary_text)
            painter.drawText(detail_row, Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, self._count_text)

    def _paint_badge(self, painter: QPainter) -> None:
        """A round '!' on the right of the header: the problem reads at a glance, even for
        the colour-blind, and the tooltip says what it is."""
        colour = ERROR_COLOUR if self.status.severity == "error" else WARNING_COLOUR
        centre = QPointF(NODE_WIDTH - TEXT_MARGIN - BADGE_RADIUS + 4, HEADER_HEIGHT / 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(centre, BADGE_RADIUS, BADGE_RADIUS)
        painter.setPen(QColor("white"))
        painter.setFont(self._look.title_font)
        painter.drawText(QRectF(centre.x() - BADGE_RADIUS, centre.y() - BADGE_RADIUS,
                                2 * BADGE_RADIUS, 2 * BADGE_RADIUS),
                         Qt.AlignmentFlag.AlignCenter, "!")
