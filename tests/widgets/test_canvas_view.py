"""Zooming (wheel, fit to view) and panning (middle drag, space and left drag)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.project import load_project
from tests.widgets.canvas_helpers import (
    MIDDLE,
    NO_MODIFIER,
    ROOT,
    at,
    centre_of,
    drag,
    show,
    small_cnn,
)
from widgets.canvas import GraphScene, GraphView


def wheel(view: GraphView, position: QPoint, notches: float) -> None:
    event = QWheelEvent(QPointF(position), QPointF(view.viewport().mapToGlobal(position)),
                        QPoint(), QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                        NO_MODIFIER, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_wheel_zooms_towards_the_cursor_within_limits(canvas):
    scene, view = show(canvas, small_cnn())
    cursor = at(view, centre_of(scene, "relu"))
    under_cursor = view.mapToScene(cursor)
    before = view.zoom()

    wheel(view, cursor, 1)
    assert view.zoom() > before
    assert (view.mapToScene(cursor) - under_cursor).manhattanLength() < 2

    wheel(view, cursor, -2)
    assert view.zoom() < before
    for _ in range(40):
        wheel(view, cursor, 1)
    assert view.zoom() == pytest.approx(4.0)
    for _ in range(60):
        wheel(view, cursor, -1)
    assert view.zoom() == pytest.approx(0.1)


def test_zoom_by_and_fit_to_view(canvas):
    scene, view = show(canvas, load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    view.zoom_by(2.0)
    view.fit_to_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.itemsBoundingRect())


def test_fit_before_the_view_is_shown_happens_when_it_shows(qtbot):
    scene = GraphScene()
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(800, 600)
    scene.set_graph(load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    view.fit_to_view()
    view.show()
    qtbot.waitExposed(view)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.itemsBoundingRect())


def test_middle_drag_pans(canvas):
    _, view = show(canvas, small_cnn())
    point = QPoint(500, 400)
    before = view.mapToScene(point)
    QTest.mousePress(view.viewport(), MIDDLE, NO_MODIFIER, point)
    QTest.mouseMove(view.viewport(), point + QPoint(80, 50))
    QTest.mouseRelease(view.viewport(), MIDDLE, NO_MODIFIER, point + QPoint(80, 50))
    moved = view.mapToScene(point) - before
    zoom = view.zoom()
    assert moved.x() == pytest.approx(-80 / zoom, abs=2) and \
        moved.y() == pytest.approx(-50 / zoom, abs=2)


def test_space_and_left_drag_pans_instead_of_moving_or_selecting(canvas):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)
    view.setFocus()
    start = centre_of(scene, "conv")
    before = view.mapToScene(QPoint(500, 400))
    QTest.keyPress(view.viewport(), Qt.Key.Key_Space)
    drag(view, start, start + QPointF(60, 0))
    QTest.keyRelease(view.viewport(), Qt.Key.Key_Space)
    assert moves == []
    assert view.mapToScene(QPoint(500, 400)).x() < before.x() - 20
