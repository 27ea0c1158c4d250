"""The problems list: counts, order and activation by mouse and keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.analysis import Problem
from engine.graph import Edge
from widgets.problems import ProblemsList, count_text

WARN_DROP = Problem("warning", "node 'drop' (Dropout)", "is an output", node="drop")
ERR_C1 = Problem("error", "node 'c1' (Conv2d)", "groups=3 must divide its 1 input channels",
                 node="c1")
WARN_FC = Problem("warning", "node 'fc' (Linear)", "feeds nothing", node="fc")
ERR_EDGE = Problem("error", "edge a → b", "there is no node 'a'", edge=Edge("a", "b"), node="b")
ERR_NETWORK = Problem("error", "network", "the network has no Input")


@pytest.fixture
def problems(qtbot) -> ProblemsList:
    widget = ProblemsList()
    qtbot.addWidget(widget)
    widget.resize(800, 180)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def row_centre(widget: ProblemsList, row: int):
    tree = widget.tree()
    return tree.visualItemRect(tree.topLevelItem(row)).center()


def double_click(widget, pos) -> None:
    """What a person's double-click delivers: press, release, double-click, release
    (QTest.mouseDClick alone sends only the double-click event)."""
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=pos)


def test_count_text():
    assert count_text([]) == "No problems"
    assert count_text([ERR_C1]) == "1 error"
    assert count_text([WARN_DROP, WARN_FC]) == "2 warnings"
    assert count_text([WARN_DROP, ERR_C1, ERR_NETWORK]) == "2 errors, 1 warning"


def test_header_counts_and_rows_sort_errors_first_keeping_order(problems):
    problems.set_problems([WARN_DROP, ERR_C1, WARN_FC, ERR_NETWORK])
    assert problems.summary_text() == "2 errors, 2 warnings"
    assert problems.problems() == [ERR_C1, ERR_NETWORK, WARN_DROP, WARN_FC]
    tree = problems.tree()
    first = tree.topLevelItem(0)
    assert [first.text(c) for c in range(3)] == ["error", ERR_C1.where, ERR_C1.message]
    assert not first.icon(0).isNull()
    assert tree.topLevelItem(3).text(1) == WARN_FC.where
    assert str(ERR_C1) in first.toolTip(2)

    problems.set_problems([])
    assert problems.summary_text() == "No problems"
    assert tree.topLevelItemCount() == 0


def test_clicking_a_row_emits_its_node(problems, qtbot):
    problems.set_problems([WARN_DROP, ERR_C1])
    viewport = problems.tree().viewport()
    with qtbot.waitSignal(problems.problem_activated) as signal:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=row_centre(problems, 1))
    assert signal.args == ["drop"]


def test_enter_on_a_row_emits_its_node(problems, qtbot):
    problems.set_problems([ERR_C1, WARN_FC])
    tree = problems.tree()
    tree.setFocus()
    tree.setCurrentItem(tree.topLevelItem(0))
    QTest.keyClick(tree, Qt.Key.Key_Down)
    with qtbot.waitSignal(problems.problem_activated) as signal:
        QTest.keyClick(tree, Qt.Key.Key_Return)
    assert signal.args == ["fc"]


def test_a_double_click_activates_once(problems, qtbot):
    problems.set_problems([ERR_C1])
    received = []
    problems.problem_activated.connect(received.append)
    double_click(problems.tree().viewport(), row_centre(problems, 0))
    assert received == ["c1"]


def test_an_edge_problem_emits_the_edge_and_its_target(problems, qtbot):
    problems.set_problems([ERR_EDGE])
    nodes, edges = [], []
    problems.problem_activated.connect(nodes.append)
    problems.edge_activated.connect(edges.append)
    QTest.mouseClick(problems.tree().viewport(), Qt.MouseButton.LeftButton,
                     pos=row_centre(problems, 0))
    assert nodes == ["b"]
    assert edges == [Edge("a", "b")]


def test_a_network_problem_names_no_node_and_emits_nothing(problems, qtbot):
    problems.set_problems([ERR_NETWORK])
    with qtbot.assertNotEmitted(problems.problem_activated):
        QTest.mouseClick(problems.tree().viewport(), Qt.MouseButton.LeftButton,
                         pos=row_centre(problems, 0))
