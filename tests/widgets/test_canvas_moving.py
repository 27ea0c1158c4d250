"""Dragging nodes: one nodes_moved per drag, the graph left for the application to edit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtTest import QTest

from engine.graph import Edge
from tests.widgets.canvas_helpers import LEFT, NO_MODIFIER, at, centre_of, drag, show, small_cnn


def test_dragging_a_node_emits_one_nodes_moved_with_old_and_new_positions(canvas, qtbot):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)

    start = centre_of(scene, "conv")
    drag(view, start, start + QPointF(120, 30), steps=8)

    assert len(moves) == 1
    (old, new), = moves[0].values()
    assert list(moves[0]) == ["conv"]
    assert old == (0.0, 140.0)
    assert new[0] == pytest.approx(120, abs=3) and new[1] == pytest.approx(170, abs=3)
    item = scene.node_item("conv")
    assert scene.edge_item(Edge("image", "conv")).path().currentPosition() == \
        scene.port_scene_pos("conv", "in", 0), "edges follow the node while it moves"
    assert (item.x(), item.y()) == new

    scene.sync()  # the application did not apply the move: the view shows the graph again
    assert (item.x(), item.y()) == (0.0, 140.0)


def test_dragging_several_selected_nodes_is_one_move(canvas):
    scene, view = show(canvas, small_cnn())
    scene.select_nodes(["image", "conv"])
    moves = []
    scene.nodes_moved.connect(moves.append)

    start = centre_of(scene, "conv")
    drag(view, start, start + QPointF(60, 0))

    assert len(moves) == 1 and sorted(moves[0]) == ["conv", "image"]
    assert moves[0]["image"][0] == (0.0, 0.0)
    assert moves[0]["image"][1][0] == pytest.approx(60, abs=3)


def test_a_click_without_moving_emits_no_move(canvas):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)
    QTest.mouseClick(view.viewport(), LEFT, NO_MODIFIER, at(view, centre_of(scene, "conv")))
    assert moves == []
    assert scene.selected_node_ids() == ["conv"]
