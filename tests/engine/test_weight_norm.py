"""Weight-normalised layers (`weight_norm` on Conv and Linear): counted, built, exported
and scripted as torch does them."""

from __future__ import annotations

import pytest
import torch

from engine.analysis import analyse
from engine.compiler import compile_graph
from engine.project import Project, save_project
from tests.engine.builders import graph_of
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import model_module, network_class


def _graph():
    return graph_of(("x", "Input", {"shape": [3, 20]}),
                    ("conv", "Conv1d", {"out_channels": 8, "kernel_size": 3,
                                        "weight_norm": True}),
                    ("flat", "Flatten"),
                    ("fc", "Linear", {"out_features": 4, "weight_norm": True}))


def test_the_count_is_torchs_and_the_weights_are_a_direction_and_a_length():
    graph = _graph()
    analysis = analyse(graph)
    assert analysis.ok, analysis.errors
    network = compile_graph(graph, analysis)
    assert analysis.total_params == sum(p.numel() for p in network.parameters())
    keys = set(network.state_dict())
    assert {"conv.parametrizations.weight.original0", "conv.parametrizations.weight.original1",
            "fc.parametrizations.weight.original0"} <= keys
    assert "conv.weight" not in keys
    assert network.conv.parametrizations.weight.original0.shape == (8, 1, 1)


def test_model_py_writes_the_weight_norm_and_torchscript_carries_it_folded(tmp_path, capsys):
    project = Project("normed", _graph())
    save_project(project, tmp_path / "normed.ndproj")
    torch.manual_seed(0)
    network = compile_graph(project.graph).eval()
    x = torch.randn(2, 3, 20)
    with torch.no_grad():
        want = network(x)

    folder = tmp_path / "code"
    assert run(capsys, "export", str(tmp_path / "normed.ndproj"), "--format", "python",
               "-o", str(folder))[0] == 0
    source = (folder / "model.py").read_text()
    assert "nn.utils.parametrizations.weight_norm(self.conv)" in source
    exported = network_class(model_module(folder))().eval()
    exported.load_state_dict(network.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(exported(x), want)

    from engine.training.weights_file import save_weights

    save_weights(network.state_dict(), tmp_path / "weights.safetensors")
    scripted = tmp_path / "normed.pt"
    code, _, err = run(capsys, "export", str(tmp_path / "normed.ndproj"), "--format",
                       "torchscript", "-o", str(scripted), "--weights",
                       str(tmp_path / "weights.safetensors"))
    assert code == 0, err
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(scripted))(x), want)


@pytest.mark.parametrize("layer", ["Conv2d", "Linear"])
def test_weight_norm_is_off_unless_asked(layer):
    from engine.catalogue import spec_for

    assert spec_for(layer).param("weight_norm").default is False
