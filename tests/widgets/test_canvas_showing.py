"""The canvas shows a graph: one item per node and edge, shape labels on the edges, ports,
and sync() following the graph's edits by diffing."""

from __future__ import annotations

import pytest

from engine.analysis import analyse
from engine.graph import Edge, Graph, Node
from engine.project import load_project
from tests.widgets.canvas_helpers import ROOT, chain, edge_labels, show, small_cnn


@pytest.mark.parametrize("name", ["digits_cnn", "crnn_digit_strings", "digit_rows_lstm"])
def test_a_project_shows_one_item_per_node_and_edge_with_shape_labels(canvas, name):
    project = load_project(ROOT / "projects" / f"{name}.ndproj")
    scene, _ = show(canvas, project.graph)

    assert len(scene.node_items()) == len(project.graph.nodes)
    assert len(scene.edge_items()) == len(project.graph.edges)
    analysis = analyse(project.graph)
    for edge in project.graph.edges:
        assert edge_labels(scene)[(edge.source, edge.target)] == \
            str(analysis.nodes[edge.source].output)
    for node_id, node in project.graph.nodes.items():
        item = scene.node_item(node_id)
        assert (item.x(), item.y()) == tuple(node.position)


def test_node_faces_show_type_id_summary_and_parameter_count(canvas):
    project = load_project(ROOT / "projects" / "digits_cnn.ndproj")
    scene, _ = show(canvas, project.graph)

    conv = scene.node_item("conv1")
    assert (conv.face.layer_type, conv.face.node_id, conv.face.summary) == \
        ("Conv2d", "conv1", "32 3×3 same")
    assert conv.status.param_count == 320
    assert "320 parameters" in conv.toolTip()
    assert scene.edge_item(Edge("image", "conv1")).label == "[1, 8, 8]"
    assert scene.edge_item(Edge("pool", "flatten")).label == "[64, 4, 4]"


def test_edge_labels_are_empty_before_analysis_and_a_question_mark_when_unknown(canvas):
    graph = small_cnn()
    graph.nodes["conv"].params["kernel_size"] = 99  # no output shape for conv
    scene, _ = show(canvas, graph, analysed=False)
    assert set(edge_labels(scene).values()) == {""}

    scene.set_analysis(analyse(graph))
    assert edge_labels(scene) == {("image", "conv"): "[1, 8, 8]", ("conv", "relu"): "?"}


def test_ports_merge_nodes_show_a_free_port_others_what_they_need(canvas):
    graph = chain(("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}))
    graph.add_node(Node("add", "Add", {}, (0, 500)))
    graph.add_node(Node("cat", "Concat", {}, (300, 500)))
    graph.add_edge(Edge("a", "add", 0))
    graph.add_edge(Edge("b", "add", 1))
    scene, _ = show(canvas, graph)

    assert len(scene.node_item("x").input_ports) == 0
    assert len(scene.node_item("a").input_ports) == 1
    assert len(scene.node_item("add").input_ports) == 3  # two connected, one free
    assert len(scene.node_item("cat").input_ports) == 2  # what it needs
    assert all(item.output_port is not None for item in scene.node_items())
    assert [p.connected for p in scene.node_item("add").input_ports] == [True, True, False]

    graph.add_edge(Edge("x", "add", 2))
    scene.sync()
    assert len(scene.node_item("add").input_ports) == 4
    end = scene.edge_item(Edge("x", "add", 2)).path().currentPosition()
    assert end == scene.port_scene_pos("add", "in", 2)


def test_sync_adds_removes_moves_and_renames_by_diffing(canvas):
    graph = small_cnn()
    scene, _ = show(canvas, graph)
    conv_item = scene.node_item("conv")
    first_edge = scene.edge_item(Edge("image", "conv"))

    graph.add_node(Node("out", "Linear", {}, (0, 420)))
    graph.add_edge(Edge("relu", "out"))
    graph.nodes["conv"].position = (250.0, 140.0)
    scene.sync()
    assert scene.node_item("conv") is conv_item, "unchanged nodes keep their items"
    assert scene.edge_item(Edge("image", "conv")) is first_edge
    assert (conv_item.x(), conv_item.y()) == (250.0, 140.0)
    assert first_edge.path().currentPosition() == scene.port_scene_pos("conv", "in", 0)
    assert len(scene.node_items()) == 4 and len(scene.edge_items()) == 3

    graph.remove_node("relu")
    scene.sync()
    assert scene.node_item("relu") is None
    assert sorted(edge_labels(scene)) == [("image", "conv")]
    assert conv_item.output_port is not None and not conv_item.output_port.connected

    graph.rename_node("conv", "features")
    scene.sync()
    assert scene.node_item("features") is conv_item and scene.node_item("conv") is None
    assert conv_item.face.node_id == "features"
    assert sorted(edge_labels(scene)) == [("image", "features")]

    graph.remove_edge(Edge("image", "features"))
    scene.sync()
    assert scene.edge_items() == []
    assert conv_item.edges == set()


def test_sync_shows_a_parameter_edit_and_leaves_other_nodes_alone(canvas):
    graph = small_cnn()
    scene, _ = show(canvas, graph)
    relu = scene.node_item("relu")
    relu_face = relu.face

    graph.nodes["conv"].params["out_channels"] = 16
    scene.sync()
    scene.set_analysis(analyse(graph))
    assert scene.node_item("conv").face.summary == "16 3×3"
    assert scene.edge_item(Edge("conv", "relu")).label == "[16, 6, 6]"
    assert scene.node_item("relu") is relu and relu.face is relu_face


def test_nodes_without_position_get_free_spots(canvas):
    graph = Graph([Node("a", "Input", {"shape": [4]}), Node("b", "ReLU"), Node("c", "Tanh")],
                  [Edge("a", "b"), Edge("a", "c")])
    scene, _ = show(canvas, graph)
    rects = [item.sceneBoundingRect() for item in scene.node_items()]
    assert not any(r.intersects(s) for i, r in enumerate(rects) for s in rects[i + 1:])

    graph.add_node(Node("d", "Sigmoid"))
    graph.add_edge(Edge("b", "d"))
    scene.sync()
    d = scene.node_item("d").sceneBoundingRect()
    assert not any(d.intersects(r) for r in rects)
    assert graph.nodes["d"].position is None, "the canvas never edits the graph"


def test_set_graph_replaces_the_shown_graph(canvas):
    scene, _ = show(canvas, small_cnn())
    scene.set_graph(chain(("x", "Input", {"shape": [3]}), ("y", "ReLU", {})))
    assert sorted(item.node_id for item in scene.node_items()) == ["x", "y"]
    assert edge_labels(scene) == {("x", "y"): ""}


def test_layers_applied_to_each_frame_of_a_clip_say_so(canvas):
    project = load_project(ROOT / "projects" / "gesture_crnn.ndproj")
    scene, _ = show(canvas, project.graph)

    conv, relu = scene.node_item("conv1"), scene.node_item("relu1")
    assert conv.status.frames == 12 and relu.status.frames is None
    assert conv._header_text == "Conv2d · per frame" and relu._header_text == "ReLU"
    assert "applied to each of the 12 frames of the clip" in conv.toolTip()
    assert scene.edge_item(Edge("conv1", "bn1")).label == "[12, 16, 16, 16]"
