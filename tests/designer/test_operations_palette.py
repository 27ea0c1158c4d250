"""Operations drawn by hand: a palette preset (chunk, matmul, ...) is an Operation node with
that call, connected after the selected layer, one undoable step; attention drawn as
matmul → softmax → matmul is a network like any other."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.graph import Edge, Graph, Node
from engine.project import Project, save_project


def _input_project(tmp_path):
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [6, 8]}, (0, 0)))
    path = tmp_path / "ops.ndproj"
    save_project(Project("ops", graph, None), path)
    return path


def test_a_preset_from_the_palette_is_an_operation_after_the_selected_layer(window, tmp_path):
    assert window.files.open_path(_input_project(tmp_path), confirmed=True)
    window.scene.select_nodes(["x"])
    palette = window.palette_panel
    palette.set_filter("chunk")
    palette.tree().setFocus()
    item = palette.layer_item("Operation:chunk")
    palette.tree().setCurrentItem(item)
    QTest.keyClick(palette.tree(), Qt.Key.Key_Return)
    graph = window.document.graph
    added = [n for n in graph.nodes.values() if n.type == "Operation"]
    assert len(added) == 1 and added[0].params["call"] == "torch.chunk"
    assert Edge("x", added[0].id) in graph.edges
    window.document.analyse_now()
    assert window.document.analysis.ok
    assert window.document.analysis.nodes[added[0].id].output.shape == (3, 8)
    window.document.undo_stack.undo()
    assert [n.type for n in window.document.graph.nodes.values()] == ["Input"]


def test_a_matmul_asks_for_its_second_input_until_it_has_one(window, tmp_path):
    assert window.files.open_path(_input_project(tmp_path), confirmed=True)
    window.scene.select_nodes(["x"])
    window.add_layer_at_centre("Operation:transpose")
    transpose = next(n for n in window.document.graph.nodes.values() if n.type == "Operation")
    window.scene.select_nodes(["x"])
    window.add_layer_at_centre("Operation:matmul")
    matmul = next(n for n in window.document.graph.nodes.values()
                  if n.type == "Operation" and n.id != transpose.id)
    window.document.analyse_now()
    messages = [p.message for p in window.document.analysis.errors if p.node == matmul.id]
    assert any("1 input is connected: connect another" in m for m in messages)
    window.editor.connect(transpose.id, matmul.id)
    window.document.analyse_now()
    assert window.document.analysis.ok
    assert window.document.analysis.nodes[matmul.id].output.shape == (6, 6)
