"""Layers that use another layer's weights (`shares`): one module called in several places.
The analysis says when a layer cannot share what it names, the shared weights are counted
and saved once, the compiled network and its code call one module, training moves them
with the gradients of every call, and code that calls a module again imports so."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.analysis import analyse
from engine.compiler import compile_graph
from engine.graph import Edge, Graph, Node
from engine.importing.api import import_network
from engine.project import Project, load_project, save_project
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import exported_code, model_module, network_class

MODELS = Path(__file__).parent / "importing_models" / "shared_weight_models.py"


def _twice(first: dict, second: dict, shape=(6,)) -> Graph:
    """x → a → b, b shaped by `second`, a by `first`."""
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": list(shape)}))
    graph.add_node(Node("a", "Linear", first))
    graph.add_node(Node("b", "Linear", second))
    graph.add_edge(Edge("x", "a"))
    graph.add_edge(Edge("a", "b"))
    return graph


def test_a_layer_sharing_weights_calls_the_same_module_and_counts_them_once():
    graph = _twice({"out_features": 6}, {"out_features": 6, "shares": "a"})
    analysis = analyse(graph)
    assert analysis.ok, [p.message for p in analysis.errors]
    assert analysis.nodes["b"].param_count == 0
    assert analysis.total_params == 42
    network = compile_graph(graph, analysis)
    assert list(network.state_dict()) == ["a.weight", "a.bias"]
    assert "b = self.a(a)" in network.code
    x = torch.randn(4, 6)
    torch.testing.assert_close(network(x), network.a(network.a(x)))


def test_training_moves_shared_weights_with_the_gradient_of_every_call():
    graph = _twice({"out_features": 6, "bias": False},
                   {"out_features": 6, "bias": False, "shares": "a"})
    network = compile_graph(graph)
    x = torch.randn(3, 6)
    network(x).sum().backward()
    weight = network.a.weight.detach().clone().requires_grad_(True)
    expected, = torch.autograd.grad((x @ weight.T @ weight.T).sum(), weight)
    torch.testing.assert_close(network.a.weight.grad, expected)


@pytest.mark.parametrize(("second", "words"), [
    ({"out_features": 6, "shares": "zz"}, "shares the weights of 'zz', which is not in the "
                                          "network"),
    ({"out_features": 6, "shares": "b"}, "shares its own weights"),
    ({"out_features": 6, "bias": False, "shares": "a"},
     "its bias is False where that one's is True"),
    ({"out_features": 6, "shares": "x"}, "which is an Input, not a Linear"),
])
def test_a_layer_that_cannot_share_what_it_names_says_why(second, words):
    analysis = analyse(_twice({"out_features": 6}, second))
    assert words in " ".join(p.message for p in analysis.errors)


def test_weights_that_would_take_other_shapes_cannot_be_shared():
    graph = _twice({"out_features": 4}, {"out_features": 4, "shares": "a"})
    messages = " ".join(p.message for p in analyse(graph).errors)
    assert "its input [4] would give them other shapes than 'a''s input [6] does" in messages


def test_a_chain_of_sharing_names_the_layer_that_holds_them():
    graph = _twice({"out_features": 6}, {"out_features": 6, "shares": "a"})
    graph.add_node(Node("c", "Linear", {"out_features": 6, "shares": "b"}))
    graph.add_edge(Edge("b", "c"))
    messages = " ".join(p.message for p in analyse(graph).errors)
    assert "which uses another layer's; name 'a' instead" in messages


def test_sharing_survives_the_file_and_the_exported_code(tmp_path, capsys):
    graph = _twice({"out_features": 6}, {"out_features": 6, "shares": "a"})
    path = tmp_path / "shared.ndproj"
    save_project(Project("shared", graph, None), path)
    loaded = load_project(path)
    assert loaded.graph.nodes["b"].params == {"out_features": 6, "shares": "a"}
    code, _, err = run(capsys, "export", str(path), "--format", "python", "-o",
                       str(tmp_path / "code"))
    assert code == 0, err
    source = (tmp_path / "code" / "model.py").read_text()
    assert source.count("nn.Linear(") == 1 and "b = self.a(a)" in source
    exported = network_class(model_module(tmp_path / "code"))()
    assert sum(p.numel() for p in exported.parameters()) == 42


def test_blocks_whose_layers_share_weights_are_written_flat(tmp_path, capsys):
    imported = import_network(MODELS, "TinyConvLSTM", (3, 1, 6, 6))
    shared = [n for n in imported.project.graph.nodes.values() if n.params.get("shares")]
    assert len(shared) == 2  # the cell's convolution at the second and third frames
    assert imported.project.graph.blocks
    source = exported_code(capsys, imported, tmp_path)
    assert "class TinyConvLSTMCell" not in source and source.count("nn.Conv2d(") == 2


def test_a_siamese_encoder_applied_to_two_inputs_imports_with_its_weights_once():
    torch.manual_seed(0)
    imported = import_network(MODELS, "Siamese", [(4, 20), (4, 20)])
    network = compile_graph(imported.project.graph).eval()
    network.load_state_dict(imported.state_dict())
    module = imported.module.eval()
    assert sum(p.numel() for p in network.parameters()) == \
        sum(p.numel() for p in module.parameters())
    a, b = torch.randn(3, 4, 20), torch.randn(3, 4, 20)
    with torch.no_grad():
        torch.testing.assert_close(network(a, b), module(a, b), rtol=0, atol=1e-6)


def test_renaming_and_copying_keep_what_each_layer_shares():
    from engine.editing import fragment, merge_ids

    graph = _twice({"out_features": 6}, {"out_features": 6, "shares": "a"})
    graph.rename_node("a", "first")
    assert graph.nodes["b"].params["shares"] == "first"
    both, _ = merge_ids(graph, fragment(graph, ["first", "b"]))
    assert [(n.id, n.params.get("shares")) for n in both] == [("first_2", None),
                                                               ("b_2", "first_2")]
    alone, _ = merge_ids(graph, fragment(graph, ["b"]))
    assert alone[0].params["shares"] == "first"  # a copy of the caller alone: the same one
