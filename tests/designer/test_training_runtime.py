"""The application gets ready to train in the background once its window shows: Start
waits for that, and what was imported meanwhile is kept out of the garbage collector's
full collections."""

from __future__ import annotations

import gc

from PySide6.QtCore import QSettings

import designer.training_controller
from designer.main_window import MainWindow
from designer.training_runtime import TrainingRuntime


def test_start_waits_until_the_application_is_ready(qtbot, tmp_path, monkeypatch):
    runtime = TrainingRuntime()
    monkeypatch.setattr(designer.training_controller, "shared_runtime", lambda: runtime)
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    try:
        panel = window.training_panel
        assert not window.training.ready
        assert not panel.start_button.isEnabled()
        assert not window.start_training_action.isEnabled()
        assert panel.status.text() == "Getting ready to train…"
        assert not window.training.start()
        window.show()
        qtbot.waitUntil(lambda: panel.start_button.isEnabled(), timeout=60_000)
        assert window.training.ready and window.start_training_action.isEnabled()
        assert panel.status.text() == "Ready"
        assert gc.get_freeze_count() > 0
    finally:
        window.files.autosave.stop()
        window.close()
        runtime.close()
