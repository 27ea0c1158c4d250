"""The hostile files of tests/engine/hostile_files.py opened in the designer: a file that
cannot be opened leaves the open document as it was; one that opens shows its problems, and
Start lists why it cannot train; the window lives on through all of them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import engine.capacity
from engine.project import dumps_project
from tests.engine.hostile_files import MEMORY_FOR_TESTS, REFUSED


def test_every_hostile_file_is_answered_in_the_window_and_nothing_is_lost(
        window, project_copy, tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(engine.capacity, "available_memory", lambda: MEMORY_FOR_TESTS)
    errors: list[str] = []
    monkeypatch.setattr(window.files, "show_error", lambda title, text: errors.append(text))
    assert window.files.open_path(project_copy, confirmed=True)
    for case, (build, words) in REFUSED.items():
        folder = tmp_path / case.replace(" ", "_").replace("/", "_")
        folder.mkdir()
        path = build(folder)
        before = dumps_project(window.document.project)
        errors.clear()
        opened = window.files.open_path(path, confirmed=True)
        if not opened:
            assert errors and words in errors[0], (case, errors)
            assert dumps_project(window.document.project) == before, case
            continue
        window.document.analyse_now()
        if not window.document.analysis.ok:
            assert any(words in p.message for p in window.document.analysis.errors), case
            continue
        with qtbot.waitSignal(window.training.refused, timeout=60_000):
            QTest.mouseClick(window.training_panel.start_button, Qt.MouseButton.LeftButton)
        # the data is read in a process of its own, which sees the machine's real memory:
        # a file too large for the test's small machine may be refused for another reason
        training = [p.message for p in window.problems.problems() if p.where == "training"]
        assert training and all(m.strip() for m in training), case
        assert not window.training.running and not window.document.read_only
        assert window.validity.text(), case
    assert window.isVisible()


def test_unscaled_targets_are_warned_about_in_the_problems_when_the_run_starts(
        window, tmp_path, qtbot):
    from tests.engine.hostile_files import unscaled_targets

    assert window.files.open_path(unscaled_targets(tmp_path), confirmed=True)
    with qtbot.waitSignal(window.training.warned, timeout=60_000):
        QTest.mouseClick(window.training_panel.start_button, Qt.MouseButton.LeftButton)
    warnings = [p for p in window.problems.problems() if p.where == "training"]
    assert warnings and warnings[0].severity == "warning"
    assert "scale them first" in warnings[0].message
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
