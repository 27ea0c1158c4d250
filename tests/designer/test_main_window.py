"""The designer window, driven with real mouse and key events, offscreen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

import designer.files
from designer.main_window import MainWindow
from engine.analysis import analyse
from engine.cli.summary import summary_data
from engine.project import dumps_project, load_project
from tests.designer.gui import (
    answer_next_dialog,
    click_node,
    connect_ports,
    drop_layer,
    type_param,
)

ROOT = Path(__file__).parents[2]
CRNN = ROOT / "projects" / "crnn_digit_strings.ndproj"
CNN = ROOT / "projects" / "digits_cnn.ndproj"


def open_project(window: MainWindow, path: Path) -> None:
    assert window.files.open_path(path, confirmed=True)
    window.document.analyse_now()


def text(window: MainWindow) -> str:
    return dumps_project(window.document.project)


def settle(window: MainWindow) -> None:
    window.document.analyse_now()
    QGuiApplication.processEvents()


def test_dropping_a_palette_entry_places_the_layer_where_it_is_dropped(window):
    node_id = drop_layer(window, "Conv2d", QPointF(300, 200))
    node = window.document.graph.nodes[node_id]
    assert node.type == "Conv2d" and node_id == "conv2d"
    assert abs(node.position[0] + 95 - 300) <= 1 and abs(node.position[1] + 32 - 200) <= 1
    assert window.inspector.node_id() == node_id
    assert window.isWindowModified()


def test_connecting_two_ports_by_dragging_labels_the_edge_with_its_shape(window):
    source = drop_layer(window, "Input", QPointF(0, 0))
    target = drop_layer(window, "Flatten", QPointF(0, 200))
    connect_ports(window, source, target)
    assert [(e.source, e.target) for e in window.document.graph.edges] == [(source, target)]
    settle(window)
    edge = window.document.graph.edges[0]
    assert window.scene.edge_item(edge).label == "[1, 28, 28]"
    assert window.outputs.text() == f"output {target} [784]"


def test_a_connection_that_would_make_a_cycle_is_refused_while_dragging(window):
    open_project(window, CNN)
    shown: list[str] = []
    connect_ports(window, "relu3", "conv1", before_release=lambda: shown.append(
        window.scene.connection_drag.hint.text()))
    assert "cycle" in shown[0] or "already has one" in shown[0]
    window.editor.delete([], [e for e in window.document.graph.edges if e.target == "conv1"])
    shown.clear()
    connect_ports(window, "relu3", "conv1", before_release=lambda: shown.append(
        window.scene.connection_drag.hint.text()))
    assert "it would make a cycle: 'conv1' already feeds 'relu3'" in shown[0]
    assert all(e.target != "conv1" for e in window.document.graph.edges)


def test_editing_a_parameter_changes_the_edge_label_and_the_status_bar(window):
    open_project(window, CNN)
    click_node(window, "conv1")
    assert window.inspector.node_id() == "conv1"
    type_param(window, "out_channels", "48")
    settle(window)
    edge = next(e for e in window.document.graph.edges if e.source == "conv1")
    assert window.scene.edge_item(edge).label == "[48, 8, 8]"
    assert window.parameters.text() == f"{analyse(window.document.graph).total_params:,} " \
                                       "parameters"
    assert window.parameters.text() != "151,498 parameters"


def test_an_invalid_value_is_shown_and_not_applied(window):
    open_project(window, CNN)
    click_node(window, "conv1")
    before = text(window)
    type_param(window, "kernel_size", "3, x")
    assert "kernel_size must be" in window.inspector.error_text("kernel_size")
    assert text(window) == before


EDITS_BY_HAND = {
    "drop": lambda w: drop_layer(w, "Dropout", QPointF(600, 100)),
    "delete": lambda w: (click_node(w, "bn1"), QTest.keyClick(w.view.viewport(),
                                                             Qt.Key.Key_Delete)),
    "parameter": lambda w: (click_node(w, "conv2"), type_param(w, "out_channels", "16")),
    "rename": lambda w: (click_node(w, "hidden"), type_param(w, "__id__", "dense")),
    "auto-layout": lambda w: w.layout_right_action.trigger(),
    "duplicate": lambda w: (click_node(w, "relu1"), QTest.keyClick(
        w.view.viewport(), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)),
}


@pytest.mark.parametrize("edit", list(EDITS_BY_HAND), ids=list(EDITS_BY_HAND))
def test_each_edit_undoes_and_redoes_to_the_identical_document(window, edit, monkeypatch):
    open_project(window, CNN)
    if edit == "rename":
        monkeypatch.setattr(window.inspector, "editor", lambda name, original=window.inspector
                            .editor: window.inspector.id_editor() if name == "__id__"
                            else original(name))
    before = text(window)
    EDITS_BY_HAND[edit](window)
    after = text(window)
    assert after != before
    ctrl = Qt.KeyboardModifier.ControlModifier
    QTest.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert text(window) == before
    QTest.keyClick(window, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert text(window) == after
    QTest.keyClick(window, Qt.Key.Key_Z, ctrl)
    assert text(window) == before and not window.isWindowModified()


def test_moving_a_node_by_mouse_is_one_undo_step(window):
    open_project(window, CNN)
    start = window.scene.node_item("conv1").sceneBoundingRect().center()
    from tests.designer.gui import mouse_drag

    mouse_drag(window, start, start + QPointF(200, 30))
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert text(window) == dumps_project(load_project(CNN))


def test_copy_and_paste_go_through_the_clipboard_between_windows(window, make_window, qtbot):
    open_project(window, CNN)
    window.scene.select_nodes(["conv1", "bn1"])
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert '"type": "Conv2d"' in QGuiApplication.clipboard().text()
    other = make_window()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    other.view.setFocus()
    QTest.keyClick(other.view.viewport(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    graph = other.document.graph
    assert list(graph.nodes) == ["conv1", "bn1"]
    assert graph.nodes["conv1"].params == {"out_channels": 32, "padding": "same"}
    assert [(e.source, e.target) for e in graph.edges] == [("conv1", "bn1")]
    assert sorted(other.scene.selected_node_ids()) == ["bn1", "conv1"]


def test_save_and_reopen_gives_an_equal_document(window, make_window, tmp_path, monkeypatch):
    open_project(window, CNN)
    click_node(window, "conv2")
    type_param(window, "out_channels", "24")
    target = tmp_path / "mine.ndproj"
    monkeypatch.setattr(window.files, "choose_save_path", lambda: target)
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert not window.isWindowModified()
    assert window.windowTitle() == "mine.ndproj[*] — Netdesigner"
    other = make_window()
    open_project(other, target)
    assert other.document.project == window.document.project
    assert text(other) == text(window)


def test_the_title_shows_the_file_and_a_star_when_modified(window):
    open_project(window, CNN)
    assert window.windowTitle() == "digits_cnn.ndproj[*] — Netdesigner"
    assert not window.isWindowModified()
    drop_layer(window, "ReLU", QPointF(500, 0))
    assert window.isWindowModified()


def test_a_problem_appears_and_clicking_it_selects_its_node(window):
    open_project(window, CNN)
    click_node(window, "conv1")
    type_param(window, "stride", "2")
    settle(window)
    assert window.validity.text() == "✖ 1 error"
    tree = window.problems.tree()
    first = tree.topLevelItem(0)
    assert "padding 'same' needs stride 1" in " ".join(
        first.text(c) for c in range(tree.columnCount()))
    window.scene.select_nodes([])
    rect = tree.visualItemRect(first)
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert window.scene.selected_node_ids() == ["conv1"]
    assert window.scene.node_item("conv1").outline_colour().name() != \
        window.scene.node_item("conv2").outline_colour().name()


def test_closing_with_unsaved_changes_asks_save_discard_or_cancel(window, tmp_path,
                                                                 monkeypatch):
    open_project(window, CNN)
    drop_layer(window, "ReLU", QPointF(500, 0))
    seen: list[str] = []
    answer_next_dialog(QMessageBox.StandardButton.Cancel, seen)
    window.close()
    assert window.isVisible() and seen == ["Save the changes to digits_cnn.ndproj?"]
    target = tmp_path / "saved.ndproj"
    window.document.project.path = target
    answer_next_dialog(QMessageBox.StandardButton.Save)
    window.close()
    assert not window.isVisible()
    assert load_project(target).graph == window.document.graph


def test_opening_another_file_can_discard_changes(window):
    open_project(window, CNN)
    drop_layer(window, "ReLU", QPointF(500, 0))
    answer_next_dialog(QMessageBox.StandardButton.Discard)
    assert window.files.open_path(CRNN)
    assert window.document.project.name == "Digit strings CRNN"
    assert not window.isWindowModified()


def test_a_file_that_fails_to_load_shows_why_and_keeps_the_document(window, tmp_path):
    open_project(window, CNN)
    before = text(window)
    broken = tmp_path / "broken.ndproj"
    broken.write_text('{"format": "netdesigner.project", "version": 9, "graph": {}}')
    seen: list[str] = []
    answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    assert not window.files.open_path(broken, confirmed=True)
    assert "newer Netdesigner" in seen[0] or "broken.ndproj" in seen[0]
    assert text(window) == before


def test_autosave_writes_a_recovery_file_that_a_new_window_offers_to_restore(
        window, make_window, tmp_path):
    open_project(window, CNN)
    drop_layer(window, "ReLU", QPointF(500, 0))
    window.files.write_recovery()
    assert list((tmp_path / "recovery").glob("*.ndproj"))
    crashed = text(window)
    window.files.autosave.stop()
    fresh = make_window()
    answer_next_dialog(QMessageBox.StandardButton.Yes)
    assert fresh.files.offer_recovery()
    assert text(fresh) == crashed and fresh.isWindowModified()
    assert fresh.document.path == CNN
    assert not list((tmp_path / "recovery").glob("*.ndproj"))


def test_window_geometry_and_docks_persist(make_window):
    first = make_window()
    first.docks["problems"].hide()
    first.close()
    second = make_window(size=None)
    assert second.docks["problems"].isHidden()
    assert second.settings.value("window/geometry")


def test_new_from_template_shows_a_preview_and_opens_an_untitled_copy(window):
    from designer.templates import TemplateDialog

    dialog = TemplateDialog(designer.files.TEMPLATES, window)
    groups = [dialog.tree.topLevelItem(i).text(0)
              for i in range(dialog.tree.topLevelItemCount())]
    assert groups == ["One-to-one", "One-to-many", "Many-to-one", "Many-to-many"]
    names = [item.text(0) for item in dialog.template_items()]
    assert len(names) == len(list(designer.files.TEMPLATES.glob("*.ndproj")))
    dialog.choose("Digit strings CRNN")
    assert len(dialog.scene.node_items()) == 18
    assert "491,531 parameters" in dialog.description.text()
    assert "text-line recognisers" in dialog.description.text()
    dialog.choose("Gesture CRNN")
    assert "a CNN on each frame" in dialog.description.text()
    assert "(many-to-one: a sequence in, one answer out)" in dialog.description.text()
    dialog.accept()
    assert dialog.chosen.name == "gesture_crnn.ndproj"


def test_building_the_crnn_template_by_mouse_gives_the_same_summary(window):
    template = load_project(CRNN)
    analysis = analyse(template.graph)
    ids: dict[str, str] = {}
    for index, node_id in enumerate(analysis.order):
        node = template.graph.nodes[node_id]
        ids[node_id] = drop_layer(window, node.type, QPointF(0, index * 130))
        for name, value in node.params.items():
            if isinstance(value, bool):
                type_param(window, name, "true" if value else "false")
            elif isinstance(value, list):
                type_param(window, name, ", ".join(map(str, value)))
            else:
                type_param(window, name, str(value))
        for edge in template.graph.incoming(node_id):
            connect_ports(window, ids[edge.source], ids[node_id], edge.target_port)
    built = window.document.project
    built.name = template.name
    settle(window)
    mine = summary_data(built, analyse(built.graph))
    theirs = summary_data(template, analysis)
    assert mine["total_params"] == theirs["total_params"] == 491_531
    assert [(n["type"], n["output_shape"], n["params"]) for n in mine["nodes"]] == \
        [(n["type"], n["output_shape"], n["params"]) for n in theirs["nodes"]]
    assert list(mine["outputs"].values()) == list(theirs["outputs"].values())
    assert json.loads(json.dumps(mine["outputs"])) != {}
