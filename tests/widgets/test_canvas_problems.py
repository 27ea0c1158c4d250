"""Analysis problems on the canvas: outlined nodes, tooltips, marked duplicate edges."""

from __future__ import annotations

from engine.analysis import analyse
from engine.graph import Edge, Node
from tests.widgets.canvas_helpers import show, small_cnn
from widgets.canvas import ERROR_COLOUR, WARNING_COLOUR


def test_errors_and_warnings_outline_nodes_and_fill_tooltips(canvas):
    graph = small_cnn()
    graph.nodes["conv"].params["kernel_size"] = 99
    graph.add_node(Node("drop", "Dropout", {}, (0, 420)))
    graph.add_edge(Edge("relu", "drop"))
    graph.nodes["relu"].params["kernel_size"] = 99  # relu has no such parameter: an error
    scene, _ = show(canvas, graph)
    analysis = analyse(graph)

    conv, drop, image = (scene.node_item(n) for n in ("conv", "drop", "image"))
    assert conv.status.severity == "error" and conv.outline_colour() == ERROR_COLOUR
    for problem in analysis.problems_for("conv"):
        assert problem.message.split(";")[0] in conv.toolTip()
    assert drop.status.severity == "warning" and drop.outline_colour() == WARNING_COLOUR
    assert "dropout at the very end" in drop.toolTip()
    assert image.status.severity is None and image.outline_colour() not in (ERROR_COLOUR,
                                                                             WARNING_COLOUR)

    del graph.nodes["conv"].params["kernel_size"]
    scene.sync()
    scene.set_analysis(analyse(graph))
    assert conv.status.severity is None
    assert "error" not in conv.toolTip()


def test_a_duplicate_edge_is_shown_and_marked(canvas):
    graph = small_cnn()
    graph.add_edge(Edge("image", "conv"))
    scene, _ = show(canvas, graph)
    duplicates = [item for item in scene.edge_items() if item.edge == Edge("image", "conv")]
    assert len(duplicates) == 2 and all(item.broken for item in duplicates)
