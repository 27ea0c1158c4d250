"""Quick fixes in the designer: a Fix button on problems that have one, a menu of fixes on a
node (Ctrl+. or its context menu), and an adapter offered when a connection is refused.
The fixes come from engine.fixes; each is applied as one undoable step."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from designer.commands import ReplaceGraph
from engine.analysis import Analysis, Problem
from engine.fixes import Fix, connection_adapters, could_fix, fixes_for, fixes_for_node

if TYPE_CHECKING:
    from designer.main_window import MainWindow

MENU_TEXT_WIDTH = 440
"""The widest a line of the fix menu gets, in pixels: a whole error sentence would make the
menu wider than the window."""

CHECK_BUDGET_S = 0.15
"""How long, after each analysis, working out which problems have a working fix may take;
past it a problem gets its button when some repair applies, checked when pressed."""


class FixController(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self._analysis: Analysis | None = None
        self._found: dict[Problem, list[Fix]] = {}
        self._spent = 0.0
        self.menu: QMenu | None = None
        """The menu of fixes on screen, if any (tests choose from it)."""

    @property
    def _document(self):
        return self.window.document

    def fixable(self, problem: Problem) -> bool:
        analysis = self._document.analysis
        if problem.node is None or problem.node not in self._document.graph.nodes:
            return False
        if analysis is not self._analysis:
            self._analysis, self._found, self._spent = analysis, {}, 0.0
        if problem in self._found:
            return bool(self._found[problem])
        if self._spent > CHECK_BUDGET_S:
            return could_fix(self._document.graph, problem, analysis)
        start = time.perf_counter()
        found = self.fixes(problem)
        self._spent += time.perf_counter() - start
        return bool(found)

    def fixes(self, problem: Problem) -> list[Fix]:
        document = self._document
        if problem not in self._found or self._analysis is not document.analysis:
            self._found[problem] = fixes_for(document.graph, problem,
                                             document.project.training, document.analysis)
        return self._found[problem]

    # -- offering -------------------------------------------------------------------------
    def offer_for_problem(self, problem: Problem, where: QPoint) -> None:
        self.offer(self.fixes(problem), where, f"Fix {problem.where}")

    def offer_for_selection(self) -> None:
        """Ctrl+.: the fixes for the selected layer's problems, next to it."""
        window = self.window
        ids = window.scene.selected_node_ids()
        if len(ids) != 1:
            window.statusBar().showMessage("Select one layer to see its quick fixes", 4000)
            return
        node_id = ids[0]
        members = (window.document.graph.blocks[node_id].nodes
                   if node_id in window.document.graph.blocks else [node_id])
        fixes = [f for m in members for f in self.node_fixes(m)]
        item = window.scene.node_item(node_id)
        where = QCursor.pos() if item is None else window.view.mapToGlobal(
            window.view.mapFromScene(item.sceneBoundingRect().bottomLeft()))
        self.offer(fixes, where, f"Fix '{node_id}'")

    def node_fixes(self, node_id: str) -> list[Fix]:
        document = self._document
        return fixes_for_node(document.graph, node_id, document.project.training,
                              document.analysis)

    def offer_adapters(self, source: str, target: str, port: int) -> None:
        """A connection the target refused: offer to make it through a layout layer."""
        window, document = self.window, self._document
        edges = window.blocks.member_edges(source, target, port)
        reason = window.blocks.connection_problem(source, target, port)
        fixes = [] if len(edges) != 1 else connection_adapters(
            document.graph, document.analysis, edges[0].source, edges[0].target,
            edges[0].target_port)
        if not fixes:
            if reason:
                window.statusBar().showMessage(f"Cannot connect: {reason}", 5000)
            return
        self.offer(fixes, QCursor.pos(), f"Cannot connect directly: {reason}")

    def offer(self, fixes: list[Fix], where: QPoint, heading: str) -> None:
        if not fixes:
            self.window.statusBar().showMessage("No quick fix repairs this; the problem "
                                                "says what to change", 5000)
            return
        menu = self.fix_menu(fixes, heading)
        self.menu = menu
        menu.popup(where)
        menu.aboutToHide.connect(lambda: setattr(self, "menu", None))

    def fix_menu(self, fixes: list[Fix], heading: str) -> QMenu:
        """The fixes as a menu: each one's title, and below it, greyed, what it will do.
        Long sentences are cut to a readable width; the whole of each is its tooltip."""
        menu = QMenu(self.window)
        menu.setToolTipsVisible(True)
        metrics = menu.fontMetrics()

        def short(text: str) -> str:
            return metrics.elidedText(text, Qt.TextElideMode.ElideRight, MENU_TEXT_WIDTH)

        title = menu.addAction(short(heading))
        title.setToolTip(heading)
        title.setEnabled(False)
        menu.addSeparator()
        for fix in fixes:
            action = menu.addAction(short(fix.title))
            action.setToolTip(fix.effect)
            action.setStatusTip(fix.effect)
            action.triggered.connect(lambda checked=False, f=fix: self.apply(f))
            effect = menu.addAction(short(f"    {fix.effect}"))
            effect.setToolTip(fix.effect)
            effect.setEnabled(False)
        return menu

    def apply(self, fix: Fix) -> None:
        self._document.push(ReplaceGraph(self._document, fix.graph, fix.title))
