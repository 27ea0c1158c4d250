"""`netdesigner export --format torchscript`: the examples with their trained weights load
with torch.jit.load (no Netdesigner needed) and compute what the compiled network computes
at any batch size; a layer TorchScript cannot compile is named."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from engine.catalogue import CATALOGUE
from engine.cli import main
from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.export_helpers import EXAMPLES, project_with_a_run
from tests.engine.training_helpers import classifier_project


def _load(path) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():  # torch deprecates TorchScript; loading still works
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(path))


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_torchscript_loads_and_matches_the_compiled_network(key, tmp_path):
    project_path = project_with_a_run(tmp_path, EXAMPLES[key])
    assert main(["export", str(project_path), "--format", "torchscript", "-o",
                 str(tmp_path / "net.pt")]) == 0
    project = load_project(project_path)
    network = compile_graph(project.graph, name=project.name)
    run = project_path.with_suffix(".runs") / "20260101-120000" / "weights.safetensors"
    network.load_state_dict(load_file(str(run)))
    network.eval()
    scripted = _load(tmp_path / "net.pt")
    shape = project.graph.nodes[network.input_ids[0]].params["shape"]
    for batch in (1, 3):
        x = torch.rand(batch, *shape)
        with torch.no_grad():
            torch.testing.assert_close(scripted(x), network(x), rtol=0, atol=1e-6)


def test_a_layer_torchscript_cannot_compile_is_named(tmp_path, capsys, monkeypatch):
    # a lambda: plain Python that TorchScript's compiler does not take
    def unscriptable(params, inputs, args, module):
        return f"(lambda t: t)({module}({args[0]}))"

    monkeypatch.setitem(CATALOGUE, "ReLU", replace(CATALOGUE["ReLU"],
                                                   expression=unscriptable))
    classifier_project(tmp_path)
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "torchscript", "-o",
                 str(tmp_path / "net.pt")]) == 1
    err = capsys.readouterr().err
    assert "cannot export to TorchScript: node 'n2' (ReLU) cannot be scripted" in err
    assert not (tmp_path / "net.pt").exists()
