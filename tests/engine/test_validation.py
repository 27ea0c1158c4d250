"""Validation finds every problem at once, names its node and says how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis import analyse
from engine.project import load_project
from tests.engine.builders import graph_of

PROJECTS = sorted((Path(__file__).parents[2] / "projects").glob("*.ndproj"))


def errors_of(graph, training=None) -> list[str]:
    return [str(p) for p in analyse(graph, training).errors]


def warnings_of(graph, training=None) -> list[str]:
    return [str(p) for p in analyse(graph, training).warnings]


def only_error(graph) -> str:
    errors = errors_of(graph)
    assert len(errors) == 1, errors
    return errors[0]


IMAGE = ("input", "Input", {"shape": [1, 8, 8]})
SEQUENCE = ("input", "Input", {"shape": [10, 4]})


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.stem)
def test_the_example_projects_are_valid_without_warnings(path):
    project = load_project(path)
    analysis = analyse(project.graph, project.training)
    assert analysis.problems == []
    assert all(analysis.nodes[n].output is not None for n in project.graph.nodes)


def test_an_unknown_layer_type_is_named_with_a_suggestion():
    message = only_error(graph_of(IMAGE, ("c1", "Conv2D")))
    assert "node 'c1' (Conv2D)" in message
    assert "unknown layer type 'Conv2D'" in message and "did you mean 'Conv2d'" in message


def test_an_unknown_parameter_is_named_with_a_suggestion():
    message = only_error(graph_of(IMAGE, ("c1", "Conv2d", {"kernal_size": 3})))
    assert "node 'c1' (Conv2d): unknown parameter 'kernal_size'" in message
    assert "did you mean 'kernel_size'" in message


def test_a_layer_without_parameters_says_so():
    message = only_error(graph_of(IMAGE, ("r", "ReLU", {"inplace": True})))
    assert "ReLU takes no parameters" in message


@pytest.mark.parametrize(("params", "expected"), [
    ({"out_channels": "16"}, "out_channels must be an integer ≥ 1, not '16'"),
    ({"out_channels": 0}, "out_channels must be an integer ≥ 1, not 0"),
    ({"out_channels": 4.0}, "out_channels must be an integer ≥ 1, not 4.0"),
    ({"bias": 1}, "bias must be true or false, not 1"),
    ({"kernel_size": [3, 3, 3]}, "kernel_size must be a positive integer or a list of 2"),
    ({"padding": "full"}, "padding must be an integer ≥ 0 or a list of 2 of them or 'same'"),
    ({"padding_mode": "mirror"}, "padding_mode must be one of 'zeros', 'reflect'"),
])
def test_ill_typed_and_out_of_range_parameters_are_refused(params, expected):
    assert expected in only_error(graph_of(IMAGE, ("c1", "Conv2d", params)))


def test_a_cycle_is_reported_with_its_path():
    graph = graph_of(IMAGE, ("a", "ReLU"), ("b", "ReLU"), ("add", "Add"),
                     edges=[("input", "add"), ("add", "a"), ("a", "b"), ("b", "add", 1)])
    message = only_error(graph)
    assert "is on a cycle a → b → add → a" in message
    assert "remove one of these connections" in message
    assert set(analyse(graph).errors[0].related) == {"b", "add"}


def test_a_layer_with_no_input_is_reported():
    message = only_error(graph_of(IMAGE, ("c1", "Conv2d"), ("lonely", "ReLU"),
                                  edges=[("input", "c1")]))
    assert "node 'lonely' (ReLU): has no input" in message


def test_layers_not_reachable_from_an_input_are_reported():
    graph = graph_of(IMAGE, ("c1", "Conv2d"), ("orphan", "Linear"), ("relu", "ReLU"),
                     edges=[("input", "c1"), ("orphan", "relu")])
    errors = errors_of(graph)
    assert any("node 'orphan' (Linear): has no input" in e for e in errors)
    assert any("node 'relu' (ReLU): is not connected to any Input" in e for e in errors)


def test_two_inputs_into_a_single_input_layer_are_refused_with_a_fix():
    graph = graph_of(IMAGE, ("a", "ReLU"), ("b", "Tanh"), ("c", "Conv2d"),
                     edges=[("input", "a"), ("input", "b"), ("a", "c"), ("b", "c")])
    message = only_error(graph)
    assert "node 'c' (Conv2d): takes one input but 2 are connected ('a', 'b')" in message
    assert "Add or Concat" in message


def test_a_merge_needs_two_inputs_on_distinct_ports():
    assert "has 1 input but takes 2 or more inputs" in only_error(
        graph_of(IMAGE, ("add", "Add")))
    clash = graph_of(IMAGE, ("a", "ReLU"), ("add", "Add"),
                     edges=[("input", "a"), ("input", "add"), ("a", "add")])
    assert "port 0 has several inputs ('input', 'a')" in only_error(clash)


def test_duplicate_and_dangling_edges_are_reported():
    graph = graph_of(IMAGE, ("r", "ReLU"),
                     edges=[("input", "r"), ("input", "r"), ("r", "ghost")])
    errors = errors_of(graph)
    assert "error: edge input → r: appears twice; delete one of them" in errors
    assert any("edge r → ghost: there is no node 'ghost'" in e for e in errors)


def test_an_lstm_fed_an_image_says_how_to_make_a_sequence():
    message = only_error(graph_of(IMAGE, ("lstm", "LSTM")))
    assert "node 'lstm' (LSTM): expects a sequence [time, features] but gets [1, 8, 8]" in message
    assert "ToSequence" in message


def test_a_conv2d_fed_a_vector_is_a_rank_mismatch():
    message = only_error(graph_of(("input", "Input", {"shape": [64]}), ("c", "Conv2d")))
    assert "expects an image [channels, height, width] but gets [64]" in message


def test_a_kernel_larger_than_its_input_is_refused():
    message = only_error(graph_of(("input", "Input", {"shape": [1, 4, 4]}),
                                  ("c", "Conv2d", {"kernel_size": 5})))
    assert "node 'c' (Conv2d): its kernel 5×5 is larger than its input 4×4" in message


def test_an_output_that_shrinks_to_nothing_is_refused():
    graph = graph_of(("input", "Input", {"shape": [1, 2, 2]}), ("p1", "MaxPool2d"),
                     ("p2", "MaxPool2d"))
    message = only_error(graph)
    assert "node 'p2' (MaxPool2d): its kernel 2×2 is larger than its input 1×1" in message
    assert "leaves an output of size 0" in message


def test_merge_inputs_of_different_shapes_are_refused_with_both_shapes():
    graph = graph_of(IMAGE, ("a", "Conv2d", {"out_channels": 4}),
                     ("b", "Conv2d", {"out_channels": 8}), ("add", "Add"),
                     edges=[("input", "a"), ("input", "b"), ("a", "add"), ("b", "add", 1)])
    message = only_error(graph)
    assert "input 0 [4, 6, 6], input 1 [8, 6, 6]" in message


def test_token_ids_need_an_embedding_and_an_embedding_needs_token_ids():
    tokens = ("input", "Input", {"shape": [12], "dtype": "int64"})
    assert "put an Embedding first" in only_error(graph_of(tokens, ("fc", "Linear")))
    assert "set the Input's dtype to int64" in only_error(
        graph_of(("input", "Input", {"shape": [12]}), ("emb", "Embedding")))
    assert errors_of(graph_of(tokens, ("emb", "Embedding"), ("lstm", "LSTM"))) == []


def test_ids_must_be_usable_as_python_names():
    errors = errors_of(graph_of(IMAGE, ("conv 1", "ReLU"), ("forward", "ReLU")))
    assert any("the id 'conv 1' cannot name a layer" in e for e in errors)
    assert any("the id 'forward' cannot name a layer: it is a reserved word" in e
               for e in errors)


def test_every_problem_is_reported_at_once_without_a_cascade():
    graph = graph_of(IMAGE, ("c1", "Conv2d", {"kernel_size": 20}), ("c2", "Conv2d"),
                     ("bad", "Dense"), ("fc", "Linear", {"bias": "yes"}),
                     edges=[("input", "c1"), ("c1", "c2"), ("input", "bad"),
                            ("input", "fc")])
    errors = errors_of(graph)
    assert len(errors) == 3, errors
    assert [e.split(":")[1].strip() for e in errors] == [
        "node 'c1' (Conv2d)", "node 'bad' (Dense)", "node 'fc' (Linear)"]
    assert analyse(graph).nodes["c2"].output is None


def test_an_empty_network_and_one_without_input_are_reported():
    assert errors_of(graph_of()) == [
        "error: network: the network is empty; start with an Input from the palette"]
    errors = errors_of(graph_of(("r", "ReLU")))
    assert "error: network: the network has no Input; add one and connect it to the first "\
           "layer" in errors


def test_warnings_flag_what_works_but_is_probably_not_meant():
    assert any("dropout at the very end" in w for w in warnings_of(
        graph_of(SEQUENCE, ("d", "Dropout"))))
    softmax = graph_of(("input", "Input", {"shape": [4]}), ("s", "Softmax"))
    assert warnings_of(softmax) == []
    assert any("CrossEntropyLoss applies softmax itself" in w
               for w in warnings_of(softmax, {"loss": "CrossEntropyLoss"}))
    assert any("does nothing with num_layers 1" in w for w in warnings_of(
        graph_of(SEQUENCE, ("lstm", "LSTM", {"dropout": 0.2}))))
    assert any("feeds nothing" in w for w in warnings_of(
        graph_of(SEQUENCE, ("unused", "Input", {"shape": [3]}), ("r", "ReLU"),
                 edges=[("input", "r")])))
    assert any("dim 0 is the batch" in w for w in warnings_of(
        graph_of(SEQUENCE, ("s", "Softmax", {"dim": 0}))))


def test_warnings_do_not_make_a_network_invalid():
    analysis = analyse(graph_of(SEQUENCE, ("d", "Dropout")))
    assert analysis.ok and analysis.warnings


def test_a_large_graph_is_analysed_quickly_enough_to_run_on_every_edit():
    layers = [("input", "Input", {"shape": [16, 32]})]
    layers += [(f"fc{i}", "Linear", {"out_features": 32}) for i in range(500)]
    analysis = analyse(graph_of(*layers))
    assert analysis.ok and analysis.total_params == 500 * (32 * 32 + 32)
