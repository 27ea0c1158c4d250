"""Nested blocks on the canvas, at the default window size: an imported ResNet-18 shows its
four stages; opening a stage shows its BasicBlocks as nodes inside the stage's frame;
opening one of those frames it inside the stage's; Ctrl+G on blocks makes a block of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from engine.blocks import parents
from engine.cli import main
from engine.project import dumps_project
from tests.designer.gui import at

MODELS = Path(__file__).parents[1] / "engine" / "importing_models" / "nested_models.py"


@pytest.fixture
def resnet_window(make_window, tmp_path):
    project = tmp_path / "resnet.ndproj"
    torch.manual_seed(0)
    assert main(["import", f"{MODELS}:ResNet18", "-o", str(project), "--input-shape",
                 "3,32,32"]) == 0
    window = make_window((1280, 820))
    assert window.files.open_path(project, confirmed=True)
    _settle(window)
    return window


def _settle(window) -> None:
    window.document.analyse_now()
    QGuiApplication.processEvents()


def _double_click(window, scene_point) -> None:
    window.view.centerOn(scene_point)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, at(window, scene_point))
    _settle(window)


def test_opening_a_stage_shows_its_basic_blocks_and_opening_one_nests_its_frame(
        resnet_window, tmp_path) -> None:
    window = resnet_window
    scene = window.scene
    before = dumps_project(window.document.project)
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        assert scene.node_item(stage) is not None
    assert scene.node_item("layer2_0") is None
    assert scene.node_item("layer2").status.output == "[128, 4, 4]"

    _double_click(window, scene.node_item("layer2").sceneBoundingRect().center())
    assert scene.node_item("layer2") is None
    inner = scene.node_item("layer2_0")
    assert inner is not None and scene.node_item("layer2_1") is not None
    assert inner.status.output == "[128, 4, 4]"
    stage_frame = scene.block_frame("layer2")
    assert stage_frame is not None and "Layer2" in stage_frame.title

    _double_click(window, inner.sceneBoundingRect().center())
    assert scene.node_item("layer2_0_conv1") is not None
    assert scene.node_item("layer2_0_downsample") is not None  # the Sequential inside
    block_frame = scene.block_frame("layer2_0")
    assert "BasicBlock" in block_frame.title
    outer, nested = stage_frame.sceneBoundingRect(), block_frame.sceneBoundingRect()
    assert outer.contains(nested) and outer != nested
    assert stage_frame.zValue() < block_frame.zValue()
    scene.views()[0].centerOn(nested.center())
    window.grab().save(str(tmp_path / "nested_frames.png"))

    # closing the stage by its tab shows it as one node again; undo goes back step by step
    _double_click(window, stage_frame.tab().center())
    assert scene.node_item("layer2") is not None and scene.node_item("layer2_0") is None
    for _ in range(3):
        window.undo_action.trigger()
    _settle(window)
    assert dumps_project(window.document.project) == before


def test_ctrl_g_on_two_stages_makes_a_block_that_holds_them(resnet_window) -> None:
    window = resnet_window
    before = dumps_project(window.document.project)
    window.scene.select_nodes(["layer3", "layer4"])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    _settle(window)
    assert window.statusBar().currentMessage() == ""
    (made,) = window.scene.selected_node_ids()
    graph = window.document.graph
    assert parents(graph)["layer3"] == made and parents(graph)["layer4"] == made
    assert window.scene.node_item("layer3") is None and window.scene.node_item(made)
    assert window.document.analysis.ok
    window.undo_action.trigger()
    assert dumps_project(window.document.project) == before
