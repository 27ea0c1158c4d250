"""Blocks: grouped layers that save in the project file (format 2), repeat when the network
is built, export as one class each, and reload as they were."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.analysis import analyse
from engine.block_library import (
    SHIPPED_BLOCKS,
    library,
    load_block,
    placed,
    save_block,
    template_of,
)
from engine.blocks import Block, entry_points, input_edges, interface, unroll
from engine.cli.summary import summary_data
from engine.compiler import compile_graph
from engine.export.prepare import prepare
from engine.export.python_code import model_source
from engine.export.python_folder import export_python
from engine.graph import Edge, Graph, Node
from engine.importing import import_module
from engine.project import Project, dumps_project, parse_project
from engine.training.checkpoint import save_weights
from tests.engine.builders import graph_of
from tests.engine.resnet_blocks import TORCHVISION_RESNET18_PARAMS, resnet18

ROOT = Path(__file__).parents[2]


def _stacked(repeat: int) -> Graph:
    """Input → a ConvBNReLU block (repeated) → pool → flatten → linear."""
    graph = graph_of(("image", "Input", {"shape": [1, 8, 8]}))
    nodes, edges, block = placed(graph, load_block(SHIPPED_BLOCKS / "conv_bn_relu.ndblock"))
    for node in nodes:
        graph.add_node(node)
    graph.edges += edges + input_edges(block, "image")
    block.repeat = repeat
    graph.blocks[block.id] = block
    for node_id, layer_type, params in [("pool", "AdaptiveAvgPool2d", {}),
                                        ("flat", "Flatten", {}),
                                        ("fc", "Linear", {"out_features": 5})]:
        graph.add_node(Node(node_id, layer_type, params))
    graph.edges += [Edge(block.nodes[-1], "pool"), Edge("pool", "flat"), Edge("flat", "fc")]
    return graph


def _module(source: str, class_name: str) -> torch.nn.Module:
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    return namespace[class_name]()


def test_resnet18_from_the_shipped_residual_blocks_has_torchvisions_parameter_count() -> None:
    graph = resnet18()
    analysis = analyse(graph)
    assert analysis.ok, analysis.problems
    assert analysis.total_params == TORCHVISION_RESNET18_PARAMS
    network = compile_graph(graph, analysis)
    assert sum(p.numel() for p in network.parameters()) == TORCHVISION_RESNET18_PARAMS


def test_resnet18_exports_one_class_per_block_computing_what_netdesigner_computes() -> None:
    graph = resnet18()
    prepared = prepare(Project("ResNet 18", graph), find_weights=False)
    source = model_source(prepared, "ResNet18")
    classes = [line.split("(")[0][6:] for line in source.splitlines()
               if line.startswith("class ")]
    assert classes == ["ResidualBlock", "ResidualDownBlock", "ResidualBlock2",
                       "ResidualDownBlock2", "ResidualBlock3", "ResidualDownBlock3",
                       "ResidualBlock4", "ResNet18"]
    assert "self.residual_block = nn.Sequential(ResidualBlock(), ResidualBlock())" in source
    model = _module(source, "ResNet18").eval()
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_RESNET18_PARAMS
    from engine.export.block_classes import nested_state
    model.load_state_dict(nested_state(prepared.network.state_dict(), graph))
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(model(x), prepared.network(x), rtol=0, atol=0)


def test_a_repeated_block_unrolls_into_a_chain_of_copies() -> None:
    graph = _stacked(repeat=3)
    unrolled = unroll(graph)
    (block,) = graph.blocks.values()
    assert [len(c) for c in unrolled.copies[block.id]] == [3, 3]
    second_conv = unrolled.copies[block.id][0][0]
    assert unrolled.origin[second_conv] == block.nodes[0]
    assert [e.source for e in unrolled.graph.incoming(second_conv)] == [block.nodes[-1]]
    assert [e.source for e in unrolled.graph.incoming("pool")] == [
        unrolled.copies[block.id][1][-1]]
    once, thrice = analyse(_stacked(1)), analyse(graph)
    conv_bn = once.nodes[block.nodes[0]].param_count + once.nodes[block.nodes[1]].param_count
    first_conv = 1 * 32 * 9
    assert thrice.total_params - once.total_params == 2 * conv_bn + 2 * (32 - 1) * 32 * 9 \
        - 0 * first_conv


def test_a_problem_in_a_copy_is_reported_on_the_member_it_copies() -> None:
    graph = _stacked(repeat=2)
    (block,) = graph.blocks.values()
    conv = block.nodes[0]
    graph.nodes[conv].params.update(kernel_size=5, padding=0)
    graph.nodes["image"].params["shape"] = [1, 6, 6]
    problems = [p for p in analyse(graph).errors if p.node == conv]
    assert problems and "larger than its input" in problems[0].message
    assert all(p.node in graph.nodes for p in analyse(graph).problems)


@pytest.mark.parametrize(("change", "words"), [
    (lambda g, b: setattr(b, "repeat", 0), "repeat must be a whole number"),
    (lambda g, b: b.nodes.append("ghost"), "has no such node"),
    (lambda g, b: b.nodes.remove(b.nodes[1]), "a block gives one output"),
    (lambda g, b: b.nodes.append("image"), "holds an Input"),
    (lambda g, b: g.blocks.__setitem__("fc", Block("fc", ["flat"])), "also called 'fc'"),
])
def test_a_broken_block_is_an_error_naming_it(change, words: str) -> None:
    graph = _stacked(repeat=1)
    (block,) = list(graph.blocks.values())
    change(graph, block)
    messages = [p.message for p in analyse(graph).errors if p.where.startswith("block")]
    assert any(words in m for m in messages), messages


def test_a_repeated_block_needs_exactly_one_input() -> None:
    graph = graph_of(("a", "Input", {"shape": [4]}), ("b", "Input", {"shape": [4]}),
                     ("sum", "Add"), edges=[("a", "sum", 0), ("b", "sum", 1)])
    graph.blocks["twice"] = Block("twice", ["sum"], repeat=2)
    assert any("needs exactly one input" in p.message for p in analyse(graph).errors)


def test_blocks_save_in_format_2_and_load_back_identical() -> None:
    project = Project("Stack", _stacked(repeat=2))
    text = dumps_project(project)
    assert json.loads(text)["version"] == 2
    assert json.loads(text)["graph"]["blocks"][0]["repeat"] == 2
    again = parse_project(text)
    assert again.graph.blocks == project.graph.blocks
    assert dumps_project(again) == text


def test_version_1_files_still_load_and_are_migrated_to_version_2() -> None:
    text = (ROOT / "projects" / "digits_cnn.ndproj").read_text()
    data = json.loads(text)
    data["version"] = 1
    project = parse_project(json.dumps(data))
    assert project.graph.blocks == {}
    assert json.loads(dumps_project(project))["version"] == 2
    assert project == parse_project(text)


def test_a_broken_block_entry_in_a_file_is_a_sentence() -> None:
    data = json.loads(dumps_project(Project("Stack", _stacked(repeat=1))))
    data["graph"]["blocks"][0]["repeat"] = "three"
    from engine.project import ProjectError
    with pytest.raises(ProjectError, match="\"repeat\" must be a whole number"):
        parse_project(json.dumps(data))


def test_a_saved_block_drops_into_another_project_with_fresh_names(tmp_path: Path) -> None:
    graph = _stacked(repeat=1)
    (block,) = graph.blocks.values()
    template = template_of(graph, block, "mine")
    assert list(template.graph.nodes) == ["conv", "bn", "relu"]
    save_block(template, tmp_path / "mine.ndblock")
    (loaded,) = library(tmp_path)
    nodes, _edges, dropped = placed(graph, loaded, at=(500.0, 0.0))
    assert dropped.id == "mine"
    assert not {n.id for n in nodes} & set(graph.nodes)
    assert dropped.inputs == [[(nodes[0].id, 0)]]
    assert nodes[0].position == (500.0, 0.0)


def test_every_shipped_block_is_valid_on_a_fitting_input() -> None:
    shapes = {"bilstm_stack": [20, 8], "residual_block": [64, 16, 16],
              "residual_down_block": [64, 16, 16]}
    names = []
    for template in library(SHIPPED_BLOCKS):
        graph = graph_of(("x", "Input", {"shape": shapes.get(template.path.stem, [3, 16, 16])}))
        nodes, edges, block = placed(graph, template)
        for node in nodes:
            graph.add_node(node)
        graph.edges += edges + input_edges(block, "x")
        graph.blocks[block.id] = block
        assert analyse(graph).ok, (template.name, analyse(graph).problems)
        names.append(template.name)
    assert {"ResidualBlock", "ResidualDownBlock", "ConvBNReLU", "InceptionBranch",
            "BiLSTMStack"} <= set(names)


def test_entry_points_and_interface_describe_how_a_group_meets_the_network() -> None:
    graph = graph_of(("x", "Input", {"shape": [4]}), ("a", "Linear", {"out_features": 4}),
                     ("b", "ReLU"), ("sum", "Add"), ("out", "Linear", {"out_features": 2}),
                     edges=[("x", "a"), ("a", "b"), ("b", "sum", 0), ("x", "sum", 1),
                            ("sum", "out")])
    assert entry_points(graph, ["a", "b", "sum"]) == [[("a", 0), ("sum", 1)]]
    found = interface(graph, Block("res", ["a", "b", "sum"]))
    assert found.inputs == ["x"] and found.outputs == ["sum"]


def test_summary_lists_block_totals_with_members(capsys) -> None:
    graph = _stacked(repeat=2)
    analysis = analyse(graph)
    data = summary_data(Project("Stack", graph), analysis)
    (block_data,) = data["blocks"]
    assert block_data["repeat"] == 2
    assert block_data["params"] == sum(n["params"] for n in data["nodes"]
                                       if n["block"] == block_data["id"])
    assert block_data["output_shape"] == [32, 8, 8]


def test_weights_export_under_model_py_names_and_load_back(tmp_path: Path) -> None:
    graph = _stacked(repeat=2)
    project = Project("Stack", graph)
    network = compile_graph(graph)
    torch.nn.init.normal_(next(network.parameters()))
    save_weights(network, tmp_path / "trained.safetensors")
    prepared = prepare(project, weights=tmp_path / "trained.safetensors")
    export_python(prepared, tmp_path / "out")
    state = load_file(str(tmp_path / "out" / "weights.safetensors"))
    (block,) = graph.blocks.values()
    assert f"{block.id}.1.conv.weight" in state
    model = _module((tmp_path / "out" / "model.py").read_text(), "Stack")
    model.load_state_dict(state)
    again = prepare(project, weights=tmp_path / "out" / "weights.safetensors")
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(x), again.network(x))


def test_an_exported_model_with_blocks_imports_again_as_the_same_network(tmp_path) -> None:
    graph = _stacked(repeat=2)
    prepared = prepare(Project("Stack", graph), find_weights=False)
    (tmp_path / "model.py").write_text(model_source(prepared, "Stack"))
    imported = import_module(tmp_path / "model.py", "Stack")
    assert analyse(imported.graph).total_params == analyse(graph).total_params
    shutil.rmtree(tmp_path)


def test_grouping_makes_a_collapsed_block_and_ungrouping_gives_the_graph_back() -> None:
    from engine.blocks import grouped, ungrouped
    graph = graph_of(("x", "Input", {"shape": [4]}), ("a", "Linear", {"out_features": 4}),
                     ("b", "ReLU"), ("out", "Linear", {"out_features": 2}))
    edited, block_id = grouped(graph, ["b", "a"])
    block = edited.blocks[block_id]
    assert block.nodes == ["a", "b"] and block.collapsed and block.inputs == [[("a", 0)]]
    assert ungrouped(edited, block_id) == graph
    assert "which the selection cuts" in grouped(edited, ["b", "out"])
    inner, inner_id = grouped(edited, ["a"])
    assert inner.blocks[inner_id].nodes == ["a"] and inner.blocks[block_id].nodes == ["a", "b"]
    assert "Input" in grouped(graph, ["x", "a"])
    assert "would give 2 outputs" in grouped(graph, ["a", "out"]) or \
        "one output" in grouped(graph, ["x", "out"])


def test_deleting_a_block_takes_its_members_and_deleting_members_shrinks_it() -> None:
    from engine.blocks import without
    graph = _stacked(repeat=1)
    (block,) = graph.blocks.values()
    gone = without(graph, [block.id])
    assert not gone.blocks and not set(block.nodes) & set(gone.nodes)
    shrunk = without(graph, [block.nodes[0]])
    assert shrunk.blocks[block.id].nodes == block.nodes[1:]
    assert shrunk.blocks[block.id].inputs == []


def test_summary_prints_a_block_row_with_its_layers_indented(capsys, tmp_path) -> None:
    from engine.project import save_project
    from tests.engine.cli_helpers import run
    save_project(Project("Stack", _stacked(repeat=2)), tmp_path / "stack.ndproj")
    code, out, _ = run(capsys, "summary", str(tmp_path / "stack.ndproj"))
    assert code == 0
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("conv_bn_relu "))
    assert "ConvBNReLU ×2" in lines[row] and "[32, 8, 8]" in lines[row]
    assert lines[row + 1].startswith("  conv_bn_relu_conv ")
    assert not any("_r2" in line for line in lines), "copies are in the block's totals only"


def test_torchscript_and_onnx_exports_of_a_repeated_block_compute_the_same(tmp_path) -> None:
    from engine.export.onnx_file import export_onnx
    from engine.export.torchscript_file import export_torchscript
    prepared = prepare(Project("Stack", _stacked(repeat=2)), find_weights=False)
    x = torch.randn(3, 1, 8, 8)
    with torch.no_grad():
        expected = prepared.network(x)
    export_torchscript(prepared, tmp_path / "stack.pt")
    scripted = torch.jit.load(str(tmp_path / "stack.pt"))
    torch.testing.assert_close(scripted(x), expected)
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    export_onnx(prepared, tmp_path / "stack.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "stack.onnx"),
                                           providers=["CPUExecutionProvider"])
    (name,) = [i.name for i in session.get_inputs()]
    (got,) = session.run(None, {name: x.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), expected, atol=1e-5, rtol=1e-5)
