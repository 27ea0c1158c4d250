"""The canvas shows what each node costs: its MACs and memory on its face, everything else
in its tooltip, and, when asked, a heat map of one figure over the node fills with its
legend in the view's corner."""

from __future__ import annotations

import itertools
import math

from PySide6.QtGui import QColor

from engine.analysis import analyse
from engine.costs import network_costs
from tests.widgets.canvas_helpers import chain, show
from widgets.canvas.heat import HEAT_STOPS, Heat, heat_colour
from widgets.canvas.style import luminance


def conv_net():
    return chain(("image", "Input", {"shape": [3, 32, 32]}),
                 ("a_long_convolution_name", "Conv2d", {"out_channels": 64,
                                                         "kernel_size": 3}),
                 ("relu", "ReLU", {}),
                 ("flat", "Flatten", {}),
                 ("fc", "Linear", {"out_features": 10}))


def shown_with_costs(canvas, batch: int = 32):
    graph = conv_net()
    scene, view = show(canvas, graph)
    costs = network_costs(graph, analyse(graph), {"batch_size": batch})
    scene.set_costs(costs)
    return scene, view, costs


def test_the_face_gives_macs_per_sample_and_output_memory_at_the_batch(canvas):
    scene, _, costs = shown_with_costs(canvas, batch=32)
    conv = scene.node_item("a_long_convolution_name")
    # 64 × 30 × 30 outputs of 3 × 3 × 3 each, and the bias added to each (ptflops'
    # convention): 1.6 M; 64 × 30 × 30 floats × 32 = 7.4 MB
    assert costs.nodes["a_long_convolution_name"].macs == 64 * 30 * 30 * (27 + 1)
    assert conv.figures.face() == "1.6 MMAC · 7.4 MB"
    assert scene.node_item("flat").figures.face() == "7.4 MB"  # a reshape: no MACs
    # the id comes first: the figures beside it shrink to the MACs, or go (the tooltip has
    # them), before it is cut
    assert conv._figures_text == "" and conv._title_text.startswith("a_long_convolution_n")
    assert scene.node_item("flat")._figures_text == "7.4 MB"
    tooltip = conv.toolTip()
    assert "Receptive field: 3 × 3 pixels" in tooltip
    assert "Output: 230 kB per sample, 7.4 MB at batch 32" in tooltip


def test_without_costs_the_face_is_as_before(canvas):
    scene, _, _ = shown_with_costs(canvas)
    scene.set_costs(None)
    item = scene.node_item("fc")
    assert item.figures is None and item._figures_text == ""
    assert "MACs" not in item.toolTip()


def test_levels_are_logarithmic_from_the_smallest_figure_to_the_largest():
    heat = Heat("MACs", {"a": 10, "b": 100, "c": 1000, "none": 0}, str)
    assert heat.span() == (10, 1000)
    levels = heat.levels()
    assert set(levels) == {"a", "b", "c"}
    assert math.isclose(levels["a"], 0) and math.isclose(levels["b"], 0.5)
    assert math.isclose(levels["c"], 1)
    assert Heat("one", {"a": 5, "b": 5}, str).levels() == {"a": 1.0, "b": 1.0}
    assert Heat("none", {}, str).levels() == {}


def test_the_colours_darken_steadily_along_the_scale():
    darkness = [luminance(heat_colour(level / 20)) for level in range(21)]
    assert all(later < earlier for earlier, later in itertools.pairwise(darkness))
    assert heat_colour(0) == HEAT_STOPS[0] and heat_colour(1) == HEAT_STOPS[-1]
    assert heat_colour(-1) == heat_colour(0) and heat_colour(2) == heat_colour(1)


def test_a_heat_map_fills_the_nodes_and_shows_its_legend(canvas):
    scene, view, costs = shown_with_costs(canvas)
    macs = {n: c.macs for n, c in costs.nodes.items()}
    scene.set_heat(Heat("MACs per sample", macs, lambda v: f"{v:.0f}", "log scale"))
    conv, relu = scene.node_item("a_long_convolution_name"), scene.node_item("relu")
    assert conv.heat_level == 1.0 and 0 <= relu.heat_level < 1
    assert scene.node_item("flat").heat_level is None
    assert conv.body_fill() != relu.body_fill()
    assert view.legend.isVisible()
    assert view.legend.labels() == ["57600", f"{math.sqrt(57600 * 1612800):.0f}", "1612800"]
    # the legend sits in the lower left corner of the view, inside it
    geometry = view.legend.geometry()
    assert geometry.left() < 40 and view.height() - 40 < geometry.bottom() < view.height()
    picture = view.grab().toImage()
    centre = view.mapFromScene(conv.sceneBoundingRect().center())
    shown = QColor(picture.pixel(centre.x() + 30, centre.y() + 14))
    assert abs(shown.lightnessF() - conv.body_fill().lightnessF()) < 0.08
    scene.set_heat(None)
    assert not view.legend.isVisible() and conv.heat_level is None


def test_text_on_a_dark_heat_colour_turns_light(canvas):
    scene, _, costs = shown_with_costs(canvas)
    scene.set_heat(Heat("MACs", {n: c.macs for n, c in costs.nodes.items()}, str))
    conv, relu = scene.node_item("a_long_convolution_name"), scene.node_item("relu")
    assert luminance(conv.body_fill()) < 0.2  # the scale's darkest red
    assert conv.text_colours()[0] == QColor("#ffffff")
    assert relu.heat_level == 0  # the palest yellow: dark text
    assert relu.text_colours()[0] == QColor("#16181d")
