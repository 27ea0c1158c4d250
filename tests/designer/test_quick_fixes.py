"""Quick fixes in the designer: offered on the problem, on the node (Ctrl+. and its context
menu) and on a refused connection; each applied as one step that undo takes back whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest

from engine.graph import Edge, Graph, Node
from engine.project import Project, dumps_project, save_project
from tests.designer.gui import at, connect_ports, drop_layer


def _open(window, tmp_path: Path, graph: Graph) -> str:
    path = tmp_path / "net.ndproj"
    save_project(Project("Net", graph), path)
    assert window.files.open_path(path, confirmed=True)
    window.document.analyse_now()
    QGuiApplication.processEvents()
    return dumps_project(window.document.project)


def _image_into_lstm() -> Graph:
    return Graph([Node("image", "Input", {"shape": [1, 8, 8]}, (0.0, 0.0)),
                  Node("lstm", "LSTM", {"hidden_size": 16}, (0.0, 140.0))],
                 [Edge("image", "lstm")])


def _choose(window, title_start: str) -> None:
    menu = window.fixes.menu
    assert menu is not None, "no menu of fixes was offered"
    actions = [a for a in menu.actions() if a.text().startswith(title_start) and a.isEnabled()]
    assert actions, [a.text() for a in menu.actions()]
    actions[0].trigger()
    menu.close()
    window.document.analyse_now()
    QGuiApplication.processEvents()


def test_a_problem_with_a_fix_has_a_button_that_applies_it_and_undo_takes_it_back(
        window, tmp_path):
    before = _open(window, tmp_path, _image_into_lstm())
    (problem,) = window.problems.problems()
    button = window.problems.fix_button(problem)
    assert button is not None and button.text() == "Fix…"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    menu = window.fixes.menu
    texts = [a.text() for a in menu.actions()]
    assert "Insert ToSequence between 'image' and 'lstm'" in texts
    # what the fix will do is shown under it before it is applied
    effect = texts[texts.index("Insert ToSequence between 'image' and 'lstm'") + 1]
    assert "'lstm' then gives [8, 16]" in effect
    _choose(window, "Insert ToSequence")
    assert window.validity.text() == "✔ valid"
    assert [n.type for n in window.document.graph.nodes.values()] == [
        "Input", "ToSequence", "LSTM"]
    window.undo_action.trigger()
    assert dumps_project(window.document.project) == before
    window.redo_action.trigger()
    assert "tosequence" in window.document.graph.nodes


def test_ctrl_dot_offers_the_fixes_of_the_selected_layer(window, tmp_path):
    graph = Graph([Node("x", "Input", {"shape": [1, 8, 8]}, (0.0, 0.0)),
                   Node("conv", "Conv2d", {"kernel_size": 11}, (0.0, 140.0))],
                  [Edge("x", "conv")])
    before = _open(window, tmp_path, graph)
    window.scene.select_nodes(["conv"])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    _choose(window, "Shrink the kernel of 'conv' to 8×8")
    assert window.document.graph.nodes["conv"].params["kernel_size"] == 8
    window.undo_action.trigger()
    assert dumps_project(window.document.project) == before


def test_the_context_menu_of_a_node_lists_its_fixes(window, tmp_path):
    graph = Graph([Node("x", "Input", {"shape": [10]}, (0.0, 0.0)),
                   Node("fc", "Linear", {"out_featurs": 3}, (0.0, 140.0))],
                  [Edge("x", "fc")])
    _open(window, tmp_path, graph)
    item = window.scene.node_item("fc")
    point = at(window, item.sceneBoundingRect().center())
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                              window.view.viewport().mapToGlobal(point))
    QGuiApplication.sendEvent(window.view.viewport(), event)
    _choose(window, "Fix: Rename parameter 'out_featurs' of 'fc' to 'out_features'")
    assert window.document.graph.nodes["fc"].params == {"out_features": 3}


def test_a_refused_connection_is_offered_through_an_adapter(window):
    image = drop_layer(window, "Input", QPointF(200, 100))
    window.inspector.editor("shape").setText("1, 8, 8")
    window.inspector.editor("shape").editingFinished.emit()
    lstm = drop_layer(window, "LSTM", QPointF(200, 320))
    window.document.analyse_now()
    connect_ports(window, image, lstm)
    _choose(window, "Connect through ToSequence")
    graph = window.document.graph
    assert [(e.source, e.target) for e in graph.edges] == [(image, "tosequence"),
                                                           ("tosequence", lstm)]
    assert window.validity.text() == "✔ valid"
    assert window.document.undo_stack.count() == 4


def test_an_adapter_makes_room_for_itself_and_its_menu_stays_narrow(make_window, tmp_path):
    window = make_window((1280, 820))
    _open(window, tmp_path, Graph(
        [Node("clip", "Input", {"shape": [1, 16, 16]}, (0.0, 0.0)),
         Node("conv", "Conv2d", {"out_channels": 4, "padding": 1}, (0.0, 134.0)),
         Node("pool", "MaxPool2d", {}, (0.0, 268.0)),
         Node("lstm", "LSTM", {"hidden_size": 8}, (0.0, 402.0)),
         Node("fc", "Linear", {"out_features": 3}, (0.0, 536.0))],
        [Edge("clip", "conv"), Edge("conv", "pool"), Edge("lstm", "fc")]))
    connect_ports(window, "pool", "lstm")
    menu = window.fixes.menu
    assert menu is not None and menu.sizeHint().width() <= 600
    heading = menu.actions()[0]
    # the whole refusal is the heading's tooltip, however much of it the menu shows
    assert heading.toolTip().startswith("Cannot connect directly: ")
    assert heading.toolTip().startswith(heading.text().rstrip("…"))
    _choose(window, "Connect through ToSequence")
    window.view.fit_to_view()
    QGuiApplication.processEvents()
    items = window.scene.node_items()
    for index, item in enumerate(items):
        for other in items[index + 1:]:
            assert not item.sceneBoundingRect().intersects(other.sceneBoundingRect()), (
                item.node_id, other.node_id)


def _positioned(graph: Graph) -> Graph:
    for index, node in enumerate(graph.nodes.values()):
        node.position = (0.0, 134.0 * index)
    return graph


FIX_CASES = {
    "image into a Linear": ([("x", "Input", {"shape": [1, 8, 8]}),
                             ("fc", "Linear", {"out_features": 3})], None, "fc",
                            "Insert Flatten"),
    "sequence into a Conv1d": ([("x", "Input", {"shape": [20, 4]}),
                                ("lstm", "LSTM", {"hidden_size": 6}),
                                ("conv", "Conv1d", {"out_channels": 8})], None, "conv",
                               "Insert Permute"),
    "Add of different channels": ([("x", "Input", {"shape": [1, 8, 8]}),
                                   ("a", "Conv2d", {"out_channels": 4, "padding": 1}),
                                   ("b", "Conv2d", {"out_channels": 8, "padding": 1}),
                                   ("sum", "Add", {})],
                                  [("x", "a"), ("x", "b"), ("a", "sum", 0), ("b", "sum", 1)],
                                  "sum", "Insert a 1×1 Conv2d"),
    "kernel larger than its input": ([("x", "Input", {"shape": [1, 8, 8]}),
                                      ("conv", "Conv2d", {"kernel_size": 11})], None, "conv",
                                     "Pad the input"),
    "Softmax before CrossEntropyLoss": ([("x", "Input", {"shape": [10]}),
                                         ("fc", "Linear", {"out_features": 3}),
                                         ("soft", "Softmax", {})], None, "soft", "Remove"),
    "misspelt parameter": ([("x", "Input", {"shape": [10]}),
                            ("fc", "Linear", {"out_featurs": 3})], None, "fc", "Rename"),
    "unconnected layer": ([("x", "Input", {"shape": [10]}),
                           ("fc", "Linear", {"out_features": 3}), ("act", "ReLU", {})],
                          [("x", "fc")], "act", "Connect 'fc'"),
}


@pytest.mark.parametrize("case", list(FIX_CASES))
def test_every_kind_of_fix_applies_as_one_step_and_undoes_to_the_identical_file(
        window, tmp_path, case):
    from tests.engine.builders import graph_of
    layers, edges, node_id, title = FIX_CASES[case]
    graph = _positioned(graph_of(*layers, edges=edges))
    path = tmp_path / "net.ndproj"
    save_project(Project("Net", graph, {"loss": "CrossEntropyLoss"}), path)
    assert window.files.open_path(path, confirmed=True)
    window.document.analyse_now()
    before = dumps_project(window.document.project)
    (problem,) = [p for p in window.document.analysis.problems if p.node == node_id]
    assert window.fixes.fixable(problem)
    fix = next(f for f in window.fixes.fixes(problem) if f.title.startswith(title))
    steps = window.document.undo_stack.count()
    window.fixes.apply(fix)
    window.document.analyse_now()
    assert window.document.undo_stack.count() == steps + 1
    assert not [p for p in window.document.analysis.problems if p.node == node_id]
    window.undo_action.trigger()
    assert dumps_project(window.document.project) == before
