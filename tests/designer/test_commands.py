"""Every edit is one undoable command, and undo gives back the identical document."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.commands import SetProjectField
from designer.document import Document
from designer.editing import Editor
from engine.graph import Edge
from engine.project import dumps_project, load_project

CRNN = Path(__file__).parents[2] / "projects" / "crnn_digit_strings.ndproj"


@pytest.fixture
def editor(qapp):
    document = Document(load_project(CRNN))
    yield Editor(document)
    document.close()


def text(editor: Editor) -> str:
    return dumps_project(editor.document.project)


EDITS = {
    "add": lambda e: e.add_layer("Dropout", (10, 20), after="blstm2"),
    "delete a layer": lambda e: e.delete(["bn2"], []),
    "delete a connection": lambda e: e.delete([], [Edge("conv1", "bn1")]),
    "connect": lambda e: (e.delete([], [Edge("conv1", "bn1")]), e.connect("conv1", "bn1")),
    "move": lambda e: e.move({"conv1": (e.graph.nodes["conv1"].position, (300, 40)),
                              "bn1": (e.graph.nodes["bn1"].position, (5, 5))}),
    "edit parameters": lambda e: e.set_params("conv1", {"out_channels": 48, "padding": "same"}),
    "rename": lambda e: e.rename("conv1", "stem"),
    "auto-layout": lambda e: e.auto_layout("left-to-right"),
    "duplicate": lambda e: e.duplicate(["conv2", "bn2", "relu2"]),
    "paste": lambda e: e.paste(e.copy(["blstm1", "blstm2"])),
    "training settings": lambda e: e.document.push(SetProjectField(
        e.document, "training", {"dataset": {"name": "digits"}, "loss": "MSELoss"}, "Edit")),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_each_edit_is_one_step_that_undoes_and_redoes_exactly(editor, edit):
    stack = editor.document.undo_stack
    EDITS[edit](editor)
    before_index = stack.index() - 1
    changed = text(editor)
    stack.undo()
    assert stack.index() == before_index
    undone = text(editor)
    stack.redo()
    assert text(editor) == changed
    stack.undo()
    assert text(editor) == undone
    assert undone != changed


def test_undo_restores_the_file_byte_for_byte(editor):
    original = text(editor)
    for edit in EDITS.values():
        edit(editor)
    assert text(editor) != original
    while editor.document.undo_stack.canUndo():
        editor.document.undo_stack.undo()
    assert text(editor) == original
    assert not editor.document.modified


def test_connections_the_graph_cannot_take_are_refused_with_the_reason(editor):
    assert editor.connect("blstm2", "conv1") == "'conv1' takes one input and already has one"
    editor.delete([], [Edge("strip", "conv1")])
    assert editor.connect("blstm2", "conv1") == (
        "it would make a cycle: 'conv1' already feeds 'blstm2'")
    assert editor.connect("strip", "conv1") is None
    editor.delete([], [Edge("columns", "blstm1")])
    assert editor.connect("strip", "blstm1").startswith(
        "LSTM expects a sequence [time, features] but gets [1, 8, 64]")


def test_renaming_keeps_ids_unique_and_valid(editor):
    assert editor.rename("conv1", "conv2") == "a layer named 'conv2' already exists"
    assert "cannot name a layer" in editor.rename("conv1", "2conv")
    assert editor.rename("conv1", "stem") is None
    assert "stem" in editor.graph.nodes and editor.graph.incoming("bn1")[0].source == "stem"


def test_a_new_layer_after_the_selected_one_is_connected_when_it_fits(editor):
    node_id = editor.add_layer("Dropout", (0, 0), after="blstm2")
    assert editor.graph.incoming(node_id) == [Edge("blstm2", node_id)]
    lonely = editor.add_layer("Conv2d", (0, 0), after="blstm2")
    assert editor.graph.incoming(lonely) == []


def test_paste_renames_clashing_ids_and_refuses_foreign_text(editor, qapp):
    from PySide6.QtCore import QMimeData

    ids = editor.paste(editor.copy(["conv1", "bn1"]))
    assert ids == ["conv1_2", "bn1_2"]
    assert editor.paste(editor.copy(["conv1_2"])) == ["conv1_3"]
    assert Edge(ids[0], ids[1]) in editor.graph.edges
    foreign = QMimeData()
    foreign.setText("hello")
    assert editor.paste(foreign) == "the clipboard holds no Netdesigner layers"


def test_the_document_is_checked_again_after_each_edit(editor, qtbot):
    with qtbot.waitSignal(editor.document.analysed, timeout=2000) as signal:
        editor.set_params("conv1", {"out_channels": 32, "kernel_size": 30})
    assert not signal.args[0].ok
    assert "node 'conv1' (Conv2d)" in str(signal.args[0].errors[0])


def test_a_read_only_document_refuses_edits(editor):
    editor.document.set_read_only(True)
    editor.set_params("conv1", {"out_channels": 8})
    assert editor.graph.nodes["conv1"].params["out_channels"] == 32
    assert not editor.document.modified


def test_deleting_an_input_of_a_merge_moves_the_later_ones_down_and_undo_restores(qapp):
    from engine.graph import Graph, Node
    from engine.project import Project

    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    for name in ("a", "b", "c"):
        graph.add_node(Node(name, "Linear", {"out_features": 4}))
        graph.add_edge(Edge("x", name))
    graph.add_node(Node("cat", "Concat", {"dim": 1}))
    for port, name in enumerate(("a", "b", "c")):
        graph.add_edge(Edge(name, "cat", port))
    document = Document(Project("merge", graph, None))
    editor = Editor(document)
    before = dumps_project(document.project)
    editor.delete([], [Edge("a", "cat", 0)])
    assert sorted((e.source, e.target_port) for e in document.graph.incoming("cat")) == [
        ("b", 0), ("c", 1)]
    editor.delete(["b"], [])
    assert [(e.source, e.target_port) for e in document.graph.incoming("cat")] == [("c", 0)]
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert dumps_project(document.project) == before
    document.close()
