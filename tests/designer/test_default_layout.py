"""The first window a newcomer sees, at 1280×820 with no saved layout: a canvas with room,
a Training dock whose settings, runs and curves all read without scrolling once it is
raised, and networks never shown smaller than their text can be read."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

import designer.files
from designer.main_window import READABLE_ZOOM
from designer.templates import PREVIEW_ZOOM, TemplateDialog

TEMPLATES = sorted(designer.files.TEMPLATES.glob("*.ndproj"))


def settle(window, qtbot) -> None:
    qtbot.wait(50)
    QGuiApplication.processEvents()


@pytest.fixture
def first_window(make_window):
    return make_window((1280, 820))


def test_the_first_layout_gives_the_canvas_room_and_the_problems_a_strip(first_window,
                                                                         qtbot):
    window = first_window
    settle(window, qtbot)
    assert window.view.viewport().height() >= 450
    assert 100 <= window.docks["problems"].height() <= 220


def test_raised_the_training_dock_shows_every_setting_and_the_runs_without_scrolling(
        first_window, qtbot):
    window = first_window
    assert window.files.open_path(TEMPLATES[0], confirmed=True)
    window.docks["training"].raise_()
    qtbot.waitUntil(lambda: window.docks["training"].height() >= 330, timeout=5000)
    settle(window, qtbot)
    panel = window.training_panel
    assert panel.tabs.currentWidget() is panel.settings_page
    assert panel.settings_page.verticalScrollBar().maximum() == 0, "the settings scroll"
    column = panel.from_last.parentWidget().parentWidget().parentWidget()
    assert column.verticalScrollBar().maximum() == 0, "the runs are out of sight"
    assert panel.runs.height() >= 48 and panel.from_last.isVisible()
    label = panel.dataset.source
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.currentText())
    assert window.view.viewport().height() >= 250, "the canvas keeps some room"


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_fit_and_auto_layout_never_go_below_a_legible_zoom(first_window, qtbot, template):
    window = first_window
    assert window.files.open_path(template, confirmed=True)
    settle(window, qtbot)
    assert window.view.zoom() >= READABLE_ZOOM - 1e-6
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.view.zoom() >= READABLE_ZOOM - 1e-6
    window.auto_layout("top-to-bottom")
    settle(window, qtbot)
    assert window.view.zoom() >= READABLE_ZOOM - 1e-6
    shown = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    visible = [i for i in window.scene.node_items() if shown.contains(i.sceneBoundingRect())]
    # a long chain is wrapped into columns: far more of it in sight than one column holds
    assert len(visible) >= min(len(window.scene.node_items()), 8)


def test_the_template_preview_is_readable(first_window):
    dialog = TemplateDialog(designer.files.TEMPLATES, first_window)
    dialog.resize(900, 600)
    dialog.show()
    for item in dialog.template_items():
        dialog.tree.setCurrentItem(item)
        assert dialog.preview.zoom() >= PREVIEW_ZOOM - 1e-6, item.text(0)
    dialog.close()
