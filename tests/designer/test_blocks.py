"""Blocks in the designer: group the selection (Ctrl+G) into one collapsed node, open it in
place, repeat it, save it to the library and drop it again; every step undoes back to the
identical file."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from engine.graph import Edge, Graph, Node
from engine.project import Project, dumps_project, save_project
from tests.designer.gui import at, connect_ports, drop_layer

LAYERS = [("image", "Input", {"shape": [1, 8, 8]}),
          ("conv1", "Conv2d", {"out_channels": 8, "padding": 1}), ("relu1", "ReLU", {}),
          ("conv2", "Conv2d", {"out_channels": 8, "padding": 1}), ("relu2", "ReLU", {}),
          ("flat", "Flatten", {}), ("fc", "Linear", {"out_features": 4})]


def _open_chain(window, tmp_path: Path, layers: list = LAYERS) -> str:
    graph = Graph([Node(i, t, p, (0.0, 110.0 * k)) for k, (i, t, p) in enumerate(layers)],
                  [Edge(a[0], b[0]) for a, b in itertools.pairwise(layers)])
    path = tmp_path / "chain.ndproj"
    save_project(Project("Chain", graph), path)
    assert window.files.open_path(path, confirmed=True)
    _settle(window)
    return dumps_project(window.document.project)


def _settle(window) -> None:
    window.document.analyse_now()
    QGuiApplication.processEvents()


def _text(window) -> str:
    return dumps_project(window.document.project)


def _set_repeat(window, times: int) -> None:
    spin = window.blocks.panel.repeat
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), str(times))
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    _settle(window)


def _group(window, ids: list[str]) -> str:
    window.scene.select_nodes(ids)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    _settle(window)
    (block_id,) = window.scene.selected_node_ids()
    return block_id


def test_ctrl_g_makes_the_selection_one_collapsed_node_with_its_totals(window, tmp_path):
    before = _open_chain(window, tmp_path)
    block_id = _group(window, ["conv1", "relu1", "conv2", "relu2"])
    scene = window.scene
    assert block_id in window.document.graph.blocks
    assert scene.node_item("conv1") is None and scene.node_item(block_id) is not None
    status = scene.node_item(block_id).status
    assert status.param_count == 80 + 584 and status.output == "[8, 8, 8]"
    assert [(e.source, e.target) for e in scene.graph.edges][:2] == [
        ("image", block_id), (block_id, "flat")]
    graph = window.document.graph  # what followed the layers moved up to the block
    assert graph.nodes["flat"].position[1] - graph.blocks[block_id].position[1] == 110
    assert window.properties.currentWidget() is window.blocks.panel
    grouped = _text(window)
    window.undo_action.trigger()
    assert _text(window) == before
    window.redo_action.trigger()
    assert _text(window) == grouped
    window.scene.select_nodes([block_id])
    QTest.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert _text(window) == before
    assert scene.node_item("conv1") is not None


def test_double_click_opens_a_block_in_place_and_its_tab_closes_it(window, tmp_path):
    _open_chain(window, tmp_path)
    block_id = _group(window, ["conv1", "relu1"])
    closed = _text(window)
    flat_y = window.document.graph.nodes["flat"].position[1]
    item = window.scene.node_item(block_id)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, at(window, item.sceneBoundingRect().center()))
    _settle(window)
    assert not window.document.graph.blocks[block_id].collapsed
    assert window.scene.node_item("conv1") is not None
    assert window.document.graph.nodes["flat"].position[1] > flat_y, "room was made"
    frame = window.scene.block_frame(block_id)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, at(window, frame.tab().center()))
    _settle(window)
    assert window.document.graph.blocks[block_id].collapsed
    assert _text(window) == closed
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert _text(window) == closed


def test_repeat_in_the_block_panel_applies_the_block_again(window, tmp_path):
    _open_chain(window, tmp_path)
    block_id = _group(window, ["conv2", "relu2"])
    params = window.document.analysis.total_params
    _set_repeat(window, 3)
    assert window.document.graph.blocks[block_id].repeat == 3
    assert window.document.analysis.total_params == params + 2 * 584
    assert window.scene.node_item(block_id).face.layer_type == "Block ×3"
    window.undo_action.trigger()
    assert window.document.analysis.total_params == params or _settle(window) is None


def test_a_block_saved_to_the_library_drops_in_from_the_palette(window, tmp_path):
    _open_chain(window, tmp_path)
    block_id = _group(window, ["conv1", "relu1"])
    window.blocks.save_block_to(block_id, tmp_path / "library" / "double_conv.ndblock")
    payloads = [window.palette_panel.tree().topLevelItem(i).text(0)
                for i in range(window.palette_panel.tree().topLevelItemCount())]
    assert "Blocks" in payloads
    key = "block:" + str(tmp_path / "library" / "double_conv.ndblock")
    assert window.palette_panel.layer_item(key).text(0) == "Block"
    dropped = drop_layer(window, key, QPointF(500, 100))
    _settle(window)
    assert dropped == "double_conv" and dropped in window.document.graph.blocks
    connect_ports(window, "image", dropped)
    _settle(window)
    members = window.document.graph.blocks[dropped].nodes
    assert [e.target for e in window.document.graph.outgoing("image")][-1] == members[0]


def test_deleting_a_collapsed_block_deletes_its_layers_and_undo_brings_them_back(window,
                                                                                   tmp_path):
    _open_chain(window, tmp_path)
    _group(window, ["conv1", "relu1"])
    grouped = _text(window)
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    _settle(window)
    assert "conv1" not in window.document.graph.nodes and not window.document.graph.blocks
    window.undo_action.trigger()
    assert _text(window) == grouped


def test_the_edge_out_of_an_open_repeated_block_carries_its_last_repetitions_shape(
        make_window, tmp_path):
    window = make_window((1280, 820))
    layers = [("clip", "Input", {"shape": [1, 16, 16]}),
              ("conv", "Conv2d", {"out_channels": 4, "padding": 1}),
              ("pool", "MaxPool2d", {"kernel_size": 2}), ("flat", "Flatten", {}),
              ("fc", "Linear", {"out_features": 3})]
    _open_chain(window, tmp_path, layers)
    block_id = _group(window, ["conv", "pool"])
    _set_repeat(window, 2)
    leaving = Edge(block_id, "flat")
    assert window.scene.edge_item(leaving).label == "[4, 4, 4]"
    item = window.scene.node_item(block_id)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, at(window, item.sceneBoundingRect().center()))
    _settle(window)
    assert window.scene.node_item("pool") is not None
    assert window.scene.edge_item(Edge("conv", "pool")).label == "[4, 16, 16]"
    assert window.scene.edge_item(Edge("pool", "flat")).label == "[4, 4, 4]"
