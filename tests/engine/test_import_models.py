"""Importing modules written the way people write them (importing_models/user_models.py):
the layers they map to, their ids, and that the project computes what the module does."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.analysis import analyse
from engine.catalogue import CATALOGUE
from engine.compiler import compile_graph
from engine.importing import import_module, import_network

MODELS = Path(__file__).parent / "importing_models"
USER_MODELS = MODELS / "user_models.py"

EXPECTED = {
    # class: (input shape or None for the file's INPUT_SHAPE, [(id, type), ...])
    "SequentialCNN": (None, [
        ("x", "Input"), ("features_0", "Conv2d"), ("features_1", "BatchNorm2d"),
        ("features_2", "ReLU"), ("features_3", "MaxPool2d"), ("features_4", "Conv2d"),
        ("features_5", "ReLU"), ("features_6", "AvgPool2d"), ("view", "Reshape"),
        ("classifier_0", "Dropout"), ("classifier_1", "Linear"), ("classifier_2", "LeakyReLU"),
        ("classifier_3", "Linear"), ("classifier_4", "LogSoftmax")]),
    "FunctionalCNN": (None, [
        ("image", "Input"), ("conv1", "Conv2d"), ("relu", "ReLU"), ("max_pool2d", "MaxPool2d"),
        ("conv2", "Conv2d"), ("act", "ReLU"), ("max_pool2d_1", "MaxPool2d"),
        ("flatten", "Flatten"), ("act_2", "ReLU"), ("fc", "Linear")]),
    "LSTMClassifier": ((28, 28), [
        ("rows", "Input"), ("lstm", "LSTM"), ("last", "LastStep"), ("head", "Linear")]),
    "GRUFinalState": ((28, 28), [
        ("x", "Input"), ("gru", "GRU"), ("last_step", "LastStep"), ("head", "Linear")]),
    "ResidualBlock": (None, [
        ("x", "Input"), ("stem", "Conv2d"), ("relu", "ReLU"), ("conv1", "Conv2d"),
        ("bn1", "BatchNorm2d"), ("relu_1", "ReLU"), ("conv2", "Conv2d"), ("bn2", "BatchNorm2d"),
        ("merged", "Add"), ("relu_2", "ReLU"), ("pool", "AdaptiveAvgPool2d"),
        ("flatten", "Flatten"), ("fc", "Linear")]),
    "CRNN": (None, [
        ("x", "Input"), ("conv", "Conv2d"), ("relu", "ReLU"), ("pool", "MaxPool2d"),
        ("permute", "Permute"), ("reshape", "Reshape"), ("rnn", "LSTM"), ("out", "Linear"),
        ("log_softmax", "LogSoftmax")]),
    "SignalToLSTM": ((4, 50), [
        ("dna", "Input"), ("conv", "Conv1d"), ("features", "ReLU"), ("steps", "ToSequence"),
        ("lstm", "LSTM"), ("last", "LastStep"), ("mean_pool", "AdaptiveAvgPool1d"),
        ("pooled", "Flatten"), ("joined", "Concat"), ("mix", "Linear")]),
    "TextClassifier": ((12,), [
        ("tokens", "Input"), ("embed", "Embedding"), ("rnn", "RNN"), ("last_step", "LastStep"),
        ("norm", "LayerNorm"), ("head", "Linear")]),
    "Decoder": ((2, 4), [
        ("x", "Input"), ("pool", "MinPool1d"), ("flatten", "Flatten"), ("fc", "Linear"),
        ("vector", "Tanh"), ("repeated", "RepeatVector"), ("gru", "GRU")]),
}


@pytest.mark.parametrize("class_name", list(EXPECTED))
def test_a_user_module_imports_as_catalogue_layers_that_compute_the_same(class_name):
    shape, layers = EXPECTED[class_name]

    imported = import_network(USER_MODELS, class_name, shape)

    graph = imported.project.graph
    assert [(n.id, n.type) for n in graph.nodes.values()] == layers
    assert analyse(graph).ok
    assert all(n.position is not None for n in graph.nodes.values())
    # with the module's weights, the project's network is the module
    rebuilt = compile_graph(graph).eval()
    rebuilt.load_state_dict(imported.state_dict())
    module = imported.module.eval()
    (input_node,) = [n for n in graph.nodes.values() if n.type == "Input"]
    params = CATALOGUE["Input"].resolve(input_node.params)
    sample = tuple(params["shape"])
    x = (torch.randint(0, 100, (3, *sample)) if params["dtype"] == "int64"
         else torch.randn(3, *sample))
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), module(x))


def test_the_params_come_from_the_modules_and_functions():
    graph = import_module(USER_MODELS, "SequentialCNN").graph

    assert graph.nodes["x"].params == {}  # [1, 28, 28] float32 is the Input's default
    assert graph.nodes["features_0"].params == {"out_channels": 8, "padding": 1}
    assert graph.nodes["features_6"].params == {}  # AvgPool2d(2, stride=2) is the default
    assert graph.nodes["view"].params == {}  # x.view(x.size(0), -1): the default [-1]
    assert graph.nodes["classifier_0"].params == {"p": 0.25}
    assert graph.nodes["classifier_2"].params == {"negative_slope": 0.1}
    assert graph.nodes["classifier_4"].params == {"dim": 1}


def test_an_lstm_classifier_keeps_its_stack_and_takes_the_last_step():
    project = import_module(USER_MODELS, "LSTMClassifier", (28, 28), name="rows")

    assert project.name == "rows"
    assert project.graph.nodes["lstm"].params == {"num_layers": 2, "dropout": 0.1}
    assert [(e.source, e.target) for e in project.graph.edges] == [
        ("rows", "lstm"), ("lstm", "last"), ("last", "head")]


def test_a_residual_sum_is_one_add_fed_on_two_ports():
    graph = import_module(USER_MODELS, "ResidualBlock").graph

    assert graph.incoming("merged") == [
        edge for edge in graph.edges if edge.target == "merged"]
    assert [(e.source, e.target_port) for e in graph.incoming("merged")] == [
        ("bn2", 0), ("relu", 1)]


def test_token_ids_make_an_int64_input_and_bidirectional_rnns_keep_their_options():
    tokens = import_module(USER_MODELS, "TextClassifier", (12,)).graph.nodes["tokens"]
    crnn = import_module(USER_MODELS, "CRNN").graph

    assert tokens.params == {"shape": [12], "dtype": "int64"}
    assert crnn.nodes["rnn"].params == {"hidden_size": 32, "bidirectional": True}
    assert crnn.nodes["reshape"].params == {"shape": [14, 224]}


def test_weights_out_writes_the_weights_under_the_node_ids(tmp_path, capsys):
    from safetensors.torch import load_file

    from engine.cli import main

    out, weights = tmp_path / "cnn.ndproj", tmp_path / "cnn.safetensors"
    code = main(["import", f"{USER_MODELS}:SequentialCNN", "-o", str(out),
                 "--weights-out", str(weights)])

    assert code == 0, capsys.readouterr().err
    state = load_file(str(weights))
    assert "features_0.weight" in state and "features_1.running_mean" in state
    assert state["classifier_3.weight"].shape == (10, 32)
