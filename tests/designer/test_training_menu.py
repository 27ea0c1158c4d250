"""The Train menu and its shortcuts drive a run as the panel's buttons do, a run never
outlives the project it trains, and the docks' tab strips stay where they belong."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

import designer.files
from designer.dock_tabs import stray_dock_tab_bars
from designer.main_window import TRAINING_DOCK_HEIGHT, MainWindow
from tests.designer.gui import answer_next_dialog

ROOT = Path(__file__).parents[2]


def test_f5_starts_a_run_with_the_training_dock_raised_and_tall(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    assert window.start_training_action.isEnabled()
    assert not window.stop_training_action.isEnabled()
    assert window.docks["training"].height() < TRAINING_DOCK_HEIGHT - 30
    QTest.keyClick(window, Qt.Key.Key_F5)
    assert window.training.running
    assert not window.start_training_action.isEnabled()
    assert window.stop_training_action.isEnabled()
    # the dock area's height includes the strip of tabs below the dock
    qtbot.waitUntil(lambda: window.docks["training"].height() >= TRAINING_DOCK_HEIGHT - 30,
                    timeout=5_000)
    assert not window.docks["training"].visibleRegion().isEmpty()
    QTest.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert window.training_panel.status.text() == "Stopped"
    assert window.start_training_action.isEnabled()


def test_the_pause_entry_follows_the_run(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.start_training()
    qtbot.waitUntil(lambda: window.pause_training_action.isEnabled(), timeout=60_000)
    window.pause_training_action.trigger()
    assert window.pause_training_action.text() == "&Resume"
    window.pause_training_action.trigger()
    assert window.pause_training_action.text() == "&Pause"
    window.stop_training_action.trigger()
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert not window.pause_training_action.isEnabled()


def test_opening_another_project_during_a_run_asks_first(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.start_training()
    seen: list[str] = []
    answer_next_dialog(QMessageBox.StandardButton.No, seen)
    window.files.new()
    assert seen == ["Stop the training run and show another project?"]
    assert window.training.running and window.document.path == project_copy

    answer_next_dialog(QMessageBox.StandardButton.Yes)
    window.files.new()
    assert not window.training.running
    assert window.document.path is None and not window.document.read_only


def test_closing_during_a_run_can_be_cancelled(window, project_copy):
    assert window.files.open_path(project_copy, confirmed=True)
    window.start_training()
    answer_next_dialog(QMessageBox.StandardButton.No)
    assert not window.close()
    assert window.isVisible() and window.training.running


def test_dock_tab_strips_sit_against_their_docks(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(designer.files, "recovery_directory", lambda: tmp_path / "recovery")
    # shown and painted at once, before the window system has exposed it, as at start-up:
    # Qt 6.11 leaves the tab strip it made before showing where it was
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    try:
        window.resize(1500, 950)
        window.show()
        for _ in range(5):
            QApplication.processEvents()
        assert stray_dock_tab_bars(window) == []
        window.resize(1000, 700)
        qtbot.wait(50)
        assert stray_dock_tab_bars(window) == []
        window.reset_layout()
        window.resize(1300, 850)
        qtbot.wait(50)
        assert stray_dock_tab_bars(window) == []
    finally:
        window.files.autosave.stop()
        window.close()
