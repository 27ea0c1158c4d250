"""Layers dropped from the palette onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from tests.widgets.canvas_helpers import send_drop, show, small_cnn


def test_dropping_a_palette_layer_emits_layer_dropped_at_the_scene_point(canvas):
    scene, view = show(canvas, small_cnn())
    drops = []
    scene.layer_dropped.connect(lambda kind, point: drops.append((kind, point)))
    point = QPoint(700, 300)

    assert send_drop(view, point, b"Conv2d")
    assert len(drops) == 1
    kind, scene_point = drops[0]
    assert kind == "Conv2d"
    assert (scene_point - view.mapToScene(point)).manhattanLength() < 1


def test_other_drops_are_not_taken(canvas):
    scene, view = show(canvas, small_cnn())
    drops = []
    scene.layer_dropped.connect(lambda *args: drops.append(args))
    assert not send_drop(view, QPoint(700, 300), b"hello", mime="text/plain")
    assert drops == []
