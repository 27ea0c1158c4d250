"""Operation nodes: tensor operations that are not layers, a call from an allow-list with
JSON arguments. Their shapes come from torch itself (meta tensors), their code is the call
as written, and imported code that uses them gives the original's outputs."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest
import torch

from engine.analysis import analyse
from engine.catalogue import CATALOGUE, LayerError, ParamError, TensorInfo
from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node
from engine.importing.api import import_network
from engine.project import Project, load_project, save_project
from tests.engine.cli_helpers import run
from tests.engine.importing_models.operation_models import INPUT_SHAPES
from tests.engine.operation_cases import random_case, slice_, x_

SPEC = CATALOGUE["Operation"]
MODELS = Path(__file__).parent / "importing_models" / "operation_models.py"


def test_shape_inference_is_torchs_own_for_random_calls_and_shapes():
    rng = random.Random(7)
    for _ in range(300):
        params, shapes = random_case(rng)
        resolved = SPEC.resolve(params)
        inputs = [TensorInfo(s) for s in shapes]
        tensors = [torch.randn(5, *s) for s in shapes]
        graph = Graph()
        for index in range(len(shapes)):
            graph.add_node(Node(f"x{index}", "Input", {"shape": list(shapes[index])}))
        graph.add_node(Node("op", "Operation", params))
        for index in range(len(shapes)):
            graph.add_edge(Edge(f"x{index}", "op", index))
        expected = compile_graph(graph)(*tensors)
        assert SPEC.output(resolved, inputs).shape == tuple(expected.shape[1:]), params


CODE = [
    ({"call": "getitem", "args": [x_(), {"tuple": [slice_(), slice_(), slice_(128)]}]},
     "x[:, :, 128:]"),
    ({"call": "torch.chunk", "args": [x_(), 2], "kwargs": {"dim": 1}, "item": 0},
     "torch.chunk(x, 2, dim=1)[0]"),
    ({"call": "mul", "args": [x_(), 0.5]}, "(x * 0.5)"),
    ({"call": "Tensor.reshape", "args": [x_(), {"batch": 1}, -1]}, "x.reshape(x.size(0), -1)"),
    ({"call": "torch.stack", "args": [{"inputs": [0, 1]}], "kwargs": {"dim": 1}},
     "torch.stack([x, y], dim=1)"),
    ({"call": "getitem", "args": [x_(), {"tuple": [{"ellipsis": True}, -1]}]}, "x[..., -1]"),
]


@pytest.mark.parametrize(("params", "text"), CODE)
def test_the_code_is_the_call_as_a_person_writes_it(params, text):
    assert SPEC.code(SPEC.resolve(params), [], ["x", "y"], "op") == text


@pytest.mark.parametrize(("params", "words"), [
    ({"call": "os.system", "args": [x_()]}, "'os.system' is not an operation Netdesigner runs"),
    ({"call": "torch.chunkk", "args": [x_(), 2]}, "did you mean 'torch.chunk'?"),
    ({"call": "getitem", "args": [x_(), {"lambda": 1}]}, "is not an argument"),
    ({"call": "torch.cat", "args": [{"inputs": [0, 3]}]}, "names inputs it does not have"),
    ({"call": "Tensor.reshape", "args": [x_(), 2, -1]}, "mixes the samples of a batch"),
    ({"call": "torch.chunk", "args": [x_(), 2], "kwargs": {"dim": 7}, "item": 0},
     "torch.chunk(x0, 2, dim=7)[0] fails on [4, 6]: Dimension out of range"),
])
def test_a_call_that_cannot_run_is_a_problem_naming_it(params, words):
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4, 6]}))
    graph.add_node(Node("op", "Operation", params))
    graph.add_edge(Edge("x", "op"))
    messages = " ".join(p.message for p in analyse(graph).errors)
    assert words in messages


def test_loading_a_project_runs_no_code_it_names(tmp_path):
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("op", "Operation", {"call": "builtins.exec", "args": [
        "import os; os.remove('anything')"]}))
    graph.add_edge(Edge("x", "op"))
    save_project(Project("evil", graph, None), tmp_path / "evil.ndproj")
    project = load_project(tmp_path / "evil.ndproj")
    assert not analyse(project.graph).ok
    with pytest.raises(ParamError):
        SPEC.resolve({"call": "builtins.exec"})
    with pytest.raises(LayerError, match="connected but the call does not use it"):
        SPEC.output(SPEC.resolve({"call": "mul", "args": [x_(), 2]}),
                    [TensorInfo((4,)), TensorInfo((4,))])


@pytest.mark.parametrize("class_name", list(INPUT_SHAPES))
def test_imported_operations_give_the_original_outputs_everywhere(class_name, tmp_path,
                                                                  capsys):
    shape = INPUT_SHAPES[class_name]
    torch.manual_seed(0)  # the command below builds the module again: the same weights
    imported = import_network(MODELS, class_name, shape)
    graph = imported.project.graph
    assert any(node.type == "Operation" for node in graph.nodes.values())
    network = compile_graph(graph, name=class_name)
    network.load_state_dict(imported.state_dict())
    x = torch.randn(3, *shape)
    original = imported.module.eval()(x)
    torch.testing.assert_close(network.eval()(x), original, rtol=0, atol=1e-5)
    assert sum(p.numel() for p in network.parameters()) == \
        sum(p.numel() for p in imported.module.parameters())
    project = tmp_path / "net.ndproj"
    weights = tmp_path / "net.safetensors"
    torch.manual_seed(0)
    code, _, err = run(capsys, "import", f"{MODELS}:{class_name}", "-o", str(project),
                       "--input-shape", ",".join(map(str, shape)), "--weights-out",
                       str(weights))
    assert code == 0, err
    for fmt, target in (("python", tmp_path / "code"), ("torchscript", tmp_path / "n.pt")):
        code, _, err = run(capsys, "export", str(project), "--format", fmt, "-o",
                           str(target), "--weights", str(weights))
        assert code == 0, err
    namespace: dict = {}
    exec((tmp_path / "code" / "model.py").read_text(), namespace)
    from safetensors.torch import load_file

    exported = namespace[_class_in(tmp_path / "code" / "model.py")]()
    exported.load_state_dict(load_file(str(weights)))
    torch.testing.assert_close(exported.eval()(x), original, rtol=0, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.load(str(tmp_path / "n.pt"))
    torch.testing.assert_close(scripted(x), original, rtol=0, atol=1e-5)


def test_an_imported_attention_exports_to_onnx_with_the_same_outputs(tmp_path, capsys):
    onnxruntime = pytest.importorskip("onnxruntime")
    project, weights = tmp_path / "att.ndproj", tmp_path / "att.safetensors"
    torch.manual_seed(0)
    assert run(capsys, "import", f"{MODELS}:Attention", "-o", str(project),
               "--input-shape", "5,12", "--weights-out", str(weights))[0] == 0
    code, _, err = run(capsys, "export", str(project), "--format", "onnx", "-o",
                       str(tmp_path / "att.onnx"), "--weights", str(weights))
    assert code == 0, err
    torch.manual_seed(0)
    imported = import_network(MODELS, "Attention", (5, 12))
    x = torch.randn(4, 5, 12)
    session = onnxruntime.InferenceSession(str(tmp_path / "att.onnx"))
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), imported.module.eval()(x), rtol=0,
                               atol=1e-5)


def test_a_project_with_operations_round_trips_through_its_file_and_its_code(tmp_path,
                                                                             capsys):
    imported = import_network(MODELS, "TimeSlices", INPUT_SHAPES["TimeSlices"])
    path = tmp_path / "slices.ndproj"
    save_project(imported.project, path)
    loaded = load_project(path)
    assert loaded.graph == imported.project.graph
    code, _, err = run(capsys, "export", str(path), "--format", "python", "-o",
                       str(tmp_path / "code"))
    assert code == 0, err
    again = import_network(tmp_path / "code" / "model.py",
                           _class_in(tmp_path / "code" / "model.py"),
                           INPUT_SHAPES["TimeSlices"])
    assert [n.type for n in again.project.graph.nodes.values()] == \
        [n.type for n in loaded.graph.nodes.values()]
    assert [n.params for n in again.project.graph.nodes.values() if n.type == "Operation"] \
        == [n.params for n in loaded.graph.nodes.values() if n.type == "Operation"]
    shapes = analyse(loaded.graph)
    again_shapes = analyse(again.project.graph)
    assert [shapes.nodes[n].output for n in shapes.order] == \
        [again_shapes.nodes[n].output for n in again_shapes.order]


def _class_in(model: Path) -> str:
    for line in model.read_text().splitlines():
        if line.startswith("class ") and "(nn.Module)" in line:
            return line.removeprefix("class ").split("(")[0]
    raise AssertionError("no class")
