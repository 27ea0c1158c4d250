"""Sequences of different lengths in one batch: an Input marked variable_length takes the
batch padded at the end and each sequence's true length; recurrent layers run over the true
steps only and LastStep takes each sequence's own last step, so each sequence's output is
what the network computes for it alone, whatever the padding holds. The same holds for the
network exported as model.py, TorchScript and ONNX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from engine.analysis import analyse
from engine.cli import main
from engine.codegen import takes_lengths
from engine.compiler import compile_graph
from engine.export.prepare import prepare
from engine.export.python_code import model_source
from engine.graph import Graph
from engine.project import Project, load_project, save_project
from tests.engine.builders import graph_of

pytestmark = pytest.mark.filterwarnings("ignore:dropout option adds dropout")

STEPS, FEATURES = 12, 3
LENGTHS = torch.tensor([12, 7, 1, 4])


def recurrent_graph(kind: str = "LSTM", variable: bool = True, steps: int = STEPS,
                    **recurrent) -> Graph:
    params = {"hidden_size": 6, **recurrent}
    return graph_of(("seq", "Input", {"shape": [steps, FEATURES], "variable_length": variable}),
                    ("norm", "LayerNorm", {}), ("step", "Linear", {"out_features": 5}),
                    ("act", "Tanh"), ("rnn", kind, params), ("last", "LastStep"),
                    ("out", "Linear", {"out_features": 2}))


def padded(values: torch.Tensor, lengths: torch.Tensor, fill: str = "zeros") -> torch.Tensor:
    result = values.clone()
    for row, length in enumerate(lengths.tolist()):
        tail = result[row, length:]
        tail.copy_(torch.zeros_like(tail) if fill == "zeros" else torch.randn_like(tail) * 9)
    return result


def alone(graph: Graph, network: torch.nn.Module, values: torch.Tensor,
          lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence through a network made for its own length, with the same weights."""
    outputs = []
    for row, length in enumerate(lengths.tolist()):
        own = graph.copy()
        own.nodes["seq"].params.update(shape=[length, FEATURES], variable_length=False)
        single = compile_graph(own).eval()
        single.load_state_dict(network.state_dict())
        with torch.no_grad():
            outputs.append(single(values[row:row + 1, :length])[0])
    return torch.stack(outputs)


@pytest.mark.parametrize("kind, recurrent", [
    ("LSTM", {}), ("LSTM", {"bidirectional": True, "num_layers": 2}),
    ("GRU", {"bidirectional": True}), ("GRU", {"num_layers": 3, "dropout": 0.2}),
    ("RNN", {"bidirectional": True, "num_layers": 2}), ("RNN", {"nonlinearity": "relu"}),
])
def test_each_sequence_gives_what_it_gives_alone_whatever_the_padding(kind, recurrent):
    graph = recurrent_graph(kind, **recurrent)
    torch.manual_seed(0)
    network = compile_graph(graph).eval()
    assert network.takes_lengths
    values = torch.randn(len(LENGTHS), STEPS, FEATURES)
    expected = alone(graph, network, values, LENGTHS)
    with torch.no_grad():
        for fill in ("zeros", "noise"):
            ours = network(padded(values, LENGTHS, fill), LENGTHS)
            torch.testing.assert_close(ours, expected, rtol=0, atol=1e-5)


def test_without_lengths_the_network_reads_every_step():
    graph = recurrent_graph("GRU")
    torch.manual_seed(0)
    network = compile_graph(graph).eval()
    values = torch.randn(2, STEPS, FEATURES)
    full = torch.full((2,), STEPS)
    with torch.no_grad():
        torch.testing.assert_close(network(values), network(values, full))


def test_a_sequence_longer_than_its_padded_batch_length_is_refused_by_torch():
    network = compile_graph(recurrent_graph("LSTM")).eval()
    with pytest.raises(RuntimeError):
        network(torch.randn(2, STEPS, FEATURES), torch.tensor([STEPS + 3, 2]))


@pytest.mark.parametrize("graph, why", [
    (recurrent_graph("LSTM", variable=False), "the Input is not variable_length"),
    (graph_of(("seq", "Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
              ("swap", "Permute"), ("conv", "Conv1d", {"out_channels": 4, "kernel_size": 3}),
              ("back", "ToSequence"), ("rnn", "GRU", {"hidden_size": 4}), ("last", "LastStep")),
     "a convolution mixes the padding into the real steps before the GRU"),
    (graph_of(("seq", "Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
              ("flat", "Flatten"), ("out", "Linear", {"out_features": 2})),
     "nothing in it reads time"),
], ids=["fixed_input", "convolution_first", "no_recurrent_layer"])
def test_networks_that_cannot_use_true_lengths_take_none(graph, why):
    analysis = analyse(graph)
    assert analysis.ok, analysis.errors
    assert not takes_lengths(graph, analysis), why
    assert "lengths" not in compile_graph(graph).code


def test_a_recurrent_layer_after_a_sequence_to_sequence_recurrent_layer_is_packed_too():
    graph = graph_of(("seq", "Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
                     ("first", "LSTM", {"hidden_size": 5, "bidirectional": True}),
                     ("drop", "Dropout", {"p": 0.3}), ("second", "GRU", {"hidden_size": 4}),
                     ("last", "LastStep"))
    torch.manual_seed(1)
    network = compile_graph(graph).eval()
    values = torch.randn(len(LENGTHS), STEPS, FEATURES)
    with torch.no_grad():
        torch.testing.assert_close(network(padded(values, LENGTHS, "noise"), LENGTHS),
                                   alone(graph, network, values, LENGTHS), rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def project_with_weights(tmp_path_factory) -> tuple[Path, Path, torch.nn.Module]:
    """A project, weights of its own (not the initial ones) and its network holding them."""
    folder = tmp_path_factory.mktemp("variable")
    graph = recurrent_graph("LSTM", bidirectional=True, num_layers=2)
    path = folder / "seq.ndproj"
    save_project(Project("seq", graph), path)
    torch.manual_seed(3)
    network = compile_graph(graph).eval()
    save_file(dict(network.state_dict()), str(folder / "weights.safetensors"))
    return path, folder / "weights.safetensors", network


def exported(project_with_weights, output: Path, format_name: str) -> torch.nn.Module:
    path, weights, network = project_with_weights
    assert main(["export", str(path), "--format", format_name, "-o", str(output),
                 "--weights", str(weights)]) == 0
    return network


def test_model_py_takes_the_lengths_and_computes_the_same(project_with_weights, tmp_path):
    path, _, network = project_with_weights
    source = model_source(prepare(load_project(path)), "Seq")
    assert "self, seq: torch.Tensor, lengths: torch.Tensor | None = None" in source
    assert "outputs = model(padded, lengths)" in source
    namespace: dict = {}
    exec(compile(source, "model.py", "exec"), namespace)
    written = namespace["Seq"]().eval()
    written.load_state_dict(network.state_dict())
    values = padded(torch.randn(len(LENGTHS), STEPS, FEATURES), LENGTHS, "noise")
    with torch.no_grad():
        torch.testing.assert_close(written(values, LENGTHS), network(values, LENGTHS),
                                   rtol=0, atol=1e-6)


def test_torchscript_takes_the_lengths(project_with_weights, tmp_path):
    network = exported(project_with_weights, tmp_path / "seq.pt", "torchscript")
    scripted = torch.jit.load(str(tmp_path / "seq.pt")).eval()
    values = padded(torch.randn(len(LENGTHS), STEPS, FEATURES), LENGTHS, "noise")
    with torch.no_grad():
        torch.testing.assert_close(scripted(values, LENGTHS), network(values, LENGTHS),
                                   rtol=0, atol=1e-6)


def test_onnx_takes_the_lengths_at_any_batch_size_and_padded_length(project_with_weights,
                                                                    tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    network = exported(project_with_weights, tmp_path / "s.onnx", "onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "s.onnx"),
                                           providers=["CPUExecutionProvider"])
    assert [given.name for given in session.get_inputs()] == ["seq", "lengths"]
    for lengths in (torch.tensor([5]), torch.tensor([16, 3, 9]), LENGTHS):
        steps = int(lengths.max())
        values = padded(torch.randn(len(lengths), steps, FEATURES), lengths, "noise")
        with torch.no_grad():
            expected = network(values, lengths).numpy()
        (ours,) = session.run(None, {"seq": values.numpy(), "lengths": lengths.numpy()})
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)
