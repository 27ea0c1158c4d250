"""What undermined a newcomer's trust in the first hour, now held: runs of the command line
listed in the designer, no results of another project left on screen, actions enabled
only with something to act on, no history for what changed nothing, and one count of
problems."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from engine.cli import main
from tests.engine.training_helpers import chain_project, classifier_project


def _start_and_wait(window, qtbot) -> None:
    with qtbot.waitSignal(window.training.ended, timeout=120_000):
        QTest.mouseClick(window.training_panel.start_button, Qt.MouseButton.LeftButton)
    QGuiApplication.processEvents()


def test_a_run_of_the_command_line_is_listed_in_the_designer(window, tmp_path, capsys):
    classifier_project(tmp_path, epochs=1)
    assert main(["train", str(tmp_path / "tiny.ndproj")]) == 0
    capsys.readouterr()
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    runs = window.training_panel.runs
    assert runs.count() == 1
    (run,) = (tmp_path / "tiny.runs").iterdir()
    assert runs.item(0).text().startswith(run.name)


def test_opening_another_project_leaves_no_results_of_the_last_on_screen(window, tmp_path,
                                                                         qtbot):
    classifier_project(tmp_path, epochs=1)
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    _start_and_wait(window, qtbot)
    panel = window.training_panel
    assert panel.plots.point_counts() != (0, 0) and panel.status.text() == "Finished"
    assert panel.confusion.matrix().size > 0
    other = tmp_path / "other"
    other.mkdir()
    chain_project(other, [("Input", {"shape": [4]}), ("Linear", {"out_features": 2})],
                  {"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss"}, "other")
    assert window.files.open_path(other / "other.ndproj", confirmed=True)
    assert panel.plots.point_counts() == (0, 0)
    assert panel.status.text() in ("Ready", "Getting ready to train…")
    assert panel.result.text() == "" and panel.runs.count() == 0
    assert panel.confusion.matrix().size == 0


def test_after_a_run_only_actions_with_something_to_act_on_are_enabled(window, tmp_path,
                                                                       qtbot):
    classifier_project(tmp_path, epochs=1)
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    _start_and_wait(window, qtbot)
    window.scene.select_nodes([])
    for action in (window.undo_action, window.redo_action, window.delete_action,
                   window.cut_action, window.copy_action, window.duplicate_action):
        assert not action.isEnabled(), action.text()
    window.scene.select_nodes(["n1"])
    for action in (window.delete_action, window.cut_action, window.copy_action):
        assert action.isEnabled(), action.text()
    window.delete_selection()
    assert window.undo_action.isEnabled() and not window.redo_action.isEnabled()


def test_choosing_the_same_data_again_or_starting_with_default_settings_is_no_edit(
        window, tmp_path, qtbot):
    classifier_project(tmp_path, epochs=1)
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    chooser = window.training_panel.dataset
    chooser.edited.emit(dict(window.document.project.training["dataset"]))
    assert window.document.undo_stack.count() == 0 and not window.document.modified
    bare = tmp_path / "bare"
    bare.mkdir()
    chain_project(bare, [("Input", {"shape": [1, 8, 8]}), ("Flatten", {}),
                         ("Linear", {"out_features": 10})], None, "bare")
    assert window.files.open_path(bare / "bare.ndproj", confirmed=True)
    window.training_panel.epochs.setValue(1)  # the form only; the project has no settings
    with qtbot.waitSignal(window.training.started, timeout=60_000):
        QTest.keyClick(window, Qt.Key.Key_F5)
    window.training.stop()
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert window.document.undo_stack.count() == 0 and not window.document.modified
    assert window.document.project.training is None


def test_the_problems_list_and_the_status_bar_count_the_same_problems(window, tmp_path,
                                                                      qtbot):
    chain_project(tmp_path, [("Input", {"shape": [5]}), ("Linear", {"out_features": 3})],
                  {"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss"}, "wrong")
    assert window.files.open_path(tmp_path / "wrong.ndproj", confirmed=True)
    assert window.validity.text() == "✔ valid"
    with qtbot.waitSignal(window.training.refused, timeout=60_000):
        QTest.mouseClick(window.training_panel.start_button, Qt.MouseButton.LeftButton)
    errors = [p for p in window.problems.problems() if p.severity == "error"]
    assert errors
    assert window.problems.summary_text().startswith(f"{len(errors)} error")
    assert window.validity.text() == f"✖ {len(errors)} error" + ("s" if len(errors) > 1
                                                                  else "")


def test_save_as_names_an_untitled_project_after_its_file_but_keeps_a_given_name(window,
                                                                                  tmp_path):
    assert window.document.project.name == "Untitled"
    assert window.files._save_to(tmp_path / "my_net.ndproj")
    assert window.document.project.name == "my_net"
    assert window.files._save_to(tmp_path / "renamed.ndproj")
    assert window.document.project.name == "renamed"
    window.document.project.name = "Chosen by me"
    assert window.files._save_to(tmp_path / "third.ndproj")
    assert window.document.project.name == "Chosen by me"


def test_help_lists_the_shortcuts_and_the_empty_canvas_says_how_to_begin(window):
    from designer.menus import shortcut_rows

    rows = dict(shortcut_rows(window))
    assert rows["Group into Block"] == "Ctrl+G" and rows["Quick Fix"] == "Ctrl+."
    assert rows["Fit to Window"] == "Ctrl+0" and rows["Start Training"] == "F5"
    assert "drag a layer" in window.view.empty_hint
    assert [a.text() for a in window.menuBar().actions()][-1] == "&Help"


def test_runs_of_an_unsaved_project_move_in_beside_it_when_it_is_first_saved(window,
                                                                           tmp_path):
    import uuid

    from engine.training.runs import runs_folder

    window.document.project.name = f"unsaved-{uuid.uuid4().hex[:8]}"
    run = runs_folder(None, window.document.project.name) / "20261206-120000"
    run.mkdir(parents=True)
    (run / "weights.safetensors").write_bytes(b"")
    (run / "metrics.json").write_text('{"history": [], "result": {}}')
    assert window.files._save_to(tmp_path / "kept.ndproj")
    moved = runs_folder(tmp_path / "kept.ndproj", window.document.project.name)
    assert (moved / "20261206-120000" / "metrics.json").exists()
    assert not run.exists()
    assert window.training_panel.runs.count() == 1
