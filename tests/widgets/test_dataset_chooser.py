"""The dataset chooser: built-ins with their shapes, your own file or image folder, and the
options of a CSV table, each change given out as a `training.dataset` entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from tests.widgets.combo import choose_from_list
from widgets.dataset_chooser import BROWSE_FILE, BROWSE_FOLDER, DatasetChooser


@pytest.fixture
def chooser(qtbot, tmp_path) -> DatasetChooser:
    widget = DatasetChooser()
    widget.base_dir = tmp_path
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def edits(chooser) -> list[dict]:
    seen: list[dict] = []
    chooser.edited.connect(seen.append)
    return seen


def choose(chooser: DatasetChooser, text: str) -> None:
    choose_from_list(chooser.source, text)


def test_built_ins_show_their_shapes_and_what_they_are(chooser):
    texts = [chooser.source.itemText(i) for i in range(chooser.source.count())]
    assert "digits  [1, 8, 8]" in texts
    assert "digit_strings  [1, 8, 64]" in texts
    assert BROWSE_FILE in texts and BROWSE_FOLDER in texts
    assert "10 classes" in chooser.about.text()
    assert not chooser.target.isVisible()


def test_choosing_a_built_in_gives_its_entry(chooser, edits):
    choose(chooser, "digit_rows")
    assert edits[-1] == {"name": "digit_rows"}


def test_a_browsed_file_is_stored_relative_to_the_project(chooser, edits, tmp_path,
                                                          monkeypatch):
    data = tmp_path / "data" / "train.npz"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(data), ""))
    choose(chooser, BROWSE_FILE)
    assert edits == [{"path": "data/train.npz"}]


def test_a_cancelled_browse_keeps_the_current_data(chooser, edits, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: "")
    choose(chooser, BROWSE_FOLDER)
    assert edits == []
    assert chooser.source.currentText() == "digits  [1, 8, 8]"


def test_a_folder_of_images_can_be_chosen(chooser, edits, tmp_path, monkeypatch):
    (tmp_path / "photos" / "cat").mkdir(parents=True)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *args, **kwargs: str(tmp_path / "photos"))
    choose(chooser, BROWSE_FOLDER)
    assert edits == [{"path": "photos"}]
    chooser.show_entry(edits[-1])
    assert "subfolder per class" in chooser.about.text()


def test_a_csv_table_offers_its_columns_as_the_target(chooser, edits, tmp_path):
    (tmp_path / "sensors.csv").write_text("time,temperature,pressure,label\n1,20,1000,ok\n")
    chooser.show_entry({"path": "sensors.csv"})
    assert chooser.target.isVisible() and chooser.window.isVisible()
    assert [chooser.target.itemText(i) for i in range(chooser.target.count())] == [
        "time", "temperature", "pressure", "label"]
    assert chooser.target.currentIndex() == -1  # nothing is predicted until chosen

    chooser.target.setFocus()
    QTest.keyClick(chooser.target, Qt.Key.Key_End)
    assert edits[-1] == {"path": "sensors.csv", "target": "label"}
    chooser.show_entry(edits[-1])

    chooser.features.setFocus()
    QTest.keyClicks(chooser.features, "temperature, pressure")
    QTest.keyClick(chooser.features, Qt.Key.Key_Return)
    assert edits[-1] == {"path": "sensors.csv", "target": "label",
                         "features": ["temperature", "pressure"]}
    chooser.show_entry(edits[-1])

    chooser.window.setFocus()
    chooser.window.lineEdit().selectAll()
    QTest.keyClicks(chooser.window, "16")
    QTest.keyClick(chooser.window, Qt.Key.Key_Return)
    assert edits[-1]["window"] == 16


def test_a_missing_file_says_so_and_keeps_its_entry(chooser, tmp_path):
    chooser.show_entry({"path": "gone.npz"})
    assert chooser.source.currentText() == "gone.npz"
    assert chooser.about.text() == f"Not found: {Path(tmp_path) / 'gone.npz'}"


def test_an_unreadable_csv_shows_no_columns_rather_than_failing(chooser, tmp_path):
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x00garbage")
    chooser.show_entry({"path": "binary.csv", "target": "y"})
    assert [chooser.target.itemText(i) for i in range(chooser.target.count())] == ["y"]
    assert chooser.target.currentText() == "y"
