"""Sweeps from the designer: mark a parameter to vary from its field in Properties, start a
short sweep, watch the trials come into the table, then open the best as a project of its
own or apply it to this one as one undoable edit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu

from engine.project import load_project, save_project
from tests.designer.gui import click_node
from tests.engine.sweep_helpers import swept_project
from tests.engine.training_helpers import classifier_project

LEFT = Qt.MouseButton.LeftButton


def _right_click(widget) -> QMenu:
    """The context menu a right-click on `widget` opens."""
    centre = widget.rect().center()
    QApplication.sendEvent(widget, QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, centre, widget.mapToGlobal(centre)))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    return menu


def _choose(menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text().startswith(text))
    QTest.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())


def _type(field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)


def _vary_from_properties(window, qtbot, node_id: str, param: str, low: str, high: str):
    click_node(window, node_id)
    editor = window.inspector.editor(param)
    line = editor.lineEdit() if hasattr(editor, "lineEdit") else editor
    menu = _right_click(line)
    assert [a.text() for a in menu.actions()][-1] == "Vary…"
    _choose(menu, "Vary…")
    dialog = window.sweep_panel.dialog
    qtbot.waitUntil(dialog.isVisible)
    _type(dialog.low, low)
    _type(dialog.high, high)
    return dialog


def test_mark_vary_start_see_trials_and_open_the_best(window, tmp_path, qtbot):
    classifier_project(tmp_path, epochs=3)
    project_file = tmp_path / "tiny.ndproj"
    assert window.files.open_path(project_file, confirmed=True)
    panel = window.sweep_panel
    assert not panel.start_button.isEnabled()  # nothing varies yet

    dialog = _vary_from_properties(window, qtbot, "n1", "out_features", "4", "0")
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    # a range the catalogue refuses is said in the dialog, which stays open
    assert dialog.isVisible()
    assert dialog.error.text() == "n1.out_features must be an integer ≥ 1, not 0"
    _type(dialog.high, "24")
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # prefilled on a log scale (8 to 32 around its 16); the ends are what was typed
    assert window.document.project.sweep == {"vary": [
        {"node": "n1", "param": "out_features", "low": 4, "high": 24, "log": True}]}
    assert panel.varied.item(0).text() == "n1.out_features from 4 to 24, log"
    # the field's label says that it varies
    click_node(window, "n2")
    click_node(window, "n1")
    assert window.inspector._labels["out_features"].text() == "out_features ~"
    # one undoable edit
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.project.sweep is None
    assert panel.varied.count() == 0
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier |
                   Qt.KeyboardModifier.ShiftModifier)
    assert panel.varied.count() == 1

    # a training setting, from the panel's Add… menu, prefilled around its value
    QTest.mouseClick(panel.add_button, LEFT)
    menu = QApplication.activePopupWidget()
    _choose(menu, "Training: lr")
    qtbot.waitUntil(lambda: panel.dialog.isVisible())
    assert panel.dialog.low.text() == "0.001" and panel.dialog.high.text() == "0.1"
    assert panel.dialog.log.isChecked()
    QTest.keyClick(panel.dialog, Qt.Key.Key_Return)
    assert panel.varied.count() == 2

    panel.trials.setFocus()
    panel.trials.lineEdit().selectAll()
    QTest.keyClicks(panel.trials, "3")
    QTest.keyClick(panel.trials, Qt.Key.Key_Return)
    assert window.document.project.sweep["trials"] == 3

    QTest.mouseClick(panel.start_button, LEFT)
    assert not window.document.modified  # saved: the workers read the file
    assert panel.runner.running and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=180_000)
    qtbot.waitUntil(lambda: panel.table.rowCount() >= 3, timeout=30_000)
    states = {panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
    assert states <= {"complete", "pruned"}, states
    assert "The sweep is finished. Best: trial" in panel.status.text()
    assert panel.plots.drawn["history"] >= 3
    headers = [panel.table.horizontalHeaderItem(c).text()
               for c in range(panel.table.columnCount())]
    assert headers[:5] == ["trial", "state", "n1.out_features", "lr", "accuracy"]

    # the best trial opens as a project of its own, with its trained run
    best = panel.table.row_of(min(panel.snapshot.rows, key=lambda r: (-r.metric, r.number))
                              .number)
    panel.table.select_trial(best.number)
    QTest.mouseClick(panel.open_button, LEFT)
    opened = tmp_path / f"tiny-trial-{best.number}.ndproj"
    assert window.document.path == opened
    shown = window.document.project
    assert shown.graph.nodes["n1"].params["out_features"] == best.params["n1.out_features"]
    assert shown.training["optimizer"]["lr"] == best.params["lr"]
    assert shown.sweep is None
    runs = list((tmp_path / f"tiny-trial-{best.number}.runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "weights.safetensors").exists()
    assert load_project(opened) == shown


def test_a_trial_applies_to_the_project_as_one_undoable_edit(window, tmp_path, qtbot,
                                                             capsys):
    from engine.cli import main

    swept_project(tmp_path, trials=2)
    project_file = tmp_path / "tiny.ndproj"
    assert main(["sweep", str(project_file), "--workers", "1", "--seed", "0"]) == 0
    capsys.readouterr()
    assert window.files.open_path(project_file, confirmed=True)
    panel = window.sweep_panel
    # the study kept beside the project shows as soon as it opens
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=30_000)
    row = panel.snapshot.rows[1]
    panel.table.select_trial(row.number)
    QTest.mouseClick(panel.apply_button, LEFT)
    project = window.document.project
    assert project.graph.nodes["n1"].params["out_features"] == row.params["n1.out_features"]
    assert project.training["optimizer"]["lr"] == row.params["lr"]
    assert window.document.undo_stack.undoText() == f"Apply trial {row.number}"
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project == load_project(project_file)


def test_a_sweep_the_engine_refuses_is_said_in_the_panel_before_anything_runs(
        window, tmp_path, qtbot):
    project = swept_project(tmp_path, vary=[
        {"node": "n1", "param": "out_features", "low": 4, "high": 8}])
    project.sweep["vary"][0]["node"] = "gone"
    save_project(project, tmp_path / "tiny.ndproj")
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    panel = window.sweep_panel
    assert panel.varied.item(0).text().endswith("(!)")
    assert "no layer 'gone'" in panel.varied.item(0).toolTip()
    QTest.mouseClick(panel.start_button, LEFT)
    assert not panel.runner.running
    assert "Cannot sweep:" in panel.status.text() and "no layer 'gone'" in \
        panel.status.text()
    assert not Path(tmp_path / "tiny.sweeps").exists()
