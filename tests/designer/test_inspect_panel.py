"""The Inspect dock: a validation sample (or one drawn on the pad) through the trained
network, with its prediction, a saliency map, and the output of the node selected on the
canvas; and a run's unhealthy layers warned about on the canvas and in the problems list."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.cli import main
from engine.project import save_project
from engine.training.runs import runs_folder
from tests.designer.gui import click_node, type_param
from tests.engine.test_health import deep_sigmoid_project

ROOT = Path(__file__).parents[2]
LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory) -> Path:
    """The digits CNN with a finished run of three epochs in its runs folder."""
    folder = tmp_path_factory.mktemp("trained")
    path = folder / "digits_cnn.ndproj"
    shutil.copy(ROOT / "projects" / "digits_cnn.ndproj", path)
    run = runs_folder(path, "Digits CNN") / "20261206-000000"
    assert main(["train", str(path), "--epochs", "3", "--out", str(run)]) == 0
    return path


def open_inspect(window, path: Path, qtbot):
    assert window.files.open_path(path, confirmed=True)
    dock = window.docks["inspect"]
    dock.show()
    dock.raise_()
    panel = window.inspect_panel
    qtbot.waitUntil(lambda: panel.look is not None, timeout=60_000)
    return panel


def test_a_sample_shows_its_prediction_saliency_and_the_selected_nodes_output(
        window, trained_digits, qtbot):
    panel = open_inspect(window, trained_digits, qtbot)
    assert panel.status.text() == "weights of run 20261206-000000"
    assert panel.prediction.caption.text().startswith("<b>Prediction: ")
    assert "truth: " in panel.prediction.caption.text()
    assert panel.saliency_caption.text().startswith("Grad-CAM of conv2: what class")
    assert not panel.picture.image().isNull()
    for node_id, layout in (("conv1", "maps"), ("pool", "maps"), ("relu3", "vector"),
                            ("logits", "vector")):
        click_node(window, node_id)
        assert panel.output.layout_shown == layout, node_id
        assert panel.output.title.text().startswith(f"<b>{node_id}</b>")
    first = panel.look
    panel.sample.setValue(5)
    qtbot.waitUntil(lambda: panel.look is not first, timeout=30_000)
    assert panel.output.title.text().startswith("<b>logits</b>")  # still the selected node
    QTest.mouseClick(panel.saliency_box, LEFT)
    assert panel.saliency_caption.text() == ""


def test_drawing_a_digit_on_the_pad_updates_the_prediction(window, trained_digits, qtbot):
    panel = open_inspect(window, trained_digits, qtbot)
    assert panel.draw_button.isVisible()
    QTest.mouseClick(panel.draw_button, LEFT)
    assert panel.pad.isVisible() and not panel.sample.isEnabled()
    QTest.mouseClick(panel.clear_button, LEFT)
    qtbot.waitUntil(lambda: panel.look is not None and not panel.look.capture.sample.any(),
                    timeout=30_000)
    blank = panel.look
    pad = panel.pad
    # a "1": one stroke down the middle
    QTest.mousePress(pad, LEFT, NONE, pad.cell_centre(0, 4).toPoint())
    for row in range(1, 8):
        QTest.mouseMove(pad, pad.cell_centre(row, 4).toPoint())
    QTest.mouseRelease(pad, LEFT, NONE, pad.cell_centre(7, 4).toPoint())
    qtbot.waitUntil(lambda: panel.look is not blank, timeout=30_000)
    drawn = panel.look.capture.sample.numpy()[0]
    assert np.allclose(drawn, pad.values)
    assert panel.look.truth is None
    assert panel.prediction.caption.text().startswith("<b>Prediction: ")
    assert panel.look.prediction.probabilities != blank.prediction.probabilities


def test_a_recurrent_layer_shows_its_hidden_state_over_time(window, qtbot):
    panel = open_inspect(window, ROOT / "projects" / "digit_rows_lstm.ndproj", qtbot)
    assert panel.status.text() == "untrained: the project has no run yet"
    click_node(window, "lstm")
    assert panel.output.layout_shown == "over_time"
    assert panel.saliency_caption.text().startswith("input gradient")


def test_an_edit_makes_the_view_stale_and_it_is_looked_at_again(window, trained_digits, qtbot):
    panel = open_inspect(window, trained_digits, qtbot)
    before = panel.inspection
    click_node(window, "hidden")
    type_param(window, "out_features", "64")
    qtbot.waitUntil(lambda: panel.inspection is not None and panel.inspection is not before,
                    timeout=30_000)
    # the trained weights no longer fit the edited layer: it is looked at untrained
    assert panel.inspection.weights is None
    assert panel.status.text().startswith("untrained: the newest run's weights do not fit")
    assert panel.look.capture.outputs["hidden"].shape == (64,)


def test_a_run_whose_gradients_vanish_is_warned_about_on_its_first_layers(window, tmp_path,
                                                                           qtbot):
    path = tmp_path / "deep.ndproj"
    save_project(deep_sigmoid_project(), path)
    assert window.files.open_path(path, confirmed=True)
    window.start_training()
    qtbot.waitUntil(lambda: not window.training.running and
                    window.training_panel.status.text() != "Ready", timeout=120_000)
    messages = [p.message for p in window.problems.problems()]
    assert any("vanishing" in m for m in messages), messages
    assert window.scene.node_item("lin1").status.severity == "warning"
    assert window.scene.node_item("logits").status.severity is None
    window.colour_by_actions["gradient"].trigger()
    assert window.scene.node_item("lin1").heat_level == 0.0  # the smallest norm
    assert window.view.legend.lines()[0] == "Gradient norm of the parameters"
    # kept with the run: there again after opening the project anew
    window.document.undo_stack.setClean()
    assert window.files.open_path(ROOT / "projects" / "digits_cnn.ndproj", confirmed=True)
    assert not any("vanishing" in p.message for p in window.problems.problems())
    assert window.files.open_path(path, confirmed=True)
    assert any("vanishing" in p.message for p in window.problems.problems())
    assert window.scene.node_item("lin1").status.severity == "warning"


def test_a_collapsed_block_is_coloured_by_its_layers_and_can_be_inspected(
        make_window, trained_digits, qtbot, tmp_path):
    window = make_window((1280, 820))
    panel = open_inspect(window, trained_digits, qtbot)
    members = ["conv1", "bn1", "relu1", "conv2", "bn2", "relu2"]
    window.scene.select_nodes(members)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    window.document.analyse_now()
    (block_id,) = window.scene.selected_node_ids()
    qtbot.waitUntil(lambda: panel.look is not None, timeout=60_000)
    window.scene.select_nodes([])
    window.scene.select_nodes([block_id])
    assert panel.output.title.text().startswith("<b>relu2</b>"), panel.output.title.text()
    window.colour_by_actions["macs"].trigger()
    heat = window.scene.heat
    total = sum(window.costs.costs.nodes[n].macs for n in members)
    assert heat.values[block_id] == total
    assert heat.span()[1] >= total, "the legend's range takes the block in"
    assert window.scene.node_item(block_id).heat_level is not None
    window.grab().save(str(tmp_path / "heat_with_a_block.png"))


def _inspect_template(make_window, qtbot, name: str):
    window = make_window((1280, 820))
    panel = open_inspect(window, ROOT / "projects" / name, qtbot)
    qtbot.waitUntil(lambda: window.docks["inspect"].height() >= 300, timeout=5_000)
    QApplication.processEvents()
    return window, panel


def _below_the_fold(panel, widget) -> bool:
    scroll = panel.parentWidget().parentWidget()  # the dock's scroll area's viewport
    shown = widget.mapTo(scroll, widget.rect().bottomLeft())
    return shown.y() > scroll.height() + 2


@pytest.mark.parametrize("name, kind", [("digits_cnn.ndproj", "classes"),
                                        ("gesture_crnn.ndproj", "classes"),
                                        ("pulse_tagger.ndproj", "classes_per_step")])
def test_the_inspect_dock_reads_at_the_default_size(make_window, qtbot, tmp_path, name, kind):
    window, panel = _inspect_template(make_window, qtbot, name)
    window.grab().save(str(tmp_path / f"inspect_{name.split('.')[0]}.png"))
    prediction = panel.look.prediction
    assert prediction.kind == kind
    assert not _below_the_fold(panel, panel.prediction), "the prediction runs below the dock"
    if kind == "classes":
        # the names down the side, one row each: none over another
        ticks = panel.prediction.plot.getPlotItem().getAxis("left")._tickLevels
        assert [label for _, label in ticks[0]] == prediction.labels
    else:
        words = panel.prediction.caption.text().split()
        assert len(words) <= 40 and "×" in panel.prediction.caption.text()
    frames = panel.look.capture.sample.shape[0] if panel.look.capture.sample.dim() == 4 else 1
    if frames > 1:  # a clip: its frames tiled, each big enough to see
        shown = panel.picture.target_rect()
        columns = min(frames, 4)
        assert shown.width() / columns >= 40, shown
