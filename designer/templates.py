"""File > New from Template: the example projects, with a live preview of each."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import analyse
from engine.project import ProjectError, load_project
from widgets.canvas import GraphScene, GraphView


class TemplateDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from Template")
        self.setObjectName("template_dialog")
        self.resize(900, 560)
        self.chosen: Path | None = None
        self.list = QListWidget()
        self.list.setMaximumWidth(260)
        self.scene = GraphScene(self)
        self.scene.set_read_only(True)
        self.preview = GraphView(self.scene)
        self.description = QLabel()
        self.description.setWordWrap(True)
        for path in sorted(folder.glob("*.ndproj")):
            try:
                project = load_project(path)
            except ProjectError:
                continue
            item = QListWidgetItem(project.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.preview, 1)
        side.addWidget(self.description)
        row = QHBoxLayout()
        row.addWidget(self.list)
        row.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(self._preview)
        self.list.itemDoubleClicked.connect(lambda item: self.accept())
        if self.list.count():
            self.list.setCurrentRow(0)

    def _preview(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        path = Path(item.data(Qt.ItemDataRole.UserRole))
        project = load_project(path)
        analysis = analyse(project.graph, project.training)
        self.scene.set_graph(project.graph)
        self.scene.set_analysis(analysis)
        self.preview.fit_to_view()
        outputs = ", ".join(str(analysis.nodes[n].output) for n in analysis.outputs)
        dataset = (project.training or {}).get("dataset", {})
        trains = f" Trains on {dataset.get('name') or dataset.get('path')}." if dataset else ""
        self.description.setText(f"<b>{project.name}</b>: {len(project.graph.nodes)} layers, "
                                 f"{analysis.total_params:,} parameters, output {outputs}."
                                 f"{trains}")
        self.chosen = path

    def accept(self) -> None:
        item = self.list.currentItem()
        self.chosen = Path(item.data(Qt.ItemDataRole.UserRole)) if item else None
        super().accept()
