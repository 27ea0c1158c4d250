"""Clips and sounds in the designer: a folder of clips is chosen with the dataset chooser,
the Data tab shows what it holds (counts, strips of frames with their labels or
spectrograms, what reaches the Input), an Input that does not fit is a problem whose fix
sets it, and a run trains on the files and shows its clips in Results."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from tests.designer.test_inspect_panel import open_inspect
from tests.designer.test_training_panel import click, set_epochs
from tests.engine.clip_helpers import moving_square, write_labels, write_video
from tests.engine.test_clip_training import clip_project, gestures
from tests.widgets.combo import choose_from_list
from widgets.dataset_chooser import BROWSE_FOLDER


def wait_for_preview(window, qtbot) -> None:
    previewer = window.training_panel.previewer
    qtbot.waitUntil(lambda: previewer._thread is None or not previewer._thread.is_alive(),
                    timeout=30_000)
    qtbot.waitUntil(lambda: window.training_panel.data_view.preview is not None or
                    "Looking" not in window.training_panel.data_view.about.text(),
                    timeout=10_000)


def shown_cells(view, qtbot) -> list:
    """The sample cells of the Data tab, once drawn (a second preview, started by the
    analysis, may still be on its way when the first one is shown)."""
    qtbot.waitUntil(lambda: bool(view.samples.cells()), timeout=30_000)
    return view.samples.cells()


def open_project(window, project: Path, qtbot) -> None:
    assert window.files.open_path(project, confirmed=True)
    window.document.analyse_now()
    wait_for_preview(window, qtbot)


def test_a_chosen_folder_of_clips_is_shown_in_the_data_tab(window, tmp_path, qtbot,
                                                           monkeypatch):
    project = clip_project(tmp_path, {"name": "gestures"})
    gestures(tmp_path / "my clips", 3)
    open_project(window, project, qtbot)
    chooser = window.training_panel.dataset
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *args, **kwargs: str(tmp_path / "my clips"))
    choose_from_list(chooser.source, BROWSE_FOLDER)
    assert window.document.project.training["dataset"] == {"path": "my clips"}
    window.document.analyse_now()
    wait_for_preview(window, qtbot)
    view = window.training_panel.data_view
    preview = view.preview
    assert preview is not None and not preview.problem
    assert preview.classes == [("left", 3), ("right", 3), ("up", 3)]
    assert "class folders: 9 clips, 3 classes" in view.about.text()
    assert "[6, 1, 16, 16] from 16×16 at 10 fps: 6 of its 8 frames" in view.about.text()
    cells = shown_cells(view, qtbot)
    assert [c.prediction for c in cells] == ["left", "right", "up"]
    assert cells[0].view.frames == 6
    assert "class folders: 9 clips" in chooser.about.text()
    window.training_panel.tabs.setCurrentWidget(view)
    assert view.isVisible()
    window.document.undo_stack.undo()
    assert window.document.project.training["dataset"] == {"name": "gestures", "workers": 0}


def test_an_input_that_does_not_fit_the_clips_is_a_problem_whose_fix_sets_it(
        window, tmp_path, qtbot):
    gestures(tmp_path / "clips", 2, frames=10)
    project = clip_project(tmp_path, {"path": "clips"})
    saved = json.loads(project.read_text())
    saved["graph"]["nodes"][0]["params"]["shape"] = [1, 16, 16]
    project.write_text(json.dumps(saved))
    open_project(window, project, qtbot)
    problems = [p for p in window.problems.problems() if "holds video clips" in p.message]
    assert len(problems) == 1 and problems[0].node == "n0"
    assert "set the Input to [10, 1, 16, 16]" in problems[0].message
    button = window.problems.fix_button(problems[0])
    assert button is not None
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    menu = window.fixes.menu
    (action,) = [a for a in menu.actions() if a.text() == "Set the Input 'n0' to "
                 "[10, 1, 16, 16]"]
    action.trigger()
    menu.close()
    window.document.analyse_now()
    QGuiApplication.processEvents()
    assert window.document.graph.nodes["n0"].params["shape"] == [10, 1, 16, 16]
    wait_for_preview(window, qtbot)
    assert not any("holds video clips" in p.message for p in window.problems.problems())
    window.undo_action.trigger()
    assert window.document.graph.nodes["n0"].params["shape"] == [1, 16, 16]


def test_a_run_trains_on_the_clips_and_shows_them_in_results(window, tmp_path, qtbot):
    for split, count in (("train", 4), ("test", 1)):
        gestures(tmp_path / "clips" / split, count)
    project = clip_project(tmp_path, {"path": "clips", "workers": 1})
    open_project(window, project, qtbot)
    decoding = []
    window.training.decoding.connect(decoding.append)
    set_epochs(window, 2)
    panel = window.training_panel
    click(panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert "completed 2 epochs" in panel.result.text(), panel.result.text()
    assert "test_accuracy" in panel.result.text()
    assert decoding and decoding[-1].finished and decoding[-1].noun == "clip"
    qtbot.waitUntil(lambda: len(panel.samples.cells()) > 0, timeout=5_000)
    assert panel.samples.cells()[0].view.frames == 6
    assert project.with_name("tiny.cache").is_dir()


def test_labels_per_frame_are_shown_under_each_frame(window, tmp_path, qtbot):
    folder = tmp_path / "videos"
    for number in range(2):
        write_video(folder / f"v{number}.mp4", moving_square(8, 16, 16, seed=number))
        write_labels(folder / f"v{number}.txt", ["a"] * 3 + ["b"] * 5)
    project = clip_project(tmp_path, {"path": "videos"}, classes=2, per_frame=True)
    open_project(window, project, qtbot)
    view = window.training_panel.data_view
    assert "labelled samples: 4 clips, 2 classes" in view.about.text()
    assert "cut into clips of 6 frames" in view.about.text()
    first = view.samples.cells()[0]
    assert [label.text() for label in first.frame_rows[0]] == ["a", "a", "a", "b", "b", "b"]


def test_videos_whose_labels_do_not_fit_are_named_before_training(window, tmp_path, qtbot):
    folder = tmp_path / "videos"
    for name, labels in (("good", 8), ("off", 7)):
        write_video(folder / f"{name}.mp4", moving_square(8, 16, 16))
        write_labels(folder / f"{name}.txt", ["a"] * 3 + ["b"] * (labels - 3))
    project = clip_project(tmp_path, {"path": "videos"}, classes=2, per_frame=True)
    open_project(window, project, qtbot)
    about = window.training_panel.data_view.about.text()
    assert "Cannot be read, skipped when training (1): off.mp4 has 8 frames but off.txt " \
        "has 7 labels" in about
    assert "labelled samples: 2 clips" in about


def test_the_inspect_dock_looks_at_a_clip_read_from_its_file(window, tmp_path, qtbot,
                                                            capsys):
    from engine.cli import main

    gestures(tmp_path / "clips", 3)
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    assert main(["train", str(project)]) == 0
    capsys.readouterr()
    panel = open_inspect(window, project, qtbot)
    assert panel.prediction.caption.text().startswith("<b>Prediction: ")
    assert not panel.picture.image().isNull()


def test_a_folder_of_sounds_is_shown_as_spectrograms(window, tmp_path, qtbot):
    from tests.engine.sound_helpers import pitch_classes
    from tests.engine.test_user_data_sounds import sound_project

    pitch_classes(tmp_path / "sounds", per_class=2, seconds=0.5)
    project = sound_project(tmp_path, {"path": "sounds"})
    open_project(window, project, qtbot)
    view = window.training_panel.data_view
    assert "class folders: 4 sounds, 2 classes" in view.about.text()
    assert "[1, 20, 40] from 16 kHz mono, 0.50 s long" in view.about.text()
    cells = shown_cells(view, qtbot)
    assert [c.prediction for c in cells] == ["high", "low"]
    assert cells[0].view.picture.height() == 20  # mel bands up the picture


def test_dna_is_shown_as_coloured_letters_with_its_class(window, tmp_path, qtbot):
    from tests.engine.test_user_data_dna import dna_project, random_records, write_fasta

    records = random_records(6)
    write_fasta(tmp_path / "seqs.fa", records,
                {record: "ab"[i % 2] for i, record in enumerate(records)})
    project = dna_project(tmp_path, {"path": "seqs.fa"})
    open_project(window, project, qtbot)
    view = window.training_panel.data_view
    assert "FASTA records: 6 sequences, 2 classes" in view.about.text()
    assert "[4, 20] one-hot A, C, G, T" in view.about.text()
    cells = shown_cells(view, qtbot)
    assert [c.prediction for c in cells] == ["a", "b"]
    assert cells[1].image.text().count("<span") == 20  # a coloured letter per base


def test_text_lines_are_shown_with_their_transcripts(window, tmp_path, qtbot):
    from tests.engine.test_user_data_lines import ctc_project, lines_folder

    lines_folder(tmp_path / "ocr", ["ab", "ba b"])
    project = ctc_project(tmp_path, {"path": "ocr"}, classes=3)
    open_project(window, project, qtbot)
    view = window.training_panel.data_view
    assert "2 lines, an alphabet of 3 characters: ' ab'" in view.about.text()
    assert [c.prediction for c in view.samples.cells()] == ["ab", "ba b"]


def test_sequences_are_shown_as_curves_with_their_lengths(window, tmp_path, qtbot):
    from tests.engine.test_user_data_sequences import FEATURES, STEPS, last_sign_task
    from tests.engine.training_helpers import chain_project

    last_sign_task(tmp_path / "motion", count=8, style="tsv")
    layers = [("Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
              ("GRU", {"hidden_size": 4}), ("LastStep", {}), ("Linear", {"out_features": 2})]
    chain_project(tmp_path, layers, {"dataset": {"path": "motion"},
                                     "loss": "CrossEntropyLoss"})
    open_project(window, tmp_path / "tiny.ndproj", qtbot)
    view = window.training_panel.data_view
    assert "class folders: 8 sequences, 2 classes" in view.about.text()
    assert f"[{STEPS}, {FEATURES}] as [steps, features]: sequences of" in view.about.text()
    cells = shown_cells(view, qtbot)
    assert sorted(c.prediction for c in cells) == ["down", "up"]
    assert cells[0].view.picture.width() == STEPS * 4  # four pixels a step
    view.grab().save(str(tmp_path / "sequences.png"))


def test_sequences_a_conv1d_reads_are_offered_features_first(window, tmp_path, qtbot):
    from tests.engine.test_user_data_sequences import FEATURES, STEPS, last_sign_task
    from tests.engine.training_helpers import chain_project

    last_sign_task(tmp_path / "motion", count=4)
    layers = [("Input", {"shape": [STEPS, 7]}),
              ("Conv1d", {"out_channels": 4, "kernel_size": 3}), ("Flatten", {}),
              ("Linear", {"out_features": 2})]
    chain_project(tmp_path, layers, {"dataset": {"path": "motion"},
                                     "loss": "CrossEntropyLoss"})
    open_project(window, tmp_path / "tiny.ndproj", qtbot)
    problems = [p for p in window.problems.problems() if "holds sequences" in p.message]
    assert len(problems) == 1 and problems[0].node == "n0"
    assert f"set the Input to [{FEATURES}, 16]" in problems[0].message
