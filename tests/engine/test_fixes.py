"""Quick fixes: each repairs its problem on a real graph, and only working fixes are offered."""

from __future__ import annotations

import pytest

from engine.analysis import analyse
from engine.fixes import connection_adapters, fixes_for, fixes_for_node
from engine.graph import Graph
from tests.engine.builders import graph_of

CE = {"loss": "CrossEntropyLoss"}


def _problem(graph: Graph, node_id: str, training=None):
    (problem,) = [p for p in analyse(graph, training).problems if p.node == node_id]
    return problem


def _apply(graph: Graph, node_id: str, title_start: str, training=None) -> Graph:
    problem = _problem(graph, node_id, training)
    fixes = fixes_for(graph, problem, training)
    chosen = [f for f in fixes if f.title.startswith(title_start)]
    assert chosen, [f.title for f in fixes]
    after = analyse(chosen[0].graph, training)
    assert not [p for p in after.problems if p.node == node_id], after.problems
    assert after.ok
    return chosen[0].graph


def test_an_image_into_an_lstm_gets_a_tosequence() -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}), ("lstm", "LSTM", {"hidden_size": 4}))
    fixed = _apply(graph, "lstm", "Insert ToSequence")
    assert [n.type for n in fixed.nodes.values()] == ["Input", "ToSequence", "LSTM"]
    assert analyse(fixed).nodes["lstm"].output.shape == (8, 4)
    assert graph.nodes.keys() == {"x", "lstm"}, "the original graph is left alone"


def test_an_image_into_a_linear_is_flattened_first() -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}), ("fc", "Linear", {"out_features": 10}))
    fixed = _apply(graph, "fc", "Insert Flatten")
    assert analyse(fixed).nodes["fc"].output.shape == (10,)


def test_a_sequence_into_conv1d_is_permuted_to_slide_over_time() -> None:
    graph = graph_of(("x", "Input", {"shape": [20, 4]}), ("lstm", "LSTM", {"hidden_size": 6}),
                     ("conv", "Conv1d", {"out_channels": 8, "kernel_size": 3}))
    fixed = _apply(graph, "conv", "Insert Permute")
    assert analyse(fixed).nodes["conv"].output.shape == (8, 18)


def test_an_add_of_different_channels_gets_a_1x1_conv_on_the_narrow_branch() -> None:
    graph = graph_of(
        ("x", "Input", {"shape": [1, 8, 8]}),
        ("a", "Conv2d", {"out_channels": 4, "padding": 1}),
        ("b", "Conv2d", {"out_channels": 8, "padding": 1}),
        ("sum", "Add"),
        edges=[("x", "a"), ("x", "b"), ("a", "sum", 0), ("b", "sum", 1)])
    fixed = _apply(graph, "sum", "Insert a 1×1 Conv2d")
    (added,) = set(fixed.nodes) - set(graph.nodes)
    assert fixed.nodes[added].params == {"out_channels": 8, "kernel_size": 1}
    assert [e.source for e in fixed.incoming(added)] == ["a"]


def test_an_add_of_vectors_of_different_lengths_gets_a_linear() -> None:
    graph = graph_of(("x", "Input", {"shape": [6]}), ("a", "Linear", {"out_features": 3}),
                     ("sum", "Add"), edges=[("x", "a"), ("x", "sum", 0), ("a", "sum", 1)])
    fixed = _apply(graph, "sum", "Insert a Linear")
    assert analyse(fixed).nodes["sum"].output.shape == (6,)


@pytest.mark.parametrize(("fix", "params"), [("Shrink", {"kernel_size": 8}),
                                             ("Pad", {"kernel_size": 11, "padding": 2})])
def test_a_kernel_larger_than_its_input_is_shrunk_or_padded(fix: str, params: dict) -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}),
                     ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 11}))
    fixed = _apply(graph, "conv", fix)
    assert fixed.nodes["conv"].params == {"out_channels": 4, **params}


def test_a_softmax_before_cross_entropy_is_removed_and_its_input_becomes_the_output() -> None:
    graph = graph_of(("x", "Input", {"shape": [10]}), ("fc", "Linear", {"out_features": 3}),
                     ("soft", "Softmax"))
    fixed = _apply(graph, "soft", "Remove 'soft'", CE)
    assert list(fixed.nodes) == ["x", "fc"]
    assert analyse(fixed, CE).outputs == ["fc"]


def test_a_misspelt_parameter_is_renamed_keeping_its_value() -> None:
    graph = graph_of(("x", "Input", {"shape": [10]}), ("fc", "Linear", {"out_featurs": 7}))
    fixed = _apply(graph, "fc", "Rename parameter 'out_featurs'")
    assert fixed.nodes["fc"].params == {"out_features": 7}


def test_a_misspelt_layer_type_is_corrected() -> None:
    graph = graph_of(("x", "Input", {"shape": [10]}), ("fc", "Lineer", {"out_features": 7}))
    fixed = _apply(graph, "fc", "Change 'fc' to a Linear")
    assert fixed.nodes["fc"].type == "Linear"


def test_an_unconnected_layer_is_connected_to_the_nearest_output_it_can_take() -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}), ("flat", "Flatten"),
                     ("fc", "Linear", {"out_features": 3}), edges=[("x", "flat")])
    graph.nodes["x"].position = (0.0, 0.0)
    graph.nodes["flat"].position = (0.0, 100.0)
    graph.nodes["fc"].position = (0.0, 200.0)
    problem = _problem(graph, "fc")
    titles = [f.title for f in fixes_for(graph, problem)]
    assert titles[0] == "Connect 'flat' → 'fc'"
    _apply(graph, "fc", "Connect 'flat'")


def test_no_fix_is_offered_when_none_repairs_the_problem() -> None:
    graph = graph_of(("x", "Input", {"shape": [3, 8, 8]}), ("a", "Conv2d", {"padding": 1}),
                     ("b", "MaxPool2d"), ("sum", "Add"),
                     edges=[("x", "a"), ("a", "b"), ("a", "sum", 0), ("b", "sum", 1)])
    assert fixes_for(graph, _problem(graph, "sum")) == []


def test_fixes_for_a_node_gather_every_problem_it_has() -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}),
                     ("conv", "Conv2d", {"kernel_size": 11, "strid": 1}))
    titles = [f.title for f in fixes_for_node(graph, "conv")]
    assert "Rename parameter 'strid' of 'conv' to 'stride'" in titles


def test_a_connection_the_target_refuses_is_offered_through_an_adapter() -> None:
    graph = graph_of(("x", "Input", {"shape": [1, 8, 8]}), ("lstm", "LSTM", {"hidden_size": 4}),
                     edges=[])
    analysis = analyse(graph)
    (fix,) = connection_adapters(graph, analysis, "x", "lstm")
    assert fix.title == "Connect through ToSequence"
    assert analyse(fix.graph).nodes["lstm"].output.shape == (8, 4)
    assert connection_adapters(graph, analysis, "lstm", "x") == []
