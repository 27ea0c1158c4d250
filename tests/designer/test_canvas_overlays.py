"""What the canvas draws over the network at the default window size: the hint on an empty
canvas goes as a whole once the first layer is there; the heat map's legend sits in a
corner where it covers no layer."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, QRect
from PySide6.QtGui import QGuiApplication

from tests.designer.gui import drop_layer

ROOT = Path(__file__).parents[2]


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())
        return False


def test_the_empty_canvas_hint_is_wiped_whole_when_the_first_layer_arrives(make_window):
    window = make_window((1280, 820))
    viewport = window.view.viewport()
    QGuiApplication.processEvents()
    assert window.view.empty_hint and not window.scene.node_items()
    paints = _Paints()
    viewport.installEventFilter(paints)
    drop_layer(window, "Input", QPointF(0, 0))
    for _ in range(3):
        QGuiApplication.processEvents()
    viewport.removeEventFilter(paints)
    assert window.scene.node_items()
    whole = viewport.rect()
    assert any(rect.contains(whole) for rect in paints.rects), [
        (r.width(), r.height()) for r in paints.rects]


def test_the_heat_legend_covers_no_layer_of_a_template(make_window, tmp_path):
    window = make_window((1280, 820))
    assert window.files.open_path(ROOT / "projects" / "gesture_crnn.ndproj", confirmed=True)
    window.document.analyse_now()
    QGuiApplication.processEvents()
    # the network down the left edge of the canvas, where the legend would first go
    first = window.scene.node_item("relu2").sceneBoundingRect()
    width = window.view.viewport().width() / window.view.zoom()
    window.view.centerOn(QPointF(first.left() + width / 2 - 20, first.center().y()))
    QGuiApplication.processEvents()
    window.colour_by_actions["macs"].trigger()
    QGuiApplication.processEvents()
    legend = window.view.legend
    assert legend.isVisible()

    def assert_covers_nothing() -> None:
        area = QRect(window.view.viewport().mapFrom(window.view, legend.pos()), legend.size())
        for item in window.scene.node_items():
            shown = window.view.mapFromScene(item.sceneBoundingRect()).boundingRect()
            assert not area.intersects(shown), item.node_id

    assert_covers_nothing()
    window.grab().save(str(tmp_path / "legend.png"))
    window.layout_down_action.trigger()  # the layers move under it: it moves on
    for _ in range(3):
        QGuiApplication.processEvents()
    assert_covers_nothing()


def test_the_ids_a_palette_gives_stay_whole_beside_the_heat_maps_figures(make_window,
                                                                          tmp_path):
    from engine.graph import Edge, Graph, Node
    from engine.project import Project, save_project

    ids = [("input", "Input", {"shape": [1, 32, 32]}),
           ("conv2d", "Conv2d", {"out_channels": 16, "padding": 1}),
           ("batchnorm2d", "BatchNorm2d", {}), ("maxpool2d", "MaxPool2d", {}),
           ("tosequence", "ToSequence", {}), ("lstm", "LSTM", {}),
           ("laststep", "LastStep", {}), ("linear", "Linear", {"out_features": 6})]
    graph = Graph([Node(i, t, p, (0.0, 134.0 * k)) for k, (i, t, p) in enumerate(ids)],
                  [Edge(a[0], b[0]) for a, b in itertools.pairwise(ids)])
    path = tmp_path / "ids.ndproj"
    save_project(Project("Ids", graph), path)
    window = make_window((1280, 820))
    assert window.files.open_path(path, confirmed=True)
    window.document.analyse_now()
    window.colour_by_actions["macs"].trigger()
    QGuiApplication.processEvents()
    for item in window.scene.node_items():
        assert item._title_text == item.node_id, item._title_text
    tooltip = window.scene.node_item("maxpool2d").toolTip()
    assert "MAC" in tooltip


def test_a_long_problem_wraps_in_the_nodes_tooltip(make_window, tmp_path):
    from widgets.canvas.node_item import TOOLTIP_COLUMNS

    window = make_window((1280, 820))
    assert window.files.open_path(ROOT / "projects" / "digits_cnn.ndproj", confirmed=True)
    window.editor.set_params("conv1", {"kernel_size": 30})
    window.document.analyse_now()
    QGuiApplication.processEvents()
    tooltip = window.scene.node_item("conv1").toolTip()
    import re

    lines = re.sub(r"<[^>]+>", "\n", tooltip).splitlines()
    assert max(len(line) for line in lines) <= TOOLTIP_COLUMNS + 10
