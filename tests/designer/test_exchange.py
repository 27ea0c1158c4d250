"""File > Export writes the open network in each format in the background, and File > Import
from PyTorch turns a module class into a new project; anything that cannot be done is said
and leaves the open project as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
)

from designer.import_dialog import ImportDialog, outline, parse_inputs, parse_shape
from tests.designer.gui import answer_next_dialog, when_a_dialog_shows

MODELS = Path(__file__).parents[1] / "engine" / "importing_models"


def wait_for_the_task(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.exchange.busy, timeout=120_000)
    QApplication.processEvents()  # the result is handed to the GUI thread as an event


def test_ctrl_e_exports_pytorch_code_beside_the_project(window, project_copy, qtbot,
                                                        monkeypatch, tmp_path):
    assert window.files.open_path(project_copy, confirmed=True)
    target = tmp_path / "exported"
    target.mkdir()

    def choose(dialog: QFileDialog) -> None:
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText(str(target))
        QTest.keyClick(edit, Qt.Key.Key_Return)

    when_a_dialog_shows(QFileDialog, choose)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    wait_for_the_task(window, qtbot)
    assert {"model.py", "train.py", "data.npz"} <= {p.name for p in target.iterdir()}
    assert "wrote" in window.statusBar().currentMessage()
    assert "untrained" in window.statusBar().currentMessage()


def test_export_to_a_folder_that_does_not_exist_yet_makes_it(window, project_copy, qtbot,
                                                             tmp_path):
    assert window.files.open_path(project_copy, confirmed=True)
    target = tmp_path / "new" / "digits_code"

    def type_a_new_folder(dialog: QFileDialog) -> None:
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText(str(target))
        QTest.keyClick(edit, Qt.Key.Key_Return)

    when_a_dialog_shows(QFileDialog, type_a_new_folder)
    window.export_actions["python"].trigger()
    wait_for_the_task(window, qtbot)
    assert (target / "model.py").is_file()
    assert "wrote" in window.statusBar().currentMessage()


@pytest.mark.parametrize("format_name, suffix", [("torchscript", ".pt"), ("onnx", ".onnx")])
def test_a_single_file_format_gets_its_suffix(window, project_copy, qtbot, monkeypatch,
                                              tmp_path, format_name, suffix):
    assert window.files.open_path(project_copy, confirmed=True)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "digits"), ""))
    window.export_actions[format_name].trigger()
    wait_for_the_task(window, qtbot)
    assert (tmp_path / f"digits{suffix}").is_file()


def test_a_network_with_errors_is_not_exported_and_says_why(window, project_copy, qtbot,
                                                            monkeypatch, tmp_path):
    assert window.files.open_path(project_copy, confirmed=True)
    window.editor.set_params("conv1", {"kernel_size": 30})
    before = window.document.project.graph.nodes["conv1"].params
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "broken.pt"), ""))
    seen: list[str] = []
    answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    window.export_actions["torchscript"].trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    assert "conv1" in seen[0]
    assert not (tmp_path / "broken.pt").exists()
    assert window.document.project.graph.nodes["conv1"].params == before


def fill_import_dialog(path: Path, class_name: str, shape: str = "",
                       seen: list[str] | None = None, dtype: str = "",
                       batch_first: bool = False, arguments: str = "") -> None:
    """Type into the Import dialog as soon as it shows, and press Import."""

    def fill(dialog: ImportDialog) -> None:
        QTest.keyClicks(dialog.path, str(path))
        QTest.keyClick(dialog.path, Qt.Key.Key_Return)
        dialog.class_name.setCurrentText(class_name)
        if arguments:
            QTest.keyClicks(dialog.arguments, arguments)
        if shape:
            QTest.keyClicks(dialog.shape, shape)
        if dtype:
            dialog.dtype.setCurrentText(dtype)
        if batch_first:
            QTest.mouseClick(dialog.batch_first, Qt.MouseButton.LeftButton,
                             pos=dialog.batch_first.rect().bottomLeft() + QPoint(6, -6))
        if seen is not None:
            seen.append(dialog.shape.placeholderText())
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    when_a_dialog_shows(ImportDialog, fill)


def test_a_class_that_needs_arguments_imports_with_those_typed_in_the_dialog(window, qtbot):
    fill_import_dialog(MODELS / "constructor_models.py", "CRNN", "1, 32, 100",
                       arguments="32, 1, 37, nh=16")
    window.import_action.trigger()
    wait_for_the_task(window, qtbot)
    assert window.document.analysis.ok
    assert "Imported CRNN" in window.statusBar().currentMessage()


def test_arguments_that_are_not_literals_keep_import_off_with_the_reason(qtbot):
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.path, str(MODELS / "constructor_models.py"))
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    QTest.keyClicks(dialog.shape, "1, 32, 100")
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    QTest.keyClicks(dialog.arguments, "32, size()")
    assert "not a number, text" in dialog.note.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_importing_a_module_opens_it_as_a_new_project(window, qtbot):
    seen: list[str] = []
    fill_import_dialog(MODELS / "digits_cnn_model.py", "DigitsCNN", seen=seen)
    window.import_action.trigger()
    wait_for_the_task(window, qtbot)
    assert seen == ["1, 8, 8 (the file's INPUT_SHAPE)"]
    graph = window.document.graph
    assert graph.nodes["image"].type == "Input"
    assert graph.nodes["image"].params["shape"] == [1, 8, 8]
    assert window.document.analysis.ok
    assert window.document.path is None
    assert window.scene.node_item("conv1") is not None
    assert "Imported DigitsCNN" in window.statusBar().currentMessage()


def test_the_dialog_takes_the_input_dtype_and_the_output_layout(window, qtbot):
    fill_import_dialog(MODELS / "signature_models.py", "TextCRNN", "1, 16, 32")
    window.import_action.trigger()
    wait_for_the_task(window, qtbot)
    assert list(window.document.graph.nodes.values())[-1].type == "TimeFirst"
    assert "the project ends with TimeFirst" in window.statusBar().currentMessage()
    fill_import_dialog(MODELS / "signature_models.py", "TextCRNN", "1, 16, 32",
                       batch_first=True)
    window.import_action.trigger()
    wait_for_the_task(window, qtbot)
    assert "TimeFirst" not in [n.type for n in window.document.graph.nodes.values()]
    fill_import_dialog(MODELS / "operation_models.py", "Attention", "5, 12", dtype="int64")
    seen: list[str] = []
    answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    window.import_action.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    assert "(int64)" in seen[0] and "--input-dtype float32" in seen[0]


def test_an_unsupported_op_is_listed_and_the_open_project_stays(window, project_copy,
                                                                qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    nodes = set(window.document.graph.nodes)
    seen: list[str] = []
    fill_import_dialog(MODELS / "unsupported.py", "SortsAndScales", "8")
    answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    window.import_action.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    assert "unsupported.py:" in seen[0] and "torch.sort" in seen[0]
    assert set(window.document.graph.nodes) == nodes
    assert window.document.path == project_copy


def test_the_import_dialog_reads_the_file_without_running_it(tmp_path, qtbot):
    source = tmp_path / "nets.py"
    source.write_text("import os\nos.remove('nothing')\nclass Helper:\n    pass\n"
                      "class Net(nn.Module):\n    pass\n")
    found = outline(source)
    assert found.classes == ["Net", "Helper"] and found.input_shape is None
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    import_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not import_button.isEnabled()
    QTest.keyClicks(dialog.path, str(source))
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    assert "no INPUT_SHAPE" in dialog.note.text() and not import_button.isEnabled()
    QTest.keyClicks(dialog.shape, "1 x 28")
    assert "whole numbers" in dialog.note.text()
    dialog.shape.clear()
    QTest.keyClicks(dialog.shape, "1, 28, 28")
    assert import_button.isEnabled()
    assert dialog.chosen() == (source, "Net", (1, 28, 28))


def test_the_dialog_takes_a_shape_and_dtype_for_each_tensor_forward_takes(qtbot, tmp_path):
    source = tmp_path / "net.py"
    source.write_text("import torch\nclass Net(torch.nn.Module):\n    pass\n")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.path, str(source))
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    QTest.keyClicks(dialog.shape, "20; 20 bool")
    dialog.dtype.setCurrentText("int64")
    assert dialog.chosen() == (source, "Net", [(20,), (20,)])
    assert dialog.options() == (["int64", "bool"], False)
    dialog.shape.clear()
    QTest.keyClicks(dialog.shape, "20; 20 boolean")
    assert "semicolon" in dialog.note.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert parse_inputs("10, 8; 10") == [((10, 8), None), ((10,), None)]


def test_a_file_with_a_syntax_error_says_where(tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("class Net(nn.Module:\n")
    assert outline(source).problem.startswith("broken.py:1:")


@pytest.mark.parametrize("text, shape", [("1, 28, 28", (1, 28, 28)), ("[8, 8]", (8, 8)),
                                         ("3×32×32", (3, 32, 32)), ("0, 4", None),
                                         ("a, b", None), ("", None)])
def test_shapes_are_read_as_people_write_them(text, shape):
    assert parse_shape(text) == shape
