"""Operations that hold tensors of their own: a learnt one (an attention query, a class
token) or fixed values (a mean to subtract), and zeros made for each sample. Their shapes
are torch's, their learnt values are weights (counted, saved, exported as nn.Parameter),
their fixed values travel with the project, and code that keeps such tensors imports."""

from __future__ import annotations

import math
import random

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from engine.analysis import analyse
from engine.catalogue import CATALOGUE, TensorInfo
from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node
from engine.importing.api import project_from_module
from engine.importing.problems import ImportProblem
from engine.project import Project, load_project, save_project
from tests.engine.export_helpers import exported_code, model_module, network_class
from tests.engine.operation_cases import x_

SPEC = CATALOGUE["Operation"]


def _network(shape: list[int], **params) -> Graph:
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": shape}))
    graph.add_node(Node("op", "Operation", params))
    graph.add_edge(Edge("x", "op"))
    return graph


def test_shapes_are_torchs_own_for_held_tensors_that_broadcast_or_multiply():
    rng = random.Random(3)
    for _ in range(120):
        rank = rng.randint(1, 4)
        sample = [rng.randint(1, 5) for _ in range(rank)]
        call = rng.choice(["add", "sub", "mul", "truediv", "torch.maximum", "torch.matmul"])
        if call == "torch.matmul":
            held = [sample[-1], rng.randint(1, 4)] if rng.random() < 0.7 else [sample[-1]]
        else:  # a suffix of the sample's shape, some sizes 1, as broadcasting allows
            held = [s if rng.random() < 0.6 else 1 for s in sample[rng.randint(0, rank):]]
        entry = {"shape": held, "learnt": rng.random() < 0.5, "init": "normal"}
        graph = _network(sample, call=call, args=[x_(), {"tensor": 0}], tensors=[entry])
        analysis = analyse(graph)
        assert analysis.ok, (call, sample, held, [p.message for p in analysis.errors])
        network = compile_graph(graph, analysis)
        x = torch.randn(3, *sample)
        function = {"add": torch.add, "sub": torch.sub, "mul": torch.mul,
                    "truediv": torch.div, "torch.maximum": torch.maximum,
                    "torch.matmul": torch.matmul}[call]
        want = function(x, network.op)
        got = network(x)
        assert analysis.nodes["op"].output.shape == tuple(want.shape[1:])
        torch.testing.assert_close(got, want)


def test_a_learnt_tensor_is_a_weight_and_fixed_values_are_not():
    graph = _network([5, 8], call="torch.matmul", args=[x_(), {"tensor": 0}],
                     tensors=[{"shape": [8], "learnt": True, "init": "normal", "std": 0.1}])
    graph.add_node(Node("centred", "Operation", {
        "call": "sub", "args": [x_(), {"tensor": 0}],
        "tensors": [{"shape": [8], "init": "values", "values": [0.5] * 8}]}))
    graph.add_edge(Edge("x", "centred"))
    analysis = analyse(graph)
    assert analysis.ok
    assert analysis.nodes["op"].param_count == 8
    assert analysis.nodes["centred"].param_count == 0
    network = compile_graph(graph, analysis)
    assert list(network.state_dict()) == ["op"]
    assert sum(p.numel() for p in network.parameters()) == 8
    assert torch.equal(network.centred, torch.full((8,), 0.5))
    x = torch.randn(2, 5, 8)
    _, centred = network(x)
    torch.testing.assert_close(centred, x - 0.5)


def test_a_node_holding_several_tensors_names_each_and_its_code_says_so():
    params = {"call": "torch.clamp", "args": [x_()],
              "kwargs": {"min": {"tensor": 0}, "max": {"tensor": 1}},
              "tensors": [{"shape": [4], "learnt": True}, {"shape": [4], "init": "ones"}]}
    resolved = SPEC.resolve(params)
    assert SPEC.code(resolved, [TensorInfo((4,))], ["x"], "self.clip") == \
        "torch.clamp(x, min=self.clip_0, max=self.clip_1)"
    network = compile_graph(_network([4], **params))
    assert list(network.state_dict()) == ["op_0"]
    x = torch.randn(2, 4) * 3
    torch.testing.assert_close(network(x), torch.clamp(x, min=torch.zeros(4), max=torch.ones(4)))


@pytest.mark.parametrize(("params", "text"), [
    ({"call": "torch.cat", "args": [[x_(), {"zeros": [4, 6]}]], "kwargs": {"dim": 1}},
     "torch.cat([x, torch.zeros(x.size(0), 4, 6, device=x.device)], dim=1)"),
    ({"call": "torch.cat", "args": [[{"call": "Tensor.expand", "args": [
        {"tensor": 0}, {"batch": 1}, -1, -1]}, x_()]], "kwargs": {"dim": 1},
      "tensors": [{"shape": [1, 1, 6], "learnt": True}]},
     "torch.cat([self.op.expand(x.size(0), -1, -1), x], dim=1)"),
    ({"call": "add", "args": [x_(), {"call": "getitem", "args": [
        {"tensor": 0}, {"tuple": [{"slice": [None, None, None]}, {"slice": [None, 3, None]}]}
    ]}], "tensors": [{"shape": [1, 10, 6], "learnt": True}]},
     "(x + self.op[:, :3])"),
])
def test_zeros_per_sample_and_calls_on_held_tensors_are_written_as_people_write_them(
        params, text):
    resolved = SPEC.resolve(params)
    assert SPEC.code(resolved, [TensorInfo((3, 6))], ["x"], "self.op") == text
    graph = _network([3, 6], **params)
    analysis = analyse(graph)
    assert analysis.ok, [p.message for p in analysis.errors]
    network = compile_graph(graph, analysis)
    assert network(torch.randn(2, 3, 6)).shape[0] == 2


@pytest.mark.parametrize(("entry", "words"), [
    ({"shape": [2, 2], "init": "values", "values": [1.0, 2.0]},
     "values have the shape [2], not [2, 2]"),
    ({"shape": [300, 300], "init": "values", "values": [[0.0] * 300] * 300},
     "at most 65,536 fixed values"),
    ({"shape": [4], "init": "xavier"}, "init is one of zeros, ones, normal, values"),
    ({"shape": [4], "learnt": True, "dtype": "int64"}, "a learnt tensor holds float32"),
    ({"shape": [0]}, "whole numbers ≥ 1"),
    ({"shape": [4], "init": "normal", "std": -1}, "std is a number > 0"),
])
def test_a_held_tensor_that_cannot_be_is_a_sentence(entry, words):
    graph = _network([4], call="add", args=[x_(), {"tensor": 0}], tensors=[entry])
    messages = " ".join(p.message for p in analyse(graph).errors)
    assert words in messages


def test_a_call_naming_a_tensor_the_node_does_not_hold_is_a_problem():
    graph = _network([4], call="add", args=[x_(), {"tensor": 1}],
                     tensors=[{"shape": [4]}])
    messages = " ".join(p.message for p in analyse(graph).errors)
    assert "names a tensor the node does not hold (it holds 1)" in messages


class _Normalised(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.linspace(-1, 1, 6))
        self.query = nn.Parameter(torch.randn(6))
        self.gate = nn.Parameter(torch.zeros(1))
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        x = (x - self.mean) * torch.sigmoid(self.gate)
        weights = torch.softmax(x @ self.query, dim=1).unsqueeze(-1)
        return self.fc((x * weights).sum(1))


def test_an_imported_module_keeps_its_buffers_and_parameters_through_file_code_and_import(
        tmp_path, capsys):
    torch.manual_seed(0)
    module = _Normalised().eval()
    imported = project_from_module(module, (7, 6))
    graph = imported.project.graph
    held = [n for n in graph.nodes.values() if n.params.get("tensors")]
    assert len(held) == 3
    path = tmp_path / "normalised.ndproj"
    save_project(imported.project, path)
    loaded = load_project(path)
    assert loaded.graph == graph
    network = compile_graph(loaded.graph).eval()
    state = imported.state_dict()
    network.load_state_dict(state)
    assert sum(p.numel() for p in network.parameters()) == \
        sum(p.numel() for p in module.parameters())
    x = torch.randn(3, 7, 6)
    with torch.no_grad():
        torch.testing.assert_close(network(x), module(x), rtol=0, atol=1e-6)

    source = exported_code(capsys, imported, tmp_path)
    assert "nn.Parameter(" in source and "register_buffer(" in source
    assert max(len(line) for line in source.splitlines()) <= 88
    exported = network_class(model_module(tmp_path / "code"))().eval()
    exported.load_state_dict(load_file(str(tmp_path / "code" / "weights.safetensors")))
    with torch.no_grad():
        torch.testing.assert_close(exported(x), module(x), rtol=0, atol=1e-6)
    again = project_from_module(exported, (7, 6))  # the exported code imports as it was
    assert [n.params.get("tensors") for n in again.project.graph.nodes.values()] == \
        [n.params.get("tensors") for n in graph.nodes.values()]


class _SharedQuery(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Parameter(torch.randn(4))

    def forward(self, x):
        return (x @ self.query) + (x.flip(1) @ self.query)


class _Kronecker(nn.Module):
    def __init__(self):
        super().__init__()
        self.small = nn.Parameter(torch.randn(2, 2))

    def forward(self, x):
        return x @ torch.kron(self.small, self.small)


class _LargeTable(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.randn(300, 300))

    def forward(self, x):
        return x @ self.table


@pytest.mark.parametrize(("module", "shape", "words"), [
    (_SharedQuery(), (5, 4), "uses the learnt tensor self.query again"),
    (_Kronecker(), (3, 4), "changes a learnt tensor before it meets the input"),
    (_LargeTable(), (300,), "self.table holds 90,000 fixed values"),
])
def test_what_a_project_cannot_hold_is_refused_with_the_reason(module, shape, words):
    with pytest.raises(ImportProblem) as refused:
        project_from_module(module, shape)
    assert words in str(refused.value)


def test_fixed_values_survive_training_from_scratch_as_the_project_holds_them(tmp_path):
    values = [[0.25 * k for k in range(4)]]
    graph = _network([3, 4], call="sub", args=[x_(), {"tensor": 0}],
                     tensors=[{"shape": [1, 4], "init": "values", "values": values}])
    save_project(Project("fixed", graph, None), tmp_path / "fixed.ndproj")
    network = compile_graph(load_project(tmp_path / "fixed.ndproj").graph)
    assert torch.equal(network.op, torch.tensor(values))
    assert math.prod(network.op.shape) == 4 and not list(network.parameters())
