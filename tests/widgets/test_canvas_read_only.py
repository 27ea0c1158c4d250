"""A read-only canvas (during training) refuses edits but still selects."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from tests.widgets.canvas_helpers import centre_of, drag, send_drop, show, unconnected


def test_read_only_blocks_moves_connections_deletes_and_drops(canvas):
    scene, view = show(canvas, unconnected())
    signals = []
    for signal in (scene.nodes_moved, scene.connect_requested, scene.delete_requested,
                   scene.layer_dropped):
        signal.connect(lambda *args: signals.append(args))
    scene.set_read_only(True, "Training — the graph is read-only")
    assert view.banner_text() == "Training — the graph is read-only"

    start = centre_of(scene, "relu")
    drag(view, start, start + QPointF(100, 0))
    assert (scene.node_item("relu").x(), scene.node_item("relu").y()) == (0.0, 280.0)
    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0))
    scene.select_nodes(["relu"])
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert not send_drop(view, QPoint(700, 300), b"ReLU")
    assert signals == []
    assert scene.selected_node_ids() == ["relu"], "selecting still works"

    scene.set_read_only(False)
    assert view.banner_text() == ""
    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0))
    assert signals == [("image", "conv", 0)]


def test_the_read_only_banner_never_hides_the_top_of_a_layer(canvas):
    scene, view = show(canvas, unconnected())
    top = min(scene.node_items(), key=lambda item: item.y())
    view.centerOn(top.sceneBoundingRect().center().x(), top.y() + view.viewport().height() / 2
                  / view.zoom() - 10)
    scene.set_read_only(True, "Training — the graph is read-only")
    banner = view._banner.geometry()
    shown = view.mapFromScene(top.sceneBoundingRect()).boundingRect()
    assert shown.top() > view.viewport().mapFrom(view, banner.bottomLeft()).y()
