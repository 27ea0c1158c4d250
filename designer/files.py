"""New, open, save, recent files, templates and crash recovery for the main window."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.recovery import RecoveryStore, session_id
from engine.project import EXTENSION, Project, ProjectError, dumps_project, load_project
from engine.storage import StorageError, storage_error
from engine.training.runs import runs_folder

if TYPE_CHECKING:
    from designer.main_window import MainWindow

AUTOSAVE_MS = 60_000
MAX_RECENT = 8
FILTER = f"Netdesigner projects (*{EXTENSION});;All files (*)"
TEMPLATES = Path(__file__).resolve().parents[1] / "projects"


MAX_DRAWN_LAYERS = 10_000
"""The most layers the designer draws: about 6 s to open and 0.7 GB on a 2-core laptop
(measured: 0.5 s and 25 MB more per thousand layers), where 100,000 would take a minute and
3 GB. The command line handles any size."""


def too_many_layers(path: Path, project: Project) -> str:
    return (f"{path.name} has {len(project.graph.nodes):,} layers; the designer draws up to "
            f"{MAX_DRAWN_LAYERS:,}, and this many would take minutes and gigabytes of memory. "
            f"Check, train and export it with the command line: netdesigner validate "
            f"{path}; netdesigner train {path}; netdesigner export {path} --format python "
            "-o FOLDER")


def recovery_directory() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".netdesigner") / "recovery"


class FileController:
    def __init__(self, window: MainWindow):
        self.window = window
        self.document = window.document
        self.recovery = RecoveryStore(recovery_directory())
        self.session = session_id()
        self._recovery_original: Path | None = None
        self.autosave = QTimer(window, interval=AUTOSAVE_MS)
        self.autosave.timeout.connect(self.write_recovery)
        self.autosave.start()
        self._autosave_failed = False

    # -- prompts (tests answer the real dialogs) -----------------------------------------
    def confirm_discard(self, leaving: str = "show another project") -> bool:
        """Ask before a training run or unsaved changes would be lost by `leaving` ('quit
        Netdesigner', ...); True when it is fine to go on."""
        if not self.confirm_stop_training(leaving):
            return False
        if not self.document.modified:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to {self.document.display_name}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setObjectName("unsaved_changes")
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def confirm_stop_training(self, leaving: str = "show another project") -> bool:
        """A run trains the open project: leaving it stops the run (what it learnt so far is
        saved with the run)."""
        training = self.window.training
        if not training.running:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Training in progress",
                          f"Stop the training run and {leaving}?",
                          QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No, self.window)
        box.setObjectName("stop_training")
        box.setInformativeText("The weights learnt so far are kept with the run.")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return False
        training.stop_and_wait()
        return True

    def show_error(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setObjectName("file_error")
        box.exec()

    def choose_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.window, "Open project",
                                              str(self._folder()), FILTER)
        return Path(name) if name else None

    def choose_save_path(self) -> Path | None:
        suggested = self.document.path or self._folder() / f"{self.document.project.name}" \
            f"{EXTENSION}"
        name, _ = QFileDialog.getSaveFileName(self.window, "Save project", str(suggested),
                                              FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(EXTENSION)

    def _folder(self) -> Path:
        recent = self.recent_paths()
        return recent[0].parent if recent else Path.home()

    # -- commands ------------------------------------------------------------------------
    def new(self) -> None:
        if self.confirm_discard():
            self._show(Project())

    def new_from_template(self) -> None:
        from designer.templates import TemplateDialog

        if not self.confirm_discard():
            return
        dialog = TemplateDialog(TEMPLATES, self.window)
        if dialog.exec() and dialog.chosen is not None:
            project = load_project(dialog.chosen)
            project.path = None  # a template is a starting point, saved under a new name
            self._show(project)

    def open(self) -> None:
        if not self.confirm_discard():
            return
        path = self.choose_open_path()
        if path is not None:
            self.open_path(path, confirmed=True)

    def open_path(self, path: Path, confirmed: bool = False) -> bool:
        """Open a project; on failure show the loader's message and keep the current one."""
        if not confirmed and not self.confirm_discard():
            return False
        try:
            project = load_project(path)
        except ProjectError as error:
            self.show_error("Cannot open project", "\n".join(
                [f"{Path(path).name} could not be opened:", *error.problems]))
            return False
        if len(project.graph.nodes) > MAX_DRAWN_LAYERS:
            self.show_error("Cannot open project", too_many_layers(Path(path), project))
            return False
        self._show(project)
        self._remember(Path(path))
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path = self.choose_save_path()
        return self._save_to(path) if path is not None else False

    def _save_to(self, path: Path) -> bool:
        previous = self.document.path
        project = self.document.project
        named = project.name
        unsaved_runs = runs_folder(None, named) if previous is None else None
        if named == "Untitled" or (previous is not None and named == previous.stem):
            # a name nobody chose follows the file; one the user gave stays
            project.name = Path(path).stem
        try:
            self.document.save(path)
        except (StorageError, OSError) as error:
            project.name = named
            text = str(error) if isinstance(error, StorageError) else \
                str(storage_error(error, Path(path)))
            self.show_error("Cannot save project", f"{text}. The project is still open "
                            "here, unchanged; save it somewhere else.")
            return False
        self.recovery.discard(previous, self.session)
        self._keep_runs(unsaved_runs, path)
        self._remember(path)
        self.window.statusBar().showMessage(f"Saved {path}", 3000)
        return True

    def _keep_runs(self, unsaved_runs: Path | None, path: Path) -> None:
        """Runs made before the project had a file (kept in a temporary folder) move in
        beside it when it is first saved, where its runs are listed."""
        target = runs_folder(Path(path), self.document.project.name)
        if unsaved_runs is None or not unsaved_runs.is_dir() or target.exists():
            return
        try:
            shutil.move(str(unsaved_runs), str(target))
        except OSError:
            return  # they stay where they were; nothing of the project is lost
        self.window.training_panel.list_runs()

    def show_new_project(self, project: Project) -> None:
        """Show a project made elsewhere (an import) as a new, unsaved document."""
        project.path = None
        self._show(project)

    def _show(self, project: Project) -> None:
        self.window.training.stop_and_wait()  # a run never outlives the project it trains
        self.recovery.discard(self.document.path, self.session)
        self.document.replace(project)

    # -- recent files --------------------------------------------------------------------
    def recent_paths(self) -> list[Path]:
        stored = self.window.settings.value("recent_files", [])
        stored = [stored] if isinstance(stored, str) else list(stored or [])
        return [Path(p) for p in stored if Path(p).exists()]

    def _remember(self, path: Path) -> None:
        paths = [path.resolve()] + [p for p in self.recent_paths() if p != path.resolve()]
        self.window.settings.setValue("recent_files", [str(p) for p in paths[:MAX_RECENT]])

    # -- drag and drop -------------------------------------------------------------------
    @staticmethod
    def project_urls(mime: QMimeData) -> list[Path]:
        return [Path(url.toLocalFile()) for url in mime.urls()
                if url.isLocalFile() and url.toLocalFile().endswith(EXTENSION)]

    # -- crash recovery ------------------------------------------------------------------
    def write_recovery(self) -> None:
        """Autosave the unsaved work for crash recovery; a full or read-only disk is said
        once in the status bar (the work is still in the window)."""
        if not self.document.modified:
            return
        try:
            self.recovery.write(dumps_project(self.document.project), self.document.path,
                                self.session)
        except (StorageError, OSError) as error:
            if not self._autosave_failed:
                self.window.statusBar().showMessage(f"Autosave failed: {error}", 10000)
            self._autosave_failed = True
        else:
            self._autosave_failed = False

    def close_cleanly(self) -> None:
        self.recovery.discard(self.document.path, self.session)

    def offer_recovery(self) -> bool:
        """At start-up: restore work a crash left in recovery files. True if restored."""
        for entry in self.recovery.left_over():
            name = entry.original.name if entry.original else "an untitled project"
            box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work",
                              f"Netdesigner closed without saving changes to {name}. "
                              "Restore them?", QMessageBox.StandardButton.Yes
                              | QMessageBox.StandardButton.No, self.window)
            box.setObjectName("restore_recovery")
            if box.exec() == QMessageBox.StandardButton.Yes:
                try:
                    project = load_project(entry.file)
                except ProjectError:
                    self.recovery.remove(entry)
                    continue
                project.path = entry.original
                self.document.replace(project)
                # restored work is unsaved work: the title says so until it is saved
                self.document.undo_stack.resetClean()
                self.document.modified_changed.emit(True)
                self.recovery.remove(entry)
                return True
            self.recovery.remove(entry)
        return False
