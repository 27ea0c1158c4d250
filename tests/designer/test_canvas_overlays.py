"""What the canvas draws over the network at the default window size: the hint on an empty
canvas goes as a whole once the first layer is there; the heat map's legend sits in a
corner where it covers no layer."""

from __future__ import annotations

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
    area = QRect(window.view.viewport().mapFrom(window.view, legend.pos()), legend.size())
    for item in window.scene.node_items():
        shown = window.view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        assert not area.intersects(shown), item.node_id
    window.grab().save(str(tmp_path / "legend.png"))
