"""The Sweep dock: what the project varies and how the search runs (undoable edits of the
project's sweep section), Start and Stop, and the study's trials and plots as they come in.
A trial opens as a project of its own, or applies to this one as one undoable edit."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from designer.commands import ReplaceGraph, SetProjectField
from designer.document import Document
from designer.sweep_runner import StudySnapshot, StudyWatcher, SweepRunner
from designer.vary_dialog import VaryDialog
from engine.project import Project, save_project
from engine.sweeps.points import project_at
from engine.sweeps.settings import (
    DEFAULT_TRIALS,
    MAX_TRIALS,
    PRUNERS,
    SAMPLERS,
    read_sweep,
)
from engine.sweeps.space import (
    TRAINING_SETTINGS,
    SweepError,
    read_varied,
    suggested_range,
    varied_names,
)
from engine.sweeps.work import prepare
from engine.training.runs import runs_folder
from engine.training.threads import usable_cores
from widgets.sweep_results import SweepPlots, TrialsTable

OBJECTIVES = (("Validation metric", ["metric"]),
              ("Metric and MACs (Pareto front)", ["metric", "macs"]),
              ("Metric and parameters (Pareto front)", ["metric", "parameters"]))


def _name(entry: dict[str, Any]) -> str:
    return varied_names([entry])[0] if varied_names([entry]) else "?"


class SweepPanel(QWidget):
    def __init__(self, document: Document, save: Callable[[], bool],
                 open_path: Callable[[Path], bool], parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self._save, self._open_path = document, save, open_path
        self.runner = SweepRunner(self)
        self.watcher = StudyWatcher(self)
        self.snapshot: StudySnapshot | None = None
        self._metric, self._maximize, self._cost = "val_loss", False, None
        self._names: list[str] = []

        self.varied = QListWidget()
        self.varied.setObjectName("varied_list")
        self.varied.itemDoubleClicked.connect(lambda item: self.edit_selected())
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Vary a training setting; a layer's parameter is varied "
                                   "from its field's context menu (Vary…) in Properties")
        self.add_button.clicked.connect(self._show_add_menu)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.objectives = QComboBox()
        for text, _ in OBJECTIVES:
            self.objectives.addItem(text)
        self.sampler = QComboBox()
        self.sampler.addItems([s.upper() if s == "tpe" else s.title() for s in SAMPLERS])
        self.pruner = QComboBox()
        self.pruner.addItems([p.title() for p in PRUNERS])
        self.trials = QSpinBox()
        self.trials.setRange(1, MAX_TRIALS)
        self.workers = QSpinBox()
        self.workers.setRange(1, max(1, usable_cores()))
        self.workers.setValue(max(1, usable_cores() // 2))
        self.workers.setToolTip("Trials at once on this machine, each a process of its own "
                                "with a share of the cores. Other machines join with "
                                "`netdesigner sweep FILE`.")
        for combo in (self.objectives, self.sampler, self.pruner):
            combo.activated.connect(lambda _: self._settings_edited())
        self.trials.editingFinished.connect(self._settings_edited)
        self.start_button = QPushButton("Start Sweep")
        self.start_button.setObjectName("start_sweep")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.runner.stop)
        self.status = QLabel("Mark parameters to vary, then Start Sweep.")
        self.status.setWordWrap(True)
        self.status.setObjectName("sweep_status")

        self.table = TrialsTable()
        self.table.trial_activated.connect(self.open_trial)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.plots = SweepPlots()
        self.open_button = QPushButton("Open as Project")
        self.open_button.setToolTip("Save the selected trial's network and settings as a "
                                    "project of its own, with its trained run, and open it "
                                    "(Enter or a double-click on a trial)")
        self.open_button.clicked.connect(lambda: self.open_trial(self.table.selected_trial()))
        self.apply_button = QPushButton("Apply to This Project")
        self.apply_button.setToolTip("Set this project's varied parameters to the selected "
                                     "trial's values: one edit, undone with Ctrl+Z")
        self.apply_button.clicked.connect(
            lambda: self.apply_trial(self.table.selected_trial()))
        self._lay_out()

        self.runner.said.connect(self._on_said)
        self.runner.ended.connect(self._on_ended)
        self.watcher.read.connect(self._on_read)
        document.changed.connect(self.refresh)
        document.replaced.connect(self._on_replaced)
        document.path_changed.connect(self._watch)
        document.read_only_changed.connect(lambda _: self._sync_buttons())
        self._on_replaced()

    def _lay_out(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(QLabel("Varies"))
        column.addWidget(self.varied, 1)
        row = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            row.addWidget(button)
        column.addLayout(row)
        form = QFormLayout()
        form.addRow("Objectives", self.objectives)
        form.addRow("Sampler", self.sampler)
        form.addRow("Pruning", self.pruner)
        form.addRow("Trials", self.trials)
        form.addRow("Workers here", self.workers)
        column.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        column.addLayout(row)
        column.addWidget(self.status)
        right = QWidget()
        results = QVBoxLayout(right)
        results.setContentsMargins(6, 0, 0, 0)
        results.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        row.addWidget(self.apply_button)
        results.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.addWidget(self.plots)
        splitter.setSizes([300, 560, 420])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    # -- the project's sweep section -----------------------------------------------------
    @property
    def section(self) -> dict[str, Any]:
        """A copy of the project's sweep section, with a "vary" list whatever the file
        held (what it held otherwise is said when the sweep is checked)."""
        section = copy.deepcopy(self.document.project.sweep or {})
        if not isinstance(section.get("vary"), list):
            section["vary"] = []
        return section

    def _push(self, section: dict[str, Any] | None, text: str) -> None:
        if section is not None and not section.get("vary") and set(section) <= {"vary"}:
            section = None  # nothing varies and nothing was chosen: no sweep in the file
        self.document.push(SetProjectField(self.document, "sweep", section, text))

    def entry_for(self, where: str, owner: str, param: str) -> tuple[int, dict[str, Any]]:
        """The vary list's entry for a parameter (its index, -1 when it does not vary yet,
        with a first range from the catalogue)."""
        for index, entry in enumerate(self.section["vary"]):
            if isinstance(entry, dict) and entry.get(where) == owner and (
                    where == "training" or entry.get("param", "repeat") == param):
                return index, entry
        project = self.document.project
        return -1, suggested_range(project.graph, project.training, where, owner, param)

    def vary(self, where: str, owner: str, param: str) -> None:
        """Ask over what the parameter varies (or whether it stops varying) and store it as
        one undoable edit."""
        index, entry = self.entry_for(where, owner, param)
        dialog = VaryDialog(self.document.graph, entry, _name(entry), index >= 0, self)
        dialog.accepted.connect(lambda: self._store(dialog, index))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _store(self, dialog: VaryDialog, index: int) -> None:
        section = self.section
        vary = section.setdefault("vary", [])
        name = _name(dialog.entry)
        if dialog.removed:
            del vary[index]
            self._push(section, f"Stop varying {name}")
        elif index >= 0:
            vary[index] = dialog.entry
            self._push(section, f"Vary {name}")
        else:
            vary.append(dialog.entry)
            self._push(section, f"Vary {name}")

    def varied_params(self, node_id: str) -> dict[str, str]:
        """A node's parameters the sweep varies, with what they range over (or why the
        sweep cannot vary it as the file says)."""
        found = {}
        for position, entry in enumerate(self.section["vary"], start=1):
            if isinstance(entry, dict) and entry.get("node") == node_id:
                try:
                    text = read_varied(entry, self.document.graph, position).describe()
                except SweepError as error:
                    text = error.problems[0]
                found[str(entry.get("param"))] = text
        return found

    def _show_add_menu(self) -> None:
        menu = QMenu(self)
        for name in TRAINING_SETTINGS:
            action = menu.addAction(f"Training: {name}")
            action.triggered.connect(lambda _=False, n=name: self.vary("training", n, n))
        blocks = self.document.graph.blocks
        if blocks:
            menu.addSeparator()
            for block_id in blocks:
                action = menu.addAction(f"Block {block_id}: repeat")
                action.triggered.connect(
                    lambda _=False, b=block_id: self.vary("block", b, "repeat"))
        self.menu = menu
        menu.popup(self.add_button.mapToGlobal(self.add_button.rect().bottomLeft()))

    def edit_selected(self) -> None:
        item = self.varied.currentItem()
        if item is None:
            return
        entry = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(entry, dict):
            return
        where = next((k for k in ("node", "block", "training") if k in entry), None)
        if where is None:
            return
        owner = entry[where]
        param = owner if where == "training" else entry.get("param", "repeat")
        self.vary(where, owner, param)

    def remove_selected(self) -> None:
        row = self.varied.currentRow()
        section = self.section
        if row < 0 or row >= len(section["vary"]):
            return
        removed = section["vary"].pop(row)
        self._push(section, f"Stop varying {_name(removed)}")

    def _settings_edited(self) -> None:
        section = self.section
        section["objectives"] = OBJECTIVES[self.objectives.currentIndex()][1]
        section["sampler"] = SAMPLERS[self.sampler.currentIndex()]
        section["pruner"] = PRUNERS[self.pruner.currentIndex()]
        section["trials"] = self.trials.value()
        defaults = {"objectives": ["metric"], "sampler": "tpe", "pruner": "median",
                    "trials": DEFAULT_TRIALS}
        for key, value in defaults.items():
            if section[key] == value:
                del section[key]
        if section != self.section:
            self._push(section, "Change sweep settings")

    def refresh(self) -> None:
        """The list and settings as the project has them."""
        section = self.section
        self.varied.clear()
        graph = self.document.graph
        for position, entry in enumerate(section["vary"], start=1):
            try:
                text = read_varied(entry, graph, position).describe()
                problem = None
            except SweepError as error:
                text, problem = _name(entry) if isinstance(entry, dict) else "?", \
                    error.problems[0]
            item = QListWidgetItem(text if problem is None else f"{text}  (!)")
            item.setData(Qt.ItemDataRole.UserRole, entry)
            if problem:
                item.setToolTip(problem)
                item.setForeground(Qt.GlobalColor.red)
            self.varied.addItem(item)
        chosen = section.get("objectives", ["metric"])
        self.objectives.setCurrentIndex(next(
            (i for i, (_, o) in enumerate(OBJECTIVES) if o == chosen), 0))
        sampler = section.get("sampler", "tpe")
        self.sampler.setCurrentIndex(SAMPLERS.index(sampler) if sampler in SAMPLERS else 0)
        pruner = section.get("pruner", "median")
        self.pruner.setCurrentIndex(PRUNERS.index(pruner) if pruner in PRUNERS else 0)
        trials = section.get("trials", DEFAULT_TRIALS)
        self.trials.setValue(trials if isinstance(trials, int) else DEFAULT_TRIALS)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        running = self.runner.running
        editable = not running and not self.document.read_only
        has_vary = bool(self.section["vary"])
        for widget in (self.add_button, self.objectives, self.sampler, self.pruner,
                       self.trials, self.workers):
            widget.setEnabled(editable)
        self.edit_button.setEnabled(editable and has_vary)
        self.remove_button.setEnabled(editable and has_vary)
        self.start_button.setEnabled(not running and has_vary)
        self.stop_button.setEnabled(running)
        chosen = self.table.selected_trial()
        row = self.table.row_of(chosen) if chosen is not None else None
        usable = row is not None and row.state in ("complete", "pruned")
        self.open_button.setEnabled(usable)
        self.apply_button.setEnabled(usable and not self.document.read_only)

    # -- running and watching ------------------------------------------------------------
    def _on_replaced(self) -> None:
        if self.runner.running:  # a sweep never outlives the project it searches
            self.stop_and_wait()
        self.snapshot = None
        self.table.show_rows([], [], "val_loss")
        self.plots.show_rows([], [], "val_loss", False)
        self.refresh()
        self._watch()

    def _watch(self) -> None:
        """Read the project's study (if it has one) from where the sweep keeps it."""
        project = self.document.project
        self.watcher.forget()
        if project.path is None or project.sweep is None:
            return
        try:
            prepared = prepare(project)
        except SweepError:
            return
        self._metric, self._maximize = prepared.metric, prepared.maximize
        self._cost = prepared.sweep.cost
        self._names = [v.name for v in prepared.sweep.varied]
        self.watcher.watch(self._frozen(project), prepared.sweep, prepared.epochs)
        self.watcher.poll()

    @staticmethod
    def _frozen(project: Project) -> Project:
        return Project(project.name, project.graph.copy(), copy.deepcopy(project.training),
                       project.path, copy.deepcopy(project.sweep))

    def start(self) -> None:
        """Check the sweep, save the project (the workers read its file), then run."""
        if self.runner.running:
            return
        try:
            prepared = prepare(self.document.project)
        except SweepError as error:
            self._say_problems(error.problems)
            return
        if not self._save():
            self._say_problems(["save the project first: the sweep's workers read its "
                                "file, and keep its study and runs beside it"])
            return
        self._metric, self._maximize = prepared.metric, prepared.maximize
        self._cost, self._names = prepared.sweep.cost, [v.name for v in prepared.sweep.varied]
        self.watcher.watch(self._frozen(self.document.project), prepared.sweep,
                           prepared.epochs)
        self.runner.start(self.document.path, self.workers.value())
        self.watcher.set_polling(True)
        self.status.setStyleSheet("")
        self.status.setText(f"Sweeping {len(self._names)} parameter(s), "
                            f"{prepared.sweep.trials} trials…")
        self._sync_buttons()

    def _say_problems(self, problems: list[str]) -> None:
        self.status.setStyleSheet("color: #d2453a")
        self.status.setText("Cannot sweep: " + " ".join(problems))

    def _on_said(self, line: str) -> None:
        if line.startswith("trial ") or line.startswith("best "):
            self.status.setText(line)

    def showEvent(self, event) -> None:
        # in sight, the study is read every second: other windows and machines may be
        # running it
        super().showEvent(event)
        self.watcher.set_polling(True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.watcher.set_polling(self.runner.running)

    def _on_ended(self, code: int, refusals: list[str]) -> None:
        self.watcher.set_polling(self.isVisible())
        self.watcher.poll()
        if refusals:
            self._say_problems([line.split("cannot sweep: ", 1)[-1] for line in refusals])
        elif code == 0:
            self.status.setText("The sweep is finished." + self._best_text())
        else:
            self.status.setText("The sweep was stopped; the study keeps every finished "
                                "trial." + self._best_text())
        self._sync_buttons()

    def _best_text(self) -> str:
        from engine.sweeps.results import best_row

        best = best_row(self.snapshot.rows, self._maximize) if self.snapshot else None
        if best is None:
            return ""
        return f" Best: trial {best.number}, {self._metric} {best.metric:.4f}."

    def _on_read(self, snapshot: StudySnapshot | None) -> None:
        if snapshot is None:
            return
        self.snapshot = snapshot
        self.table.show_rows(snapshot.rows, self._names, self._metric, self._cost)
        self.plots.show_rows(snapshot.rows, self._names, self._metric, self._maximize,
                             self._cost, snapshot.importances)
        self._sync_buttons()

    def stop_and_wait(self) -> None:
        """Closing the window or showing another project ends a sweep started here."""
        if self.runner.running:
            self.runner.stop()
            self.runner.wait()
        self.watcher.set_polling(False)
        self.watcher.wait()

    # -- trials → projects ---------------------------------------------------------------
    def _trial_project(self, number: int | None) -> tuple[Project, Any] | None:
        if number is None or self.snapshot is None:
            return None
        row = next((r for r in self.snapshot.rows if r.number == number), None)
        if row is None:
            return None
        try:
            sweep = read_sweep(self.document.project.sweep, self.document.graph)
        except SweepError as error:
            self._say_problems(error.problems)
            return None
        return project_at(self.document.project, sweep.varied, row.params), row

    def apply_trial(self, number: int | None) -> None:
        """The trial's values on this project: one undoable edit."""
        found = self._trial_project(number)
        if found is None or self.document.read_only:
            return
        point, _ = found
        stack = self.document.undo_stack
        stack.beginMacro(f"Apply trial {number}")
        self.document.push(ReplaceGraph(self.document, point.graph, "Apply trial"))
        if point.training != self.document.project.training:
            self.document.push(SetProjectField(self.document, "training", point.training,
                                               "Apply trial"))
        stack.endMacro()
        self.status.setText(f"Trial {number}'s values are applied (Ctrl+Z takes them back).")

    def open_trial(self, number: int | None) -> None:
        """The trial as a project of its own beside this one (with its trained run), opened
        in this window."""
        found = self._trial_project(number)
        path = self.document.path
        if found is None or path is None:
            return
        point, row = found
        name = f"{path.stem}-trial-{number}"
        point.name, point.sweep = name, None
        target = path.with_name(f"{name}.ndproj")
        try:
            save_project(point, target)
            if row.run and Path(row.run).is_dir():
                runs = runs_folder(target, name) / Path(row.run).name
                if not runs.exists():
                    shutil.copytree(row.run, runs)
        except OSError as error:
            self._say_problems([f"cannot write {target}: {error.strerror or error}"])
            return
        self._open_path(target)
