"""The canvas's look: parameter counts, category colours, palette-following colours, flow
direction and a rendered view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from engine.catalogue import CATEGORIES
from engine.graph import Edge
from engine.project import load_project
from tests.widgets.canvas_helpers import ROOT, at, centre_of, show, small_cnn
from tests.widgets.palettes import dark_palette
from widgets.canvas import CATEGORY_COLOURS, NODE_HEIGHT, NODE_WIDTH, canvas_colours
from widgets.canvas.node_item import format_count
from widgets.canvas.style import contrast_ratio


@pytest.mark.parametrize(("count", "text"), [
    (0, "0"), (320, "320"), (999, "999"), (1000, "1.0k"), (4_730, "4.7k"), (9_990, "10k"),
    (151_498, "151k"), (999_400, "999k"), (999_600, "1.0M"), (23_000_000, "23M"),
    (3_000_000_000, "3.0G"),
])
def test_parameter_counts_are_short(count, text):
    assert format_count(count) == text


def test_category_colours_are_distinct_and_cover_the_catalogue_and_blocks():
    assert set(CATEGORY_COLOURS) == {*CATEGORIES, "Block"}
    assert len({c.name() for c in CATEGORY_COLOURS.values()}) == len(CATEGORIES) + 1
    assert all(isinstance(c, QColor) for c in CATEGORY_COLOURS.values())


@pytest.mark.parametrize("dark", [False, True])
def test_canvas_colours_follow_the_palette_and_stay_readable(qapp, dark):
    palette = dark_palette() if dark else qapp.style().standardPalette()
    colours = canvas_colours(palette)
    assert colours.dark == dark
    assert contrast_ratio(colours.text, colours.node_fill) > 7
    assert contrast_ratio(colours.muted_text, colours.node_fill) > 3
    for category in CATEGORIES:
        assert contrast_ratio(colours.text, colours.header_fill(category)) > 4.5
    assert contrast_ratio(colours.edge_label_text, colours.edge_label_fill) > 4.5


def test_a_palette_change_reaches_the_canvas(canvas, qapp):
    scene, _ = canvas
    original = qapp.palette()
    try:
        qapp.setPalette(dark_palette())
        qapp.processEvents()
        assert scene.look.colours.dark
    finally:
        qapp.setPalette(original)
        qapp.processEvents()
    assert scene.look.colours.dark == canvas_colours(original).dark


def test_left_to_right_flow_puts_ports_on_the_sides(canvas):
    scene, _ = show(canvas, small_cnn())
    scene.set_flow("left-to-right")
    conv = scene.node_item("conv")
    assert scene.port_scene_pos("conv", "in", 0) == conv.pos() + QPointF(0, NODE_HEIGHT / 2)
    assert scene.port_scene_pos("conv", "out", 0) == \
        conv.pos() + QPointF(NODE_WIDTH, NODE_HEIGHT / 2)
    assert scene.edge_item(Edge("image", "conv")).path().currentPosition() == \
        scene.port_scene_pos("conv", "in", 0)


def test_the_view_renders_a_project(canvas):
    scene, view = show(canvas, load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    image = view.grab().toImage()
    assert not image.isNull() and image.width() == view.width()
    background = scene.look.colours.background
    node_pixel = image.pixelColor(at(view, centre_of(scene, "conv1")))
    assert node_pixel != background
