"""The open document: one project, its undo stack, and its analysis kept up to date.

Every change goes through a QUndoCommand pushed here, so the undo stack is the one history of
the document; views listen to `changed` and re-read the graph.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine.analysis import Analysis, analyse
from engine.graph import Graph
from engine.project import Project, save_project

ANALYSIS_DELAY_MS = 40
"""Edits arriving closer together than this are checked once (typing, dragging)."""


class Document(QObject):
    changed = Signal()
    """The graph, the name or the training settings changed (any command, undo or redo)."""
    analysed = Signal(object)
    """A fresh Analysis of the current graph."""
    modified_changed = Signal(bool)
    path_changed = Signal()
    replaced = Signal()
    """Another project is now shown (New, Open, a template): views start afresh."""
    read_only_changed = Signal(bool)

    def __init__(self, project: Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project or Project()
        # not a child: a QUndoStack clears itself, emitting signals, when it is destroyed,
        # and those must not reach a Document that is being destroyed
        self.undo_stack = QUndoStack()
        self.undo_stack.indexChanged.connect(self._after_change)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._read_only = False
        self._analysis_timer = QTimer(self, singleShot=True, interval=ANALYSIS_DELAY_MS)
        self._analysis_timer.timeout.connect(self.analyse_now)
        self.analysis: Analysis = analyse(self.project.graph, self.project.training)

    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def read_only(self) -> bool:
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """While a run trains the network, what trains must stay what is shown."""
        if read_only != self._read_only:
            self._read_only = read_only
            self.read_only_changed.emit(read_only)

    def push(self, command: QUndoCommand) -> bool:
        """Apply a change as one undoable step; refused (False) while read-only."""
        if self._read_only:
            return False
        self.undo_stack.push(command)
        return True

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _after_change(self) -> None:
        self.changed.emit()
        self._analysis_timer.start()

    def close(self) -> None:
        """Stop pending work before the document goes away."""
        self._analysis_timer.stop()
        self.undo_stack.blockSignals(True)

    def analyse_now(self) -> Analysis:
        self._analysis_timer.stop()
        self.analysis = analyse(self.project.graph, self.project.training)
        self.analysed.emit(self.analysis)
        return self.analysis

    def replace(self, project: Project) -> None:
        """Show another project (New, Open): a fresh history, nothing modified."""
        self.project = project
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.replaced.emit()
        self.changed.emit()
        self.path_changed.emit()
        self.modified_changed.emit(False)
        self.analyse_now()

    def save(self, path: Path) -> None:
        save_project(self.project, path)
        self.undo_stack.setClean()
        self.path_changed.emit()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else f"{self.project.name}"
