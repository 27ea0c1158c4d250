"""File > Import from PyTorch: which file, which class in it, and the shape of one sample.

The file is only read here (its classes and INPUT_SHAPE found with `ast`); it runs when
the import itself runs."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


@dataclass(frozen=True)
class PythonFileOutline:
    classes: list[str]
    """Top-level classes, those that name a Module among their bases first."""
    input_shape: tuple[int, ...] | None
    """The file's INPUT_SHAPE, when it writes one as a literal."""
    problem: str = ""


def outline(path: Path) -> PythonFileOutline:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        return PythonFileOutline([], None, f"cannot read {path.name}: {error}")
    except SyntaxError as error:
        return PythonFileOutline([], None, f"{path.name}:{error.lineno}: {error.msg}")
    modules, others, shape = [], [], None
    for statement in tree.body:
        if isinstance(statement, ast.ClassDef):
            bases = " ".join(ast.unparse(base) for base in statement.bases)
            (modules if "Module" in bases else others).append(statement.name)
        elif isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "INPUT_SHAPE" for t in statement.targets):
            try:
                value = ast.literal_eval(statement.value)
            except ValueError:
                continue
            if isinstance(value, tuple | list) and all(isinstance(v, int) for v in value):
                shape = tuple(value)
    if not modules and not others:
        return PythonFileOutline([], shape, f"{path.name} defines no class")
    return PythonFileOutline(modules + others, shape)


def parse_shape(text: str) -> tuple[int, ...] | None:
    """'1, 28, 28' or '[1, 28, 28]' → (1, 28, 28); None when it is not such a list."""
    parts = [p.strip() for p in text.strip().strip("[]()").replace("×", ",").split(",")]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        return None
    return tuple(int(p) for p in parts)


DTYPE_WORDS = ("float32", "int64", "bool")


def parse_inputs(text: str) -> list[tuple[tuple[int, ...], str | None]] | None:
    """'10, 8; 10 bool' → [((10, 8), None), ((10,), 'bool')]: a shape for each tensor
    forward() takes, in order, each perhaps followed by its dtype; None when it is not."""
    found = []
    for part in text.split(";"):
        words = part.strip().rsplit(maxsplit=1)
        dtype = words[1] if len(words) == 2 and words[1] in DTYPE_WORDS else None
        shape = parse_shape(words[0] if dtype else part)
        if shape is None:
            return None
        found.append((shape, dtype))
    return found


def arguments_problem(text: str) -> str | None:
    """Why `text` is not what a class can be built with (literals, as in a call), or None;
    read as the importer reads it, without running anything."""
    from engine.importing.loading import init_arguments  # torch: loaded once the user types
    from engine.importing.problems import ImportProblem

    try:
        init_arguments(text)
    except ImportProblem as refused:
        return str(refused)
    return None


AUTO_DTYPE = "auto (the file's INPUT_DTYPE, else from the first layer)"


class ImportDialog(QDialog):
    def __init__(self, start_folder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import from PyTorch")
        self.setObjectName("import_dialog")
        self._start_folder = start_folder
        self.path = QLineEdit()
        self.path.setPlaceholderText("model.py")
        browse = QPushButton("Browse…")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.class_name = QComboBox()
        self.arguments = QLineEdit()
        self.arguments.setPlaceholderText("none; or as in a call, e.g. 32, 1, num_layers=2")
        self.arguments.setToolTip("What the class is built with, when its __init__ needs "
                                  "arguments: numbers, text, True/False/None, tuples and "
                                  "lists, written as in a call")
        self.shape = QLineEdit()
        self.shape.setPlaceholderText("one sample without the batch, e.g. 1, 28, 28")
        self.shape.setToolTip("One sample's shape, without the batch. For a forward() that "
                              "takes more tensors (a mask, say), each one's shape after a "
                              "semicolon, perhaps with its dtype: 20, 8; 20 bool")
        self.dtype = QComboBox()
        self.dtype.addItems([AUTO_DTYPE, *DTYPE_WORDS])
        self.dtype.setToolTip("The example input's dtype: int64 for token ids")
        self.batch_first = QCheckBox("Give an output the code returns time-first "
                                     "([steps, batch, …]) batch-first")
        self.batch_first.setToolTip("Off: the project ends with TimeFirst and hands the "
                                    "output on as the code does")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        form = QFormLayout(self)
        form.addRow("Python file", row)
        form.addRow("Class", self.class_name)
        form.addRow("Arguments", self.arguments)
        form.addRow("Input shape", self.shape)
        form.addRow("Input dtype", self.dtype)
        form.addRow(self.batch_first)
        form.addRow(self.note)
        form.addRow(self.buttons)
        browse.clicked.connect(self._browse)
        self.path.editingFinished.connect(self._read_file)
        self.shape.textChanged.connect(self._check)
        self.arguments.textChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._outline = PythonFileOutline([], None, "choose the file that defines the network")
        self._check()
        self.resize(520, self.sizeHint().height())

    def chosen(self) -> tuple[Path, str, tuple[int, ...] | list[tuple[int, ...]] | None]:
        """(file, class, input shape — a list of them for several inputs — or None for the
        file's INPUT_SHAPE)."""
        text = self.shape.text().strip()
        inputs = parse_inputs(text) if text else None
        shape = None if not inputs else inputs[0][0] if len(inputs) == 1 else [
            s for s, _ in inputs]
        return Path(self.path.text().strip()), self.class_name.currentText(), shape

    def options(self) -> tuple[str | list[str] | None, bool]:
        """(the input dtype, None for the file's or the guess, a list for several inputs;
        whether a time-first output is given batch-first)."""
        chosen = self.dtype.currentText()
        first = None if chosen == AUTO_DTYPE else chosen
        text = self.shape.text().strip()
        inputs = parse_inputs(text) if text else None
        if inputs and len(inputs) > 1:
            dtypes = [inputs[0][1] or first, *(d or "float32" for _, d in inputs[1:])]
            if dtypes[0] is None:
                dtypes[0] = "float32"
            return dtypes, self.batch_first.isChecked()
        return (inputs[0][1] if inputs and inputs[0][1] else first), \
            self.batch_first.isChecked()

    def init_text(self) -> str | None:
        """What the class is built with, as written (None: no arguments)."""
        return self.arguments.text().strip() or None

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import from PyTorch", self._start_folder,
                                              "Python (*.py);;All files (*)")
        if name:
            self.path.setText(name)
            self._read_file()

    def _read_file(self) -> None:
        text = self.path.text().strip()
        self._outline = outline(Path(text)) if text else PythonFileOutline(
            [], None, "choose the file that defines the network")
        self.class_name.clear()
        self.class_name.addItems(self._outline.classes)
        shape = self._outline.input_shape
        self.shape.setPlaceholderText(
            f"{', '.join(map(str, shape))} (the file's INPUT_SHAPE)" if shape else
            "one sample without the batch, e.g. 1, 28, 28")
        self._check()

    def _check(self) -> None:
        text = self.shape.text().strip()
        problem = self._outline.problem
        if not problem and text and parse_inputs(text) is None:
            problem = ("the input shape is whole numbers separated by commas, e.g. 1, 28, "
                       "28; for more inputs, a semicolon before each: 20, 8; 20 bool")
        elif not problem and not text and self._outline.input_shape is None:
            problem = "the file has no INPUT_SHAPE: give the shape of one sample"
        if not problem and self.init_text():
            problem = arguments_problem(self.init_text())
        self.note.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
