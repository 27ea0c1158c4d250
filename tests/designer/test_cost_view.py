"""What a network costs, in the window: MACs and memory on each node's face, the totals in
the status bar, the node's figures in the inspector, the canvas coloured by a figure with
a legend, and a measured profile of the layers that goes stale when the network changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar

from engine.costs import network_costs
from engine.units import format_bytes
from tests.designer.gui import click_node, type_param

ROOT = Path(__file__).parents[2]
CRNN = ROOT / "projects" / "crnn_digit_strings.ndproj"


def open_crnn(window) -> None:
    assert window.files.open_path(CRNN, confirmed=True)
    window.document.analyse_now()


def break_the_network(window) -> None:
    """Delete the layer that turns the feature maps into a sequence: the LSTMs then get
    images."""
    click_node(window, "columns")
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    window.document.analyse_now()
    assert not window.document.analysis.ok


def test_the_status_bar_gives_the_forward_macs_and_the_training_step_memory(window):
    open_crnn(window)
    document = window.document
    step = network_costs(document.graph, document.analysis, document.project.training)
    assert window.costs.totals.text() == (
        f"20 MMAC per sample · training step ≈ {format_bytes(step.step_bytes)} at batch 64")
    assert window.costs.totals.isVisible()


def test_the_totals_follow_the_batch_size_and_leave_out_memory_while_there_are_errors(
        window, qtbot):
    open_crnn(window)
    before = window.costs.totals.text()
    QTest.keyClick(window.training_panel.batch_size, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(window.training_panel.batch_size, "16")
    QTest.keyClick(window.training_panel.batch_size, Qt.Key.Key_Return)
    window.document.analyse_now()
    assert window.costs.totals.text().endswith("at batch 16")
    assert window.costs.totals.text() != before
    break_the_network(window)
    assert "training step" not in window.costs.totals.text()
    assert window.costs.totals.text().endswith("MAC per sample")


def test_each_node_shows_its_macs_and_memory_and_the_inspector_the_rest(window):
    open_crnn(window)
    conv2 = window.scene.node_item("conv2")
    # 64 channels of 4×32 from 32 channels, 3×3: 2.4 M; its output is 32 kB × 64
    assert conv2.figures.face() == "2.4 MMAC · 2.1 MB"
    # 3×3 on 3×3 input pixels, every other one after the 2×2 pooling: 3 + 1 + 2·2
    assert "Receptive field: 8 × 8 pixels" in conv2.toolTip()
    assert "Kept: 1.0 MB at batch 64" in conv2.toolTip()  # its input, 16 kB a sample
    click_node(window, "blstm1")
    text = window.inspector.info_text()
    assert "MACs: 5.6 MMAC per sample" in text
    assert "Sequence: 32 time steps" in text
    assert "Kept: " in text and "for the backward pass" in text
    assert "Measured" not in text


def test_colouring_by_macs_fills_the_nodes_from_pale_to_dark_with_a_legend(window):
    open_crnn(window)
    colours = window.scene.look.colours
    window.colour_by_actions["macs"].trigger()
    items = {node_id: window.scene.node_item(node_id) for node_id in ("relu1", "conv2",
                                                                      "blstm2", "columns")}
    assert items["blstm2"].heat_level == 1.0  # the most multiply-accumulates
    assert 0 < items["relu1"].heat_level < items["conv2"].heat_level < 1
    assert items["columns"].heat_level is None  # a reshape does none: its usual fill
    assert items["columns"].body_fill() == colours.node_fill
    assert items["blstm2"].body_fill().lightnessF() < items["relu1"].body_fill().lightnessF()
    legend = window.view.legend
    assert legend.isVisible() and legend.lines() == ["MACs per sample", "log scale"]
    assert legend.labels() == ["8.2 k", "243 k", "7.2 M"]
    window.colour_by_actions["nothing"].trigger()
    assert not legend.isVisible()
    assert all(item.heat_level is None for item in window.scene.node_items())


def test_colouring_by_memory_and_parameters(window):
    open_crnn(window)
    window.colour_by_actions["memory"].trigger()
    assert window.view.legend.lines()[0] == "Output memory at batch 64"
    assert window.scene.node_item("conv1").heat_level == 1.0  # 32×8×64 floats × 64
    window.colour_by_actions["parameters"].trigger()
    assert window.scene.node_item("blstm2").heat_level == 1.0
    assert window.scene.node_item("relu1").heat_level is None


def test_profiling_colours_the_canvas_by_measured_time_until_the_network_changes(
        window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.document.analyse_now()
    toolbar = window.findChild(QToolBar, "main_toolbar")
    button = toolbar.widgetForAction(window.profile_action)
    assert button.text() == "Profile"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.costs.profiling and not window.profile_action.isEnabled()
    qtbot.waitUntil(lambda: window.costs.profile is not None, timeout=60_000)
    assert window.colour_by_actions["time"].isChecked()
    assert window.profile_action.isEnabled()
    legend = window.view.legend
    assert legend.lines()[0] == "Measured time, forward + backward"
    assert legend.lines()[1].endswith("median of 5 steps on the CPU")
    assert window.scene.node_item("conv2").heat_level is not None
    click_node(window, "conv2")
    assert "Measured: " in window.inspector.info_text()
    assert "% of the layers' time" in window.inspector.info_text()

    type_param(window, "out_channels", "24")
    window.document.analyse_now()
    assert window.costs.profile is None
    assert "Measured" not in window.inspector.info_text()
    assert legend.lines() == ["Measured time", "not measured: Train ▸ Profile Layers"]
    assert all(item.heat_level is None for item in window.scene.node_items())


def test_moving_a_node_keeps_the_profile(window, project_copy, qtbot):
    assert window.files.open_path(project_copy, confirmed=True)
    window.document.analyse_now()
    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.costs.profile is not None, timeout=60_000)
    window.editor.move({"conv1": ((0, 0), (300, 40))})
    window.document.analyse_now()
    assert window.costs.profile is not None


def test_a_network_with_errors_is_not_profiled(window):
    open_crnn(window)
    break_the_network(window)
    window.profile_action.trigger()
    assert not window.costs.profiling
    assert "without errors" in window.statusBar().currentMessage()
