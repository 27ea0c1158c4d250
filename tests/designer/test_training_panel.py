"""Training from the desktop: the panel starts a run in the background, curves fill in, the
graph is read-only meanwhile, and the weights land beside the project."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from engine.compiler import compile_graph
from engine.training import BatchEnded
from engine.training.checkpoint import load_weights
from tests.engine.training_helpers import blobs, classifier_project
from tests.widgets.combo import choose_from_list
from widgets.dataset_chooser import BROWSE_FILE

ROOT = Path(__file__).parents[2]


def click(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def set_epochs(window, epochs: int) -> None:
    spin = window.training_panel.epochs
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, str(epochs))
    QTest.keyClick(spin, Qt.Key.Key_Return)


def test_a_run_trains_in_the_background_with_live_curves(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 2)
    assert window.document.project.training["epochs"] == 2
    panel = window.training_panel
    click(panel.start_button)
    assert window.document.read_only and window.scene.read_only
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert not window.document.read_only
    batches, epochs = panel.plots.point_counts()
    assert batches >= 40 and epochs == 2
    assert "completed 2 epochs" in panel.result.text()
    run = window.training.run_dir
    assert run.parent == project_copy.with_name("digits_cnn.runs")
    assert (run / "weights.safetensors").exists() and (run / "metrics.json").exists()


def test_stop_mid_epoch_keeps_a_usable_model(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    panel = window.training_panel
    seen = []

    def stop_on_first_batches(events: list[BatchEnded]) -> None:
        seen.extend(events)
        if panel.stop_button.isEnabled():
            click(panel.stop_button)

    window.training.batches.connect(stop_on_first_batches)
    click(panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert seen and "stopped" in panel.result.text()
    assert panel.status.text() == "Stopped"
    x, _ = panel.plots.curves()["batch_loss"].getOriginalDataset()
    assert len(x) == len(seen)  # every batch heard of is drawn, the last ones included
    weights = window.training.run_dir / "weights.safetensors"
    network = compile_graph(window.document.graph)
    load_weights(network, weights)  # the stopped run's weights fit the network
    outputs = network.eval()(torch.zeros(4, 1, 8, 8))
    assert outputs.shape == (4, 10) and torch.isfinite(outputs).all()


def test_a_mismatched_dataset_is_listed_in_the_problems_not_raised(window, project_copy,
                                                                    qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.editor.set_params("image", {"shape": [1, 28, 28]})
    window.document.analyse_now()
    with qtbot.waitSignal(window.training.refused, timeout=30_000):
        click(window.training_panel.start_button)
    assert not window.training.running
    assert window.training_panel.start_button.isEnabled()
    problems = window.problems.problems()
    assert any("digits gives samples of shape [1, 8, 8] but the Input 'image' expects "
               "[1, 28, 28]" in p.message for p in problems)
    assert not window.document.read_only


def test_choosing_other_data_clears_the_refusal_of_the_data_before(window, project_copy,
                                                                    qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.editor.set_params("image", {"shape": [1, 28, 28]})
    window.document.analyse_now()
    panel = window.training_panel
    with qtbot.waitSignal(window.training.refused, timeout=30_000):
        click(panel.start_button)
    assert panel.result.text().startswith("Cannot train")
    choose_from_list(panel.dataset.source, "digit_rows")
    assert window.document.project.training["dataset"]["name"] != "digits"
    assert panel.result.text() == ""
    assert not panel.status.text().startswith("Cannot train")


def test_settings_edits_are_undoable(window, project_copy):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 3)
    assert window.document.project.training["epochs"] == 3
    window.document.undo_stack.undo()
    assert window.document.project.training["epochs"] == 15
    assert window.training_panel.epochs.value() == 15


def test_runs_are_kept_and_can_be_overlaid_and_exported(window, project_copy, qtbot,
                                                        tmp_path):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 1)
    panel = window.training_panel
    for _ in range(2):
        click(panel.start_button)
        qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert panel.runs.count() == 2
    assert "val_accuracy" in panel.runs.item(0).text()
    panel.runs.item(1).setCheckState(Qt.CheckState.Checked)
    assert panel.plots.overlay_count() == 1
    png, epochs_csv, batches_csv = panel.export_curves(tmp_path / "curves")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert epochs_csv.read_text().startswith("epoch,train_loss,val_loss,val_accuracy")
    assert batches_csv.exists()


def test_a_later_run_can_start_from_the_last_weights(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 1)
    panel = window.training_panel
    click(panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    first = window.training.run_dir
    panel.from_last.setChecked(True)
    click(panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    settings = (window.training.run_dir / "settings.json").read_text()
    assert str(first / "weights.safetensors") in settings


def test_after_a_run_the_results_show_a_confusion_matrix_and_samples(window, project_copy,
                                                                      qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 1)
    panel = window.training_panel
    click(panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert window.training.samples is not None  # predicted on the training thread
    qtbot.waitUntil(lambda: len(panel.samples.cells()) > 0, timeout=5_000)
    assert len(panel.confusion.matrix()) == 10
    cells = panel.samples.cells()
    assert len(cells) == 24 and sum(cell.correct for cell in cells) >= 12


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "projects").glob("*.ndproj")))
def test_each_template_trains_one_epoch_from_the_panel(window, tmp_path, qtbot, name):
    path = tmp_path / f"{name}.ndproj"
    shutil.copy(ROOT / "projects" / f"{name}.ndproj", path)
    assert window.files.open_path(path, confirmed=True)
    set_epochs(window, 1)
    click(window.training_panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=180_000)
    batches, epochs = window.training_panel.plots.point_counts()
    assert batches > 10 and epochs == 1, window.training_panel.result.text()
    assert "completed 1 epoch." in window.training_panel.result.text()
    # and the Results tab shows its validation samples
    qtbot.waitUntil(lambda: len(window.training_panel.samples.cells()) > 0, timeout=5_000)


def test_pause_and_resume_from_the_panel(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 2)
    panel = window.training_panel
    paused_at = []

    def pause_once(events):
        if not paused_at:
            click(panel.pause_button)
            paused_at.append(panel.plots.point_counts()[0])

    window.training.batches.connect(pause_once)
    click(panel.start_button)
    qtbot.waitUntil(lambda: bool(paused_at), timeout=60_000)
    assert panel.pause_button.text() == "Resume" and window.training.paused
    qtbot.wait(400)
    held = panel.plots.point_counts()[0]
    qtbot.wait(400)
    assert panel.plots.point_counts()[0] == held
    click(panel.pause_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert "completed 2 epochs" in panel.result.text()


def test_reopening_the_project_lists_its_runs(window, make_window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    set_epochs(window, 1)
    click(window.training_panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    window.files.save()
    other = make_window()
    assert other.files.open_path(project_copy, confirmed=True)
    assert other.training_panel.runs.count() == 1
    assert other.document.project.training["epochs"] == 1


def test_start_returns_at_once_and_stop_works_while_the_run_is_prepared(window, project_copy,
                                                                         qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    panel = window.training_panel
    click(panel.start_button)
    # the data and the network are prepared in the background: the window is already free
    assert window.training.running and window.document.read_only
    assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    click(panel.stop_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert panel.status.text() == "Stopped"
    assert not window.document.read_only and panel.start_button.isEnabled()


def test_a_csv_table_is_chosen_and_trained_from_the_panel(window, tmp_path, qtbot,
                                                          monkeypatch):
    x, y = blobs(features=4)
    table = tmp_path / "measurements.csv"
    rows = ["a,b,c,d,kind", *(",".join(f"{v:.4f}" for v in row) + f",k{label}"
                              for row, label in zip(x, y, strict=True))]
    table.write_text("\n".join(rows) + "\n")
    classifier_project(tmp_path, epochs=1)
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    chooser = window.training_panel.dataset
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(table), ""))
    choose_from_list(chooser.source, BROWSE_FILE)
    assert window.document.project.training["dataset"] == {"path": "measurements.csv"}
    assert chooser.target.isVisible()

    # without a target the run is refused with the columns to choose from
    with qtbot.waitSignal(window.training.refused, timeout=30_000):
        click(window.training_panel.start_button)
    assert "one of 'a', 'b', 'c', 'd', 'kind'" in window.training_panel.result.text()

    chooser.target.setFocus()
    QTest.keyClick(chooser.target, Qt.Key.Key_End)
    assert window.document.project.training["dataset"] == {"path": "measurements.csv",
                                                           "target": "kind"}
    click(window.training_panel.start_button)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    assert window.training_panel.status.text() == "Finished"

    window.document.undo_stack.undo()
    assert window.document.project.training["dataset"] == {"path": "measurements.csv"}
    window.document.undo_stack.undo()
    assert window.document.project.training["dataset"] == {"path": "blobs.npz"}
    assert chooser.source.currentText() == "blobs.npz"


def test_an_output_with_more_scores_than_the_data_has_classes_is_refused_on_its_layer(
        make_window, qtbot, tmp_path):
    project = tmp_path / "gestures10.ndproj"
    project.write_text((ROOT / "projects" / "gesture_crnn.ndproj").read_text().replace(
        '"out_features": 6', '"out_features": 10'))
    window = make_window((1280, 820))
    assert window.files.open_path(project, confirmed=True)
    window.document.analyse_now()
    with qtbot.waitSignal(window.training.refused, timeout=60_000):
        click(window.training_panel.start_button)
    assert "gestures has 6 classes" in window.training_panel.result.text()
    problems = [p for p in window.problems.problems() if "6 classes" in p.message]
    assert problems and problems[0].node == "gesture"


def test_the_curves_read_right_at_the_default_size_and_start_afresh_for_another_project(
        make_window, project_copy):
    window = make_window((1280, 820))
    assert window.files.open_path(project_copy, confirmed=True)
    window.docks["training"].raise_()
    plots = window.training_panel.plots
    window.training_panel.tabs.setCurrentWidget(plots)
    plots.start_run("val_accuracy", 5)
    for epoch in range(1, 6):
        for batch in range(1, 11):
            plots.add_batch(epoch - 1 + batch / 10, 40.0 / (epoch + batch))
        plots.add_epoch(epoch, {"epoch": epoch, "train_loss": 30.0 / epoch,
                                "val_loss": 35.0 / epoch,
                                "val_accuracy": 1.0, "lr": 0.00195, "seconds": 1.0})
    plots.refresh()
    QApplication.processEvents()
    loss_plot, metric_plot = plots.plots()
    top = metric_plot.getViewBox().viewRange()[1][1]
    assert top <= 1.02, "accuracy above 1 is impossible"
    right = metric_plot.getAxis("right")
    title = right.label.boundingRect().height()
    ticks = right.style["tickTextOffset"][0] + max(right.style["tickLength"], 0) + \
        right.textWidth
    assert right.width() >= ticks + title, "the lr title runs into its tick labels"
    assert loss_plot.getViewBox().viewRange()[1][1] > 20
    assert window.files.open_path(ROOT / "projects" / "digit_rows_lstm.ndproj",
                                  confirmed=True)
    QApplication.processEvents()
    assert loss_plot.getViewBox().viewRange()[1][1] <= 1.5, "the last project's loss range"


def test_a_reopened_project_shows_what_its_last_run_showed(make_window, project_copy, tmp_path,
                                                           qtbot):
    from engine.cli import main
    from engine.training.runs import runs_folder

    run = runs_folder(project_copy, "Digits CNN") / "20261207-090000"
    assert main(["train", str(project_copy), "--epochs", "2", "--out", str(run)]) == 0
    window = make_window((1280, 820))
    assert window.files.open_path(project_copy, confirmed=True)
    panel = window.training_panel
    assert panel.result.text().startswith("Last run 20261207-090000: completed 2 epochs")
    assert "accuracy" in panel.result.text()
    assert not panel.confusion.isHidden() and panel.confusion.matrix().shape == (10, 10)
    assert panel.plots.point_counts()[1] == 2, "its curves, without ticking it in Runs"
    x, y = panel.plots.curves()["smoothed_loss"].getData()
    assert len(x) == 2 and np.isfinite(y).all()
    assert "no samples" not in panel.samples.summary_text()
    window.docks["training"].raise_()
    qtbot.waitUntil(lambda: window.docks["training"].height() >= 300, timeout=5_000)
    panel.tabs.setCurrentWidget(panel.plots)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "reopened_curves.png"))
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "reopened_results.png"))
    matrix = panel.confusion
    assert matrix.width() >= matrix.minimumSizeHint().width()


def test_threads_precision_and_compile_are_settings_of_the_project(window, project_copy):
    assert window.files.open_path(project_copy, confirmed=True)
    panel = window.training_panel
    assert panel.threads.text() == "auto" and panel.precision.currentText() == "auto"
    panel.threads.setFocus()
    panel.threads.lineEdit().selectAll()
    QTest.keyClicks(panel.threads, "1")
    QTest.keyClick(panel.threads, Qt.Key.Key_Return)
    choose_from_list(panel.precision, "bf16-mixed")
    click(panel.compile)
    training = window.document.project.training
    assert (training["threads"], training["precision"], training["compile"]) == (
        1, "bf16-mixed", True)
    for _ in range(3):
        window.document.undo_stack.undo()
    training = window.document.project.training
    assert not {"threads", "precision", "compile"} & set(training)
    assert panel.threads.text() == "auto" and not panel.compile.isChecked()
