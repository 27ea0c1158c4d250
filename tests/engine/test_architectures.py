"""Real architectures as project files, checked against the same networks written in torch.

Each file in tests/engine/architectures/ has a hand-written ``nn.Module`` (in
architecture_networks.py, paired with its file in architecture_cases.py), written the way a
PyTorch user writes it. For every architecture:

- ``netdesigner summary FILE --json`` (the real CLI entry point) reports the hand-written
  module's parameter count and the shapes its forward() really returns;
- the compiled module (``compile_graph``) holds as many parameters, layer by layer, and,
  given the hand-written module's weights, computes the same outputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from engine.analysis import analyse
from engine.cli import main
from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.architecture_cases import (
    ARCHITECTURES,
    CASES,
    Case,
    as_tuple,
    parameter_count,
    project_path,
    reference,
)

# torch says so on CPU for the LSTM with proj_size (stacked_rnn); it still runs
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _summary(case: Case, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["summary", project_path(case), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_architecture_file_has_a_hand_written_network():
    files = sorted(path.name for path in ARCHITECTURES.glob("*.ndproj"))
    assert files == sorted(case.file for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_architecture_is_valid(case: Case, capsys: pytest.CaptureFixture[str]):
    assert main(["validate", project_path(case)]) == 0, capsys.readouterr()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_summary_matches_hand_written(case: Case, capsys: pytest.CaptureFixture[str]):
    ref = reference(case)
    summary = _summary(case, capsys)

    expected = parameter_count(ref.net)
    if case.params is not None:
        assert expected == case.params  # the hand-written network is the published one
    assert summary["total_params"] == expected
    assert summary["trainable_params"] == expected
    assert sum(node["params"] for node in summary["nodes"]) == expected
    assert summary["outputs"] == {
        node_id: list(output.shape[1:]) for node_id, output in zip(case.outputs, ref.outputs,
                                                                    strict=True)}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_compiled_matches_hand_written(case: Case):
    ref = reference(case)
    project = load_project(project_path(case))
    analysis = analyse(project.graph)
    compiled = compile_graph(project.graph, analysis)

    assert parameter_count(compiled) == parameter_count(ref.net)
    for node_id in analysis.order:  # layer by layer, the inferred count is the real one
        layer = getattr(compiled, node_id, None)
        built = parameter_count(layer) if isinstance(layer, nn.Module) else 0
        assert analysis.nodes[node_id].param_count == built, node_id

    # the same weights give the same outputs: same layers, wired and ordered the same way
    layers = case.layers(ref.net)
    stateful = {name for name, module in compiled.named_children() if module.state_dict()}
    assert set(layers) == stateful
    for node_id, layer in layers.items():
        getattr(compiled, node_id).load_state_dict(layer.state_dict())
    compiled.eval()
    with torch.no_grad():
        outputs = as_tuple(compiled(ref.batch))
    assert [tuple(o.shape) for o in outputs] == [tuple(o.shape) for o in ref.outputs]
    for got, expected in zip(outputs, ref.outputs, strict=True):
        torch.testing.assert_close(got, expected)


def test_summary_through_the_console_script():
    script = Path(sys.executable).with_name("netdesigner")
    assert script.exists(), f"the console script is not installed at {script}"
    result = subprocess.run([str(script), "summary", str(ARCHITECTURES / "crnn.ndproj"),
                             "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["total_params"] == 8_331_301
    assert summary["outputs"] == {"embedding2": [26, 37]}
