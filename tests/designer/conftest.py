"""A designer window per test, with its settings and recovery files in the test's folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

import designer.files
from designer.main_window import MainWindow

ROOT = Path(__file__).parents[2]


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(designer.files, "recovery_directory", lambda: tmp_path / "recovery")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    made: list[MainWindow] = []

    def make(size: tuple[int, int] | None = (1400, 900)) -> MainWindow:
        window = MainWindow(settings)
        if size is not None:
            window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        # the first window of the session readies the runtime (start-up imports, ~1 s)
        qtbot.waitUntil(lambda: window.training.ready, timeout=60_000)
        return window

    yield make
    for window in made:  # closing must not stop at a prompt: no run, no unsaved changes
        window.training.stop_and_wait()
        window.document.undo_stack.setClean()
        window.files.autosave.stop()
        window.close()
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """The digits CNN example, in the test's folder: its runs land there."""
    target = tmp_path / "digits_cnn.ndproj"
    shutil.copy(ROOT / "projects" / "digits_cnn.ndproj", target)
    return target


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()
