"""Widget tests run offscreen: no display is needed, and none is used when there is one."""

import os

import pytest

# before any QApplication exists (pytest-qt makes it lazily, in the first test that needs it)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def canvas(qtbot):
    """A GraphScene in a shown GraphView, for the canvas tests (test_canvas_*.py)."""
    from widgets.canvas import GraphScene, GraphView

    scene = GraphScene()
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    qtbot.waitExposed(view)
    return scene, view
