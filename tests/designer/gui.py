"""Driving the designer as a person does: drops from the palette, mouse drags between
ports, typing into the inspector, answering dialogs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from designer.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def at(window: MainWindow, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def drop_layer(window: MainWindow, layer_type: str, scene_point: QPointF) -> str:
    """Drag a palette entry onto the canvas; the id of the layer it creates."""
    palette = window.palette_panel
    data = palette.tree().mimeData([palette.layer_item(layer_type)])
    viewport = window.view.viewport()
    point = at(window, scene_point)
    actions = Qt.DropAction.CopyAction
    QApplication.sendEvent(viewport, QDragEnterEvent(point, actions, data, LEFT, NONE))
    QApplication.sendEvent(viewport, QDragMoveEvent(point, actions, data, LEFT, NONE))
    drop = QDropEvent(QPointF(point), actions, data, LEFT, NONE)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()
    selected = window.scene.selected_node_ids()
    assert len(selected) == 1
    return selected[0]


def mouse_drag(window: MainWindow, start: QPointF, end: QPointF, steps: int = 8,
               before_release: Callable[[], None] | None = None) -> None:
    viewport = window.view.viewport()
    QTest.mousePress(viewport, LEFT, NONE, at(window, start))
    for step in range(1, steps + 1):
        QTest.mouseMove(viewport, at(window, start + (end - start) * (step / steps)))
    if before_release is not None:
        before_release()
    QTest.mouseRelease(viewport, LEFT, NONE, at(window, end))


def connect_ports(window: MainWindow, source: str, target: str, port: int = 0,
                  before_release: Callable[[], None] | None = None) -> None:
    scene = window.scene
    mouse_drag(window, scene.port_scene_pos(source, "out", 0),
               scene.port_scene_pos(target, "in", port), before_release=before_release)


def click_node(window: MainWindow, node_id: str) -> None:
    item = window.scene.node_item(node_id)
    window.view.ensureVisible(item)
    centre = item.sceneBoundingRect().center()
    QTest.mouseClick(window.view.viewport(), LEFT, NONE, at(window, centre))


def type_param(window: MainWindow, name: str, text: str) -> None:
    """Set a parameter in the inspector the way a person does."""
    editor = window.inspector.editor(name)
    assert editor is not None, f"no editor for {name}"
    if isinstance(editor, QCheckBox):
        if editor.isChecked() != (text == "true"):
            QTest.mouseClick(editor, LEFT)
        return
    if isinstance(editor, QComboBox) and not editor.isEditable():
        editor.setFocus()
        editor.setCurrentIndex(editor.findText(text))
        return
    line = editor.lineEdit() if isinstance(editor, (QSpinBox, QComboBox)) else editor
    assert isinstance(line, QLineEdit)
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def when_a_dialog_shows(kind: type, act: Callable[[QWidget], None]) -> None:
    """Call `act` with the next modal dialog of `kind`, as soon as it shows (a modal
    dialog's exec() blocks the test until something answers it)."""

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, look)
            return
        act(dialog)

    QTimer.singleShot(0, look)


def answer_next_dialog(button: QMessageBox.StandardButton,
                       seen: list[str] | None = None) -> None:
    """Click `button` on the next modal message box, as soon as it shows."""

    def answer(box: QMessageBox) -> None:
        if seen is not None:
            seen.append(box.text())
        target: QAbstractButton = box.button(button)
        QTest.mouseClick(target, LEFT)

    when_a_dialog_shows(QMessageBox, answer)
