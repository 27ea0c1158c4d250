"""Choosing a project's training data: a built-in (with its shape), a data file or a folder
of images, and for a CSV table which column to predict, from which columns, in windows of
how many rows. It edits the `training.dataset` entry of the project file format."""

from __future__ import annotations

import csv
import stat
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from engine.data import BUILTINS

BROWSE_FILE = "Data file (.npz, .csv)…"
BROWSE_FOLDER = "Folder of images, clips or sounds…"
_BROWSE_FILE, _BROWSE_FOLDER = "<browse file>", "<browse folder>"


HEADER_BYTES = 1 << 16
"""The most of a CSV file read on the GUI thread to list its columns."""


def csv_columns(path: Path) -> list[str]:
    """The names in a CSV file's header row, or none when it cannot be read (the run then
    says what is wrong with the file). Only a regular file is opened, and only its start is
    read: a named pipe or a device would hold the window forever."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return []
        with path.open("rb") as handle:
            head = handle.read(HEADER_BYTES)
        first = head.split(b"\n", 1)[0].decode("utf-8-sig")
        return [name.strip() for name in next(csv.reader([first]), [])]
    except (OSError, ValueError, csv.Error):
        return []


class DatasetChooser(QWidget):
    edited = Signal(dict)
    """The new dataset entry, after the person changed something."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.base_dir: Path | None = None
        """Paths are stored relative to this folder (the project's) when they lie in it."""
        self._entry: dict[str, Any] = {"name": "digits"}
        self._updating = False
        self.source = QComboBox()
        for builtin in BUILTINS.values():
            shape = "[" + ", ".join(str(d) for d in builtin.sample_shape) + "]"
            self.source.addItem(f"{builtin.name}  {shape}", {"name": builtin.name})
            self.source.setItemData(self.source.count() - 1, builtin.description,
                                    Qt.ItemDataRole.ToolTipRole)
        self.source.insertSeparator(self.source.count())
        self.source.addItem(BROWSE_FILE, _BROWSE_FILE)
        self.source.addItem(BROWSE_FOLDER, _BROWSE_FOLDER)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setEnabled(False)  # a note, drawn in the muted text colour
        self.target = QComboBox()
        self.target.setToolTip("The column the network learns to predict")
        self.source.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        for combo in (self.source, self.target):
            # long paths and column names must not widen the form: the list shows them whole
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.features = QLineEdit()
        self.features.setPlaceholderText("all other columns")
        self.features.setToolTip("The columns to predict from, separated by commas")
        self.window = QSpinBox(minimum=0, maximum=100000, specialValueText="off")
        self.window.setToolTip("Each sample is this many consecutive rows (a sequence), "
                               "labelled with the target of its last row")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dataset", self.source)
        form.addRow(self.about)
        form.addRow("Target column", self.target)
        form.addRow("Feature columns", self.features)
        form.addRow("Window (rows)", self.window)
        self.form = form
        self.source.activated.connect(self._source_chosen)
        self.target.activated.connect(self._options_edited)
        self.features.editingFinished.connect(self._options_edited)
        self.window.editingFinished.connect(self._options_edited)
        self.show_entry(self._entry)

    # -- showing ---------------------------------------------------------------------
    def show_entry(self, entry: Any) -> None:
        self._updating = True
        self._entry = dict(entry) if isinstance(entry, dict) else {}
        name, path = self._entry.get("name"), self._entry.get("path")
        if name in BUILTINS:
            self.source.setCurrentIndex(self.source.findData({"name": name}))
            self.about.setText(BUILTINS[name].description)
        elif isinstance(path, str):
            index = self.source.findData({"path": path})
            if index < 0:
                index = self.source.count() - 2  # above the two browse entries
                self.source.insertItem(index, path, {"path": path})
            self.source.setCurrentIndex(index)
            self.about.setText(self._describe_path(path))
        else:
            self.source.setCurrentIndex(-1)
            self.about.setText("Choose the data to train on")
        self._show_csv_options(path if isinstance(path, str) and _is_csv(path) else None)
        self._updating = False

    def _show_csv_options(self, path: str | None) -> None:
        for widget in (self.target, self.features, self.window):
            self.form.setRowVisible(widget, path is not None)
        if path is None:
            return
        columns = csv_columns(self._resolve(path))
        target = self._entry.get("target")
        self.target.clear()
        self.target.addItems(columns)
        if isinstance(target, str):
            if target not in columns:
                self.target.addItem(target)
            self.target.setCurrentText(target)
        else:
            self.target.setCurrentIndex(-1)
            self.target.setPlaceholderText("choose the column to predict")
        features = self._entry.get("features")
        self.features.setText(", ".join(features) if isinstance(features, list) else "")
        window = self._entry.get("window")
        self.window.setValue(window if isinstance(window, int) else 0)

    def show_summary(self, text: str | None, problem: bool = False) -> None:
        """What the chosen data holds, found out by the application (None: the chooser's
        own description)."""
        path = self._entry.get("path")
        if text is None:
            if isinstance(path, str):
                self.about.setText(self._describe_path(path))
            self.about.setEnabled(False)
            return
        self.about.setText(text)
        self.about.setToolTip(text)
        # an error reads in the normal text colour, a note in the muted one
        self.about.setEnabled(problem)

    def _describe_path(self, path: str) -> str:
        resolved = self._resolve(path)
        try:
            is_dir, exists = resolved.is_dir(), resolved.exists()
        except (OSError, ValueError) as error:  # a name too long, a NUL byte in it
            why = getattr(error, "strerror", None) or str(error)
            return f"Cannot be used: {why} ({len(path):,} characters)"
        if is_dir:
            return ("Images, video clips or sounds in one subfolder per class, or clips with "
                    "their labels beside them, fitted to the Input's shape")
        if not exists:
            shown = str(resolved) if len(str(resolved)) <= 120 else "…" + str(resolved)[-100:]
            return f"Not found: {shown}"
        if _is_csv(path):
            return "A table with a header row: one sample per row, or windows of rows"
        return "Arrays x and y (and optionally x_val, y_val)"

    def _resolve(self, path: str) -> Path:
        try:
            resolved = Path(path).expanduser()
        except RuntimeError:  # '~someone' who is not a user here
            resolved = Path(path)
        if not resolved.is_absolute() and self.base_dir is not None:
            resolved = self.base_dir / resolved
        return resolved

    # -- editing ---------------------------------------------------------------------
    def _source_chosen(self) -> None:
        if self._updating:
            return
        choice = self.source.currentData()
        if choice == _BROWSE_FILE:
            name, _ = QFileDialog.getOpenFileName(self, "Training data", self._start_folder(),
                                                  "Data (*.npz *.csv);;All files (*)")
            choice = {"path": self._relative(Path(name))} if name else None
        elif choice == _BROWSE_FOLDER:
            name = QFileDialog.getExistingDirectory(self, "Folder of images, clips or sounds",
                                                    self._start_folder())
            choice = {"path": self._relative(Path(name))} if name else None
        if not choice or choice == {k: self._entry.get(k) for k in choice}:
            self.show_entry(self._entry)  # cancelled, or nothing changed
            return
        self.edited.emit(dict(choice))

    def _options_edited(self) -> None:
        if self._updating or "path" not in self._entry:
            return
        entry = {"path": self._entry["path"]}
        if self.target.currentText():
            entry["target"] = self.target.currentText()
        features = [f.strip() for f in self.features.text().split(",") if f.strip()]
        if features:
            entry["features"] = features
        if self.window.value():
            entry["window"] = self.window.value()
        if entry != self._entry:
            self.edited.emit(entry)

    def _start_folder(self) -> str:
        return str(self.base_dir) if self.base_dir is not None else ""

    def _relative(self, path: Path) -> str:
        if self.base_dir is not None:
            try:
                return path.relative_to(self.base_dir).as_posix()
            except ValueError:
                pass
        return str(path)


def _is_csv(path: str) -> bool:
    return path.lower().endswith(".csv")

