"""Importing recurrent networks that take their padded sequences' true lengths beside them
(pack_padded_sequence, the last true step gathered, h_n of a packed layer): the project's
Input is variable_length, and the project computes what the module computes on a batch
of sequences of different lengths, exactly, exported model.py too. What a project cannot
do with the lengths is refused naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.compiler import compile_graph
from engine.export.prepare import prepare
from engine.export.python_code import model_source
from engine.importing import ImportProblem, import_network

MODELS = Path(__file__).parent / "importing_models" / "packed_models.py"
LENGTHS = torch.tensor([12, 5, 1, 9, 3])


def padded_batch(tokens: bool, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if tokens:
        x = torch.randint(1, 50, (len(LENGTHS), 12), generator=generator)
    else:
        x = torch.randn(len(LENGTHS), 12, 3, generator=generator)
    for row, length in enumerate(LENGTHS.tolist()):
        x[row, length:] = 0
    return x


CASES = {
    # class: (input shape, dtype, the layer types in order)
    "PackedLSTM": (None, None, ["Input", "LSTM", "LastStep", "Linear"]),
    "GatheredGRU": (None, None, ["Input", "Linear", "ReLU", "GRU", "LastStep", "Linear"]),
    "TimeMajorRNN": (None, None, ["Input", "RNN", "LastStep", "Linear"]),
    "TokenClassifier": ((12,), "int64",
                        ["Input", "Embedding", "Dropout", "LSTM", "LastStep", "Linear"]),
    "PackedTagger": (None, None, ["Input", "LayerNorm", "LSTM", "Linear"]),
    "StackedPacked": (None, None, ["Input", "LSTM", "Dropout", "GRU", "LastStep", "Linear"]),
}


@pytest.mark.parametrize("class_name", list(CASES))
def test_the_project_computes_what_the_module_does_on_sequences_of_any_length(class_name):
    shape, dtype, types = CASES[class_name]
    imported = import_network(MODELS, class_name, shape, dtype)
    graph = imported.project.graph
    assert [node.type for node in graph.nodes.values()] == types
    (source,) = [node for node in graph.nodes.values() if node.type == "Input"]
    assert source.params["variable_length"] is True
    assert imported.notes == []
    network = compile_graph(graph).eval()
    network.load_state_dict(imported.state_dict())
    assert network.takes_lengths
    module = imported.module.eval()
    for seed in range(3):
        x = padded_batch(dtype == "int64", seed)
        with torch.no_grad():
            torch.testing.assert_close(network(x, LENGTHS), module(x, LENGTHS), rtol=0,
                                       atol=1e-6)


def test_model_py_of_an_imported_packed_network_takes_the_lengths():
    imported = import_network(MODELS, "GatheredGRU")
    from engine.project import Project

    prepared = prepare(Project("gru", imported.project.graph), find_weights=False)
    namespace: dict = {}
    exec(compile(model_source(prepared, "Gru"), "model.py", "exec"), namespace)
    written = namespace["Gru"]().eval()
    written.load_state_dict(imported.state_dict())
    x = padded_batch(False)
    with torch.no_grad():
        torch.testing.assert_close(written(x, LENGTHS), imported.module.eval()(x, LENGTHS),
                                   rtol=0, atol=1e-6)


@pytest.mark.parametrize("class_name, expected", [
    ("ConvThenPacked", "reads the true lengths of sequences that earlier layers have mixed "
                       "across steps"),
    ("MaskedMean", "uses the sequences' true lengths; a project uses them only to pack a "
                   "recurrent layer's input"),
    ("HiddenWithoutMaker", "a recurrent state hidden that starts from zeros is its layers' "
                           "default"),
])
def test_what_a_project_cannot_do_with_the_lengths_is_refused_naming_it(class_name, expected):
    with pytest.raises(ImportProblem) as caught:
        import_network(MODELS, class_name)
    assert expected in str(caught.value)
    assert str(MODELS.name) in str(caught.value)
