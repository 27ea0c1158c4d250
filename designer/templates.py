"""File > New from Template: the example projects grouped by recurrent form (one-to-one,
one-to-many, many-to-one, many-to-many), each with a line saying what it is for and a live
preview."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import analyse
from engine.layout import layered_layout, wrap_to_fit
from engine.project import ProjectError, load_project
from widgets.canvas import GraphScene, GraphView

INDEX = "templates.json"
PREVIEW_ZOOM = 0.45
"""The smallest zoom of the template preview: the layers' names still read."""
"""In the templates folder: the groups, in order, and each template's purpose."""


@dataclass(frozen=True)
class Template:
    path: Path
    name: str
    purpose: str


@dataclass(frozen=True)
class TemplateGroup:
    form: str
    what: str
    templates: tuple[Template, ...]


def template_groups(folder: Path) -> list[TemplateGroup]:
    """The templates in `folder` by group, as its index lists them; projects the index
    does not name (or a folder without an index) come last, under "Other"."""
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
        listed = [(group["form"], group.get("what", ""), [
            (folder / entry["file"], entry.get("purpose", "")) for entry in group["templates"]])
            for group in index["groups"]]
    except (OSError, ValueError, KeyError, TypeError):
        listed = []
    named = {path.resolve() for _, _, entries in listed for path, _ in entries}
    others = [(path, "") for path in sorted(folder.glob("*.ndproj"))
              if path.resolve() not in named]
    if others:
        listed.append(("Other", "", others))
    groups = []
    for form, what, entries in listed:
        templates = []
        for path, purpose in entries:
            try:
                templates.append(Template(path, load_project(path).name, purpose))
            except ProjectError:
                continue
        if templates:
            groups.append(TemplateGroup(form, what, tuple(templates)))
    return groups


class TemplateDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from Template")
        self.setObjectName("template_dialog")
        self.resize(980, 600)
        self.chosen: Path | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMaximumWidth(300)
        self.tree.setRootIsDecorated(False)
        self.scene = GraphScene(self)
        self.scene.set_read_only(True)
        self.preview = GraphView(self.scene)
        self.description = QLabel()
        self.description.setWordWrap(True)
        for group in template_groups(folder):
            heading = QTreeWidgetItem([group.form])
            heading.setToolTip(0, group.what)
            font = heading.font(0)
            font.setBold(True)
            heading.setFont(0, font)
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a choice
            self.tree.addTopLevelItem(heading)
            for template in group.templates:
                item = QTreeWidgetItem([template.name])
                item.setData(0, Qt.ItemDataRole.UserRole, str(template.path))
                item.setData(0, Qt.ItemDataRole.UserRole + 1, template.purpose)
                item.setData(0, Qt.ItemDataRole.UserRole + 2,
                             f"{group.form.lower()}: {group.what}" if group.what else "")
                item.setToolTip(0, template.purpose)
                heading.addChild(item)
            heading.setExpanded(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.preview, 1)
        side.addWidget(self.description)
        row = QHBoxLayout()
        row.addWidget(self.tree)
        row.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self.tree.currentItemChanged.connect(self._preview)
        self.tree.itemDoubleClicked.connect(
            lambda item: self.accept() if self._path_of(item) else None)
        items = self.template_items()
        if items:
            self.tree.setCurrentItem(items[0])

    def template_items(self) -> list[QTreeWidgetItem]:
        """Every template's entry, in the order shown."""
        return [self.tree.topLevelItem(g).child(i) for g in range(self.tree.topLevelItemCount())
                for i in range(self.tree.topLevelItem(g).childCount())]

    def choose(self, name: str) -> None:
        """Select the template called `name`."""
        self.tree.setCurrentItem(next(i for i in self.template_items() if i.text(0) == name))

    @staticmethod
    def _path_of(item: QTreeWidgetItem | None) -> Path | None:
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return Path(value) if value else None

    def _preview(self, item: QTreeWidgetItem | None) -> None:
        path = self._path_of(item)
        if path is None:
            return
        project = load_project(path)
        analysis = analyse(project.graph, project.training)
        # the preview is small: the network wrapped into columns that fill it, at a zoom
        # where the layers' names can still be read
        room = self.preview.viewport().size()
        rows = wrap_to_fit(project.graph, "top-to-bottom", room.width() / PREVIEW_ZOOM - 80,
                           room.height() / PREVIEW_ZOOM - 80)
        for node_id, spot in layered_layout(project.graph, wrap_after=rows).items():
            project.graph.nodes[node_id].position = spot
        self.scene.set_graph(project.graph)
        self.scene.set_analysis(analysis)
        self.preview.fit_to_view(PREVIEW_ZOOM)
        outputs = ", ".join(str(analysis.nodes[n].output) for n in analysis.outputs)
        dataset = (project.training or {}).get("dataset", {})
        trains = f" Trains on {dataset.get('name') or dataset.get('path')}." if dataset else ""
        purpose = item.data(0, Qt.ItemDataRole.UserRole + 1)
        form = item.data(0, Qt.ItemDataRole.UserRole + 2)
        self.description.setText(f"<b>{project.name}</b>: {purpose}"
                                 f"{f' ({form})' if form else ''}<br>"
                                 f"{len(project.graph.nodes)} layers, "
                                 f"{analysis.total_params:,} parameters, output {outputs}."
                                 f"{trains}")
        self.chosen = path

    def accept(self) -> None:
        self.chosen = self._path_of(self.tree.currentItem())
        if self.chosen is None:  # a heading: nothing to create
            return
        super().accept()
