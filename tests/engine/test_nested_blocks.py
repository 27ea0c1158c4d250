"""Blocks that nest as the code they stand for nests: imported module structure (ResNet-18's
BasicBlocks inside layer1..4, a CRNN's classes inside Sequentials inside classes) becomes a
tree of blocks over the flat graph; export writes one class per block class, each using the
classes inside it; the rules that keep the tree a tree; what the canvas shows of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.analysis import analyse
from engine.block_view import collapsed_view, opened_in_place, view_analysis
from engine.blocks import Block, children, grouped, interface, interfaces, parents
from engine.compiler import compile_graph
from engine.project import dumps_project, load_project, parse_project
from tests.engine.builders import graph_of
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import (
    assert_exports_compute,
    model_module,
    network_class,
    seeded_instance,
)

MODELS = Path(__file__).parent / "importing_models" / "nested_models.py"


def _original(class_name: str) -> torch.nn.Module:
    return seeded_instance(MODELS, class_name, "nested_originals")


@pytest.fixture(scope="module")
def resnet(tmp_path_factory) -> tuple[Path, Path]:
    """ResNet18 (torchvision's code, 10 classes) imported at 3×32×32 with its weights."""
    folder = tmp_path_factory.mktemp("resnet")
    project, weights = folder / "resnet.ndproj", folder / "weights.safetensors"
    torch.manual_seed(0)
    from engine.cli import main

    assert main(["import", f"{MODELS}:ResNet18", "-o", str(project), "--input-shape",
                 "3,32,32", "--weights-out", str(weights)]) == 0
    return project, weights


def test_resnet18_imports_with_its_basic_blocks_nested_in_layer1_to_layer4(resnet) -> None:
    graph = load_project(resnet[0]).graph
    tops = children(graph, None)
    assert tops == ["layer1", "layer2", "layer3", "layer4"]
    for stage in tops:
        inner = children(graph, stage)
        assert inner == [f"{stage}_0", f"{stage}_1"]
        assert {graph.blocks[b].name for b in inner} == {"BasicBlock"}
    assert children(graph, "layer2_0") == ["layer2_0_downsample"]
    assert children(graph, "layer1_0") == []
    assert parents(graph)["layer3_0_downsample"] == "layer3_0"
    # the ops of a block's forward() are named inside it, as its code names them
    assert "layer1_0_add" in graph.blocks["layer1_0"].nodes
    assert analyse(graph).total_params == sum(
        p.numel() for p in _original("ResNet18").parameters())


def test_imported_resnet18_computes_the_original_through_the_project_model_py_and_exports(
        resnet, capsys, tmp_path) -> None:
    project_path, weights = resnet
    original = _original("ResNet18")
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want = original(x)
        network = compile_graph(load_project(project_path).graph).eval()
        network.load_state_dict(load_file(str(weights)))
        torch.testing.assert_close(network(x), want, rtol=0, atol=1e-5)

    folder = tmp_path / "code"
    code, _, err = run(capsys, "export", str(project_path), "--format", "python", "-o",
                       str(folder), "--weights", str(weights))
    assert code == 0, err
    source = (folder / "model.py").read_text()
    assert "class BasicBlock(nn.Module):" in source
    for stage in ("Layer1", "Layer2", "Layer3", "Layer4"):
        assert f"class {stage}(nn.Module):" in source
    layer1 = source[source.index("class Layer1"):source.index("class", source.index(
        "class Layer1") + 5)]
    assert re.findall(r"= (BasicBlock\d*)\(\)", layer1) == ["BasicBlock", "BasicBlock"]
    assert source.index("class BasicBlock(") < source.index("class Layer1(")
    model = network_class(model_module(folder))().eval()
    model.load_state_dict(load_file(str(weights)))  # the project's names: LAYER_IDS
    with torch.no_grad():
        torch.testing.assert_close(model(x), want, rtol=0, atol=1e-5)
    assert "layer1.layer1_0.conv1.weight" in model.state_dict()
    assert_exports_compute(capsys, project_path, weights, (x,), want, tmp_path / "all")


def test_a_crnn_of_nested_classes_imports_as_a_tree_named_after_them(capsys, tmp_path):
    project_path, weights = tmp_path / "crnn.ndproj", tmp_path / "w.safetensors"
    torch.manual_seed(0)
    code, _, err = run(capsys, "import", f"{MODELS}:NestedCRNN", "-o", str(project_path),
                       "--input-shape", "1,16,20", "--weights-out", str(weights))
    assert code == 0, err
    graph = load_project(project_path).graph
    names = {b.id: b.class_name for b in graph.blocks.values()}
    assert names == {"encoder": "Encoder", "head": "GRUHead", "encoder_stem": "ConvBNReLU",
                     "encoder_body": "Body", "encoder_body_0": "ConvBNReLU",
                     "encoder_body_1": "ConvBNReLU"}
    assert parents(graph) == {"encoder": None, "head": None, "encoder_stem": "encoder",
                              "encoder_body": "encoder", "encoder_body_0": "encoder_body",
                              "encoder_body_1": "encoder_body"}
    code, printed, _ = run(capsys, "summary", str(project_path))
    assert "\n  encoder_body " in printed and "\n      encoder_body_0_0 " in printed
    folder = tmp_path / "code"
    assert run(capsys, "export", str(project_path), "--format", "python", "-o", str(folder),
               "--weights", str(weights))[0] == 0
    model = network_class(model_module(folder))().eval()
    model.load_state_dict(load_file(str(folder / "weights.safetensors")))
    x = torch.randn(3, 1, 16, 20)
    with torch.no_grad():
        torch.testing.assert_close(model(x), _original("NestedCRNN")(x), rtol=0, atol=1e-5)


def test_every_blocks_interface_is_the_same_from_the_one_pass_and_alone(resnet) -> None:
    graph = load_project(resnet[0]).graph
    found = interfaces(graph)
    for block in graph.blocks.values():
        alone = interface(graph, block)
        assert (found[block.id].inputs, found[block.id].outputs) == (alone.inputs,
                                                                     alone.outputs)
        assert sorted(map(str, found[block.id].entries)) == sorted(map(str, alone.entries))


def test_nested_blocks_save_and_load_back_identical(resnet) -> None:
    project = load_project(resnet[0])
    text = dumps_project(project)
    assert parse_project(text).graph == project.graph
    assert dumps_project(parse_project(text)) == text


def _chain(*ids: str):
    layers = [("x", "Input", {"shape": [4]})]
    layers += [(i, "Linear", {"out_features": 4}) if i.startswith("fc") else (i, "ReLU")
               for i in ids]
    return graph_of(*layers)


def test_grouping_blocks_with_layers_makes_a_block_that_holds_them() -> None:
    graph = _chain("fc1", "r1", "fc2", "r2", "fc3")
    graph, first = grouped(graph, ["fc1", "r1"])
    graph, second = grouped(graph, ["fc2", "r2"])
    graph, outer = grouped(graph, [first, second, "fc3"])
    assert graph.blocks[outer].nodes == ["fc1", "r1", "fc2", "r2", "fc3"]
    assert parents(graph) == {first: outer, second: outer, outer: None}
    assert analyse(graph).ok
    # the selection may not cut a block, and a block may not repeat while nested
    assert "which the selection cuts" in grouped(graph, ["r1", "fc2"])
    graph.blocks[first].repeat = 2
    assert any("repeated block stands alone" in p.message for p in analyse(graph).errors)


@pytest.mark.parametrize(("blocks", "words"), [
    ([Block("a", ["fc1", "r1"]), Block("b", ["r1", "fc2"])], "neither holds the other"),
    ([Block("a", ["fc1", "r1"]), Block("b", ["fc1", "r1"])], "holds the same layers"),
])
def test_blocks_that_share_layers_without_nesting_are_an_error(blocks, words) -> None:
    graph = _chain("fc1", "r1", "fc2")
    graph.blocks = {b.id: b for b in blocks}
    assert any(words in p.message for p in analyse(graph).errors)


def test_the_canvas_shows_the_outermost_collapsed_block_and_opening_shows_the_inner(
        resnet) -> None:
    graph = load_project(resnet[0]).graph
    view = collapsed_view(graph)
    assert [n for n in view.graph.nodes if n.startswith("layer")] == [
        "layer1", "layer2", "layer3", "layer4"]
    shown = view_analysis(analyse(graph), graph, view)
    assert str(shown.nodes["layer2"].output) == "[128, 4, 4]"
    opened = opened_in_place(graph, "layer2")
    view = collapsed_view(opened)
    assert "layer2_0" in view.graph.nodes and "layer2" not in view.graph.nodes
    assert view.shown_id("layer2_0_downsample_0") == "layer2_0"
    places = [view.graph.nodes[n].position for n in ("layer1", "layer2_0", "layer2_1",
                                                     "layer3")]
    assert places == sorted(places, key=lambda p: p[1]), "opened in the flow, in order"
    deeper = collapsed_view(opened_in_place(opened, "layer2_0"))
    assert "layer2_0_downsample" in deeper.graph.nodes and "layer2_0_conv1" in \
        deeper.graph.nodes
