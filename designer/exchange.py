"""File > Export and File > Import from PyTorch: the engine's exporters and importer, run in
the background with the open project, their outcome said in the status bar or a message."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog, QLineEdit, QMessageBox, QWidget

from designer.background import BackgroundTask
from designer.import_dialog import ImportDialog

if TYPE_CHECKING:
    from designer.main_window import MainWindow

EXPORT_TARGETS = {
    "python": ("Export as PyTorch Code", None),
    "onnx": ("Export as ONNX", "ONNX model (*.onnx)"),
    "torchscript": ("Export as TorchScript", "TorchScript module (*.pt)"),
}
"""Each format: the dialog's title and the file filter (None: a folder is chosen)."""


class FolderDialog(QFileDialog):
    """A folder to write into, chosen as a save dialog chooses a file: a name typed that
    does not exist yet is made (Qt's own folder dialog refuses it: "Directory not
    found")."""

    def __init__(self, parent: QWidget, title: str, start: Path):
        super().__init__(parent, title, str(start))
        self.setObjectName("folder_dialog")
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.setLabelText(QFileDialog.DialogLabel.Accept, "Choose")

    def accept(self) -> None:
        typed = self.findChild(QLineEdit, "fileNameEdit")
        text = typed.text().strip() if typed is not None else ""
        if text:
            wanted = Path(text).expanduser()
            wanted = wanted if wanted.is_absolute() else Path(self.directory().path()) / wanted
            if not wanted.exists():
                try:
                    wanted.mkdir(parents=True)
                except OSError as error:
                    QMessageBox.warning(self, "Cannot make the folder",
                                        f"{wanted} cannot be made: {error.strerror or error}")
                    return
        super().accept()


class ExchangeController:
    def __init__(self, window: MainWindow):
        self.window = window
        self.task: BackgroundTask | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    # -- export --------------------------------------------------------------------------
    def export(self, format_name: str, output: Path | None = None) -> None:
        """Write the open project's network (with its latest run's weights, if any) in
        `format_name`; `output` is asked for when not given."""
        if self.busy:
            return
        output = output or self._choose_output(format_name)
        if output is None:
            return
        from engine.export.run import export_project

        project = copy.deepcopy(self.window.document.project)
        self._message(f"Exporting to {output}…")
        self._start(lambda: export_project(project, format_name, output),
                    lambda result: self._message(result.summary),
                    lambda error: self._show_problem("Cannot export", error))

    def _choose_output(self, format_name: str) -> Path | None:
        title, file_filter = EXPORT_TARGETS[format_name]
        document = self.window.document
        folder = document.path.parent if document.path else Path.home()
        stem = document.path.stem if document.path else document.project.name
        if file_filter is None:
            dialog = FolderDialog(self.window, title + " (choose an empty or new folder)",
                                  folder)
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            return Path(dialog.selectedFiles()[0])
        suffix = ".onnx" if format_name == "onnx" else ".pt"
        name, _ = QFileDialog.getSaveFileName(self.window, title, str(folder / (stem + suffix)),
                                              file_filter)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(suffix)

    # -- import --------------------------------------------------------------------------
    def import_from_pytorch(self, dialog: ImportDialog | None = None) -> None:
        """Ask for a file, a class and an input shape, import them as a new project."""
        if self.busy:
            return
        dialog = dialog or ImportDialog(str(self._folder()), self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        path, class_name, shape = dialog.chosen()
        dtype, batch_first = dialog.options()
        if not self.window.files.confirm_discard():
            return
        from engine.importing.api import import_network

        self._message(f"Importing {class_name} from {path.name}…")
        init = dialog.init_text()
        self._start(lambda: import_network(path, class_name, shape, dtype,
                                           batch_first=batch_first, init=init),
                    self._show_imported,
                    lambda error: self._show_problem("Cannot import", error))

    def _show_imported(self, imported) -> None:
        project = imported.project
        self.window.files.show_new_project(project)
        notes = "".join(f" Note: {note}." for note in imported.notes)
        self._message(f"Imported {project.name}: {len(project.graph.nodes)} layers; save it "
                      f"to keep it.{notes}")

    def _folder(self) -> Path:
        path = self.window.document.path
        return path.parent if path else Path.home()

    # -- shared --------------------------------------------------------------------------
    def _start(self, work, done, failed) -> None:
        self.task = BackgroundTask(work, done, failed, self.window)
        self.task.start()

    def _message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def _show_problem(self, title: str, error: BaseException) -> None:
        lines = getattr(error, "lines", None) or [f"{type(error).__name__}: {error}"]
        self._message(lines[0])
        box = QMessageBox(QMessageBox.Icon.Warning, title, "\n".join(lines[:20]),
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("exchange_problem")
        box.exec()
