"""Selecting nodes and edges (clicks, rubber band, Ctrl+A) and deleting what is selected."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.graph import Edge
from tests.widgets.canvas_helpers import (
    LEFT,
    NO_MODIFIER,
    at,
    centre_of,
    chain,
    drag,
    show,
    small_cnn,
)
from widgets.canvas import NODE_HEIGHT, NODE_WIDTH


def test_delete_requests_the_selected_nodes_and_edges(canvas):
    graph = chain(("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}),
                  ("c", "Sigmoid", {}))
    scene, view = show(canvas, graph)
    deletions = []
    scene.delete_requested.connect(lambda nodes, edges: deletions.append((nodes, edges)))

    scene.select_nodes(["c"])
    scene.edge_item(Edge("x", "a")).setSelected(True)
    scene.edge_item(Edge("b", "c")).setSelected(True)  # goes with c anyway
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)

    assert deletions == [(["c"], [Edge("x", "a")])]
    assert len(scene.node_items()) == 4, "the application deletes, then syncs"

    scene.select_nodes(["a"])
    QTest.keyClick(view.viewport(), Qt.Key.Key_Backspace)
    assert deletions[-1] == (["a"], [])


def test_clicking_an_edge_selects_it(canvas):
    scene, view = show(canvas, small_cnn())
    edge = scene.edge_item(Edge("conv", "relu"))
    QTest.mouseClick(view.viewport(), LEFT, NO_MODIFIER,
                     at(view, edge.path().pointAtPercent(0.3)))
    assert edge.isSelected()
    assert scene.selected_edges() == [Edge("conv", "relu")]


def test_rubber_band_on_empty_space_selects_the_nodes_inside(canvas):
    scene, view = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)

    top_left = scene.node_item("image").pos() - QPointF(30, 30)
    bottom_right = scene.node_item("conv").pos() + QPointF(NODE_WIDTH + 30, NODE_HEIGHT + 20)
    drag(view, top_left, bottom_right)

    assert scene.selected_node_ids() == ["image", "conv"]
    assert changes and changes[-1] == ["image", "conv"]


def test_ctrl_a_selects_everything(canvas):
    scene, view = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert scene.selected_node_ids() == ["image", "conv", "relu"]
    assert len(scene.selected_edges()) == 2
    assert changes == [["image", "conv", "relu"]], "one signal for the whole selection"


def test_select_nodes_and_selection_signal(canvas):
    scene, _ = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)
    scene.select_nodes(["relu", "image"])
    assert scene.selected_node_ids() == ["image", "relu"]
    scene.select_nodes(["relu", "image"])
    assert changes == [["image", "relu"]]


def test_double_click_on_a_node(canvas):
    scene, view = show(canvas, small_cnn())
    clicked = []
    scene.node_double_clicked.connect(clicked.append)
    QTest.mouseDClick(view.viewport(), LEFT, NO_MODIFIER, at(view, centre_of(scene, "relu")))
    assert clicked == ["relu"]
