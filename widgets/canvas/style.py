"""How the canvas looks: sizes, category colours and the colours taken from the palette.

Everything that is not a category or a problem colour follows the widget palette, so the
canvas reads well under a light and a dark theme alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette

from engine.layout import NODE_SIZE

Flow = Literal["top-to-bottom", "left-to-right"]
"""Which way tensors run on the canvas; the names of engine.layout.Direction, so a graph
laid out one way gets its ports on the matching sides."""

NODE_WIDTH, NODE_HEIGHT = NODE_SIZE
"""The size auto-layout assumes, so laid-out graphs never overlap on the canvas."""
NODE_RADIUS = 8.0
HEADER_HEIGHT = 22.0
"""The category-coloured band at the top of a node that names its layer type."""
TEXT_MARGIN = 13.0
PORT_RADIUS = 5.5
PORT_HIT_RADIUS = 10.0
"""Ports are small to look at but generous to hit with the mouse."""
EDGE_WIDTH = 2.0
EDGE_HIT_WIDTH = 12.0
NODE_GAP = 40.0
"""Free space kept around a node placed automatically."""

ZOOM_MIN, ZOOM_MAX = 0.1, 4.0
DETAIL_ZOOM = 0.4
"""Below this zoom text is unreadable anyway, so nodes and edges skip it (and draw fast)."""

CATEGORY_COLOURS: dict[str, QColor] = {
    category: QColor(hex_code) for category, hex_code in {
        # medium tones that keep their hue on white and on near-black, spread round the
        # colour wheel; pure red and amber are left for errors and warnings
        "Input": "#12a87c",
        "Convolution": "#3b7ddd",
        "Pooling": "#0fa3b8",
        "Recurrent": "#8b5cf6",
        "Sequence": "#c34fd6",
        "Dense": "#ee7a2f",
        "Normalisation": "#7cb32a",
        "Activation": "#d4a20c",
        "Shape": "#6b7a90",
        "Merge": "#e0568f",
        "Operations": "#a0674b",
        "Block": "#4f5bd5",
    }.items()
}
UNKNOWN_CATEGORY_COLOUR = QColor("#8a8a8a")
"""For a node whose layer type is not in the catalogue (a typo in a hand-edited file)."""

ERROR_COLOUR = QColor("#e5484d")
WARNING_COLOUR = QColor("#f5a524")
ACCEPT_COLOUR = QColor("#30a46c")
"""A connection being dragged that would be allowed."""
REFUSE_COLOUR = ERROR_COLOUR

def category_colour(category: str | None) -> QColor:
    return QColor(CATEGORY_COLOURS.get(category or "", UNKNOWN_CATEGORY_COLOUR))


def blend(first: QColor, second: QColor, amount: float) -> QColor:
    """`first` moved `amount` (0 to 1) of the way towards `second`."""
    return QColor.fromRgbF(
        first.redF() + (second.redF() - first.redF()) * amount,
        first.greenF() + (second.greenF() - first.greenF()) * amount,
        first.blueF() + (second.blueF() - first.blueF()) * amount,
        first.alphaF() + (second.alphaF() - first.alphaF()) * amount,
    )


def with_alpha(colour: QColor, alpha: float) -> QColor:
    result = QColor(colour)
    result.setAlphaF(alpha)
    return result


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG), 0 for black to 1 for white."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4
    return (0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF())
            + 0.0722 * linear(colour.blueF()))


def contrast_ratio(first: QColor, second: QColor) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on `background`."""
    black, white = QColor("#16181d"), QColor("#ffffff")
    return black if contrast_ratio(background, black) >= contrast_ratio(background, white) \
        else white


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


@dataclass(frozen=True)
class CanvasColours:
    """The colours of one palette, worked out once and shared by every item."""

    dark: bool
    background: QColor
    grid_minor: QColor
    grid_major: QColor
    node_fill: QColor
    node_border: QColor
    hover_border: QColor
    node_shadow: QColor
    text: QColor
    muted_text: QColor
    selection: QColor
    edge: QColor
    edge_label_fill: QColor
    edge_label_text: QColor
    port_fill: QColor
    port_border: QColor
    banner_fill: QColor
    banner_text: QColor

    def header_fill(self, category: str | None) -> QColor:
        """A tint of the category colour: it names the category without shouting, and the
        palette's own text stays readable on it."""
        return blend(self.node_fill, category_colour(category), 0.32 if self.dark else 0.2)

    def accent(self, category: str | None) -> QColor:
        """The category colour at full strength, for the strip along the node's side."""
        return category_colour(category)


def canvas_colours(palette: QPalette) -> CanvasColours:
    """The canvas colours that go with a widget palette (light or dark)."""
    role = QPalette.ColorRole
    window, base = palette.color(role.Window), palette.color(role.Base)
    text = palette.color(role.WindowText)
    highlight = palette.color(role.Highlight)
    dark = is_dark(palette)
    if dark:
        # cards a little lighter than the canvas, as light falls on raised things
        background = blend(window, QColor("black"), 0.25)
        node_fill = blend(window, QColor("white"), 0.07)
        node_shadow = QColor(0, 0, 0, 120)
    else:
        background = blend(window, text, 0.04)
        node_fill = base
        node_shadow = QColor(0, 0, 0, 40)
    muted = blend(text, background, 0.4)
    return CanvasColours(
        dark=dark,
        background=background,
        grid_minor=blend(background, text, 0.035),
        grid_major=blend(background, text, 0.07),
        node_fill=node_fill,
        node_border=blend(node_fill, text, 0.22),
        hover_border=blend(node_fill, text, 0.55),
        node_shadow=node_shadow,
        text=text,
        muted_text=muted,
        selection=highlight,
        edge=blend(background, text, 0.45),
        edge_label_fill=blend(background, node_fill, 0.6),
        edge_label_text=blend(text, background, 0.2),
        port_fill=node_fill,
        port_border=blend(node_fill, text, 0.5),
        banner_fill=with_alpha(blend(background, text, 0.85), 0.92),
        banner_text=background,
    )


def node_fonts(base: QFont) -> tuple[QFont, QFont, QFont]:
    """The fonts of a node's face: header (layer type), title (node id) and detail."""
    size = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
    header = QFont(base)
    header.setPointSizeF(size * 0.9)
    header.setWeight(QFont.Weight.DemiBold)
    title = QFont(base)
    title.setPointSizeF(size)
    title.setWeight(QFont.Weight.Bold)
    detail = QFont(base)
    detail.setPointSizeF(size * 0.9)
    return header, title, detail


def label_font(base: QFont) -> QFont:
    """The font of edge labels (tensor shapes) and the connection hint."""
    size = base.pointSizeF() if base.pointSizeF() > 0 else 9.0
    font = QFont(base)
    font.setPointSizeF(size * 0.85)
    return font


class CanvasLook:
    """What every item of one scene paints with: the palette's colours, the fonts with
    their metrics, and the flow direction. Shared and updated in place, so a palette change
    reaches all items at once."""

    def __init__(self, palette: QPalette, font: QFont, flow: Flow = "top-to-bottom"):
        self.flow: Flow = flow
        self.set_palette(palette)
        self.set_font(font)

    def set_palette(self, palette: QPalette) -> None:
        self.colours = canvas_colours(palette)

    def set_font(self, font: QFont) -> None:
        self.header_font, self.title_font, self.detail_font = node_fonts(font)
        self.label_font = label_font(font)
        self.header_metrics = QFontMetricsF(self.header_font)
        self.title_metrics = QFontMetricsF(self.title_font)
        self.detail_metrics = QFontMetricsF(self.detail_font)
        self.label_metrics = QFontMetricsF(self.label_font)
