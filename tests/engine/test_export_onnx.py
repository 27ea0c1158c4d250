"""`netdesigner export --format onnx`: the examples with their trained weights run in
onnxruntime at any batch size with the outputs of torch; layers ONNX cannot express end
the export with a message naming them, and leave no file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.cli import main
from engine.compiler import compile_graph
from engine.export import onnx_file
from engine.project import load_project
from tests.engine.architecture_cases import CASES, project_path, reference
from tests.engine.builders import graph_of
from tests.engine.export_helpers import EXAMPLES, project_with_a_run

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Each example's project (with a finished run) and its .onnx file."""
    files = {}
    for key, example in EXAMPLES.items():
        folder = tmp_path_factory.mktemp(key)
        project = project_with_a_run(folder, example)
        assert main(["export", str(project), "--format", "onnx", "-o",
                     str(folder / f"{key}.onnx")]) == 0
        files[key] = project, folder / f"{key}.onnx"
    return files


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_onnx_runs_in_onnxruntime_like_torch_at_any_batch_size(exported, key):
    project_path, onnx_path = exported[key]
    project = load_project(project_path)
    network = compile_graph(project.graph, name=project.name)
    run = project_path.with_suffix(".runs") / "20260101-120000" / "weights.safetensors"
    network.load_state_dict(load_file(str(run)))
    network.eval()
    session = onnxruntime.InferenceSession(str(onnx_path),
                                           providers=["CPUExecutionProvider"])
    (given,) = session.get_inputs()
    assert given.name == network.input_ids[0] and given.shape[0] == "batch"
    assert session.get_outputs()[0].name == network.output_ids[0]
    shape = given.shape[1:]
    for batch in (1, 3):
        x = torch.rand(batch, *shape)
        with torch.no_grad():
            expected = network(x).numpy()
        (ours,) = session.run(None, {given.name: x.numpy()})
        assert ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-4)


def _project(folder: Path, *layers) -> Path:
    from engine.project import Project, save_project

    path = folder / "net.ndproj"
    save_project(Project("net", graph_of(*layers)), path)
    return path


@pytest.mark.parametrize("layers, named", [
    ([("seq", "Input", {"shape": [6, 5]}), ("lstm", "LSTM",
                                            {"hidden_size": 8, "proj_size": 3})],
     "node 'lstm' (LSTM) has proj_size 3, but ONNX's LSTM has no projection"),
    ([("image", "Input", {"shape": [3, 8, 8]}), ("pool", "AdaptiveMaxPool2d",
                                                 {"output_size": 3})],
     "node 'pool' (AdaptiveMaxPool2d) pools [8, 8] to [3, 3]"),
    ([("clip", "Input", {"shape": [4, 3, 8, 8]}), ("pool", "AdaptiveMaxPool2d",
                                                   {"output_size": 3})],
     "node 'pool' (AdaptiveMaxPool2d) pools [8, 8] to [3, 3]"),
], ids=["lstm_projection", "adaptive_max_pool", "adaptive_max_pool_per_frame"])
def test_layers_onnx_cannot_express_are_named(layers, named, tmp_path, capsys):
    project = _project(tmp_path, *layers)
    assert main(["export", str(project), "--format", "onnx", "-o",
                 str(tmp_path / "net.onnx")]) == 1
    assert named in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.ndproj"]


def test_an_unforeseen_failure_is_traced_to_its_layer(tmp_path, capsys, monkeypatch):
    """Without the known limits, the exporter itself fails; each layer is then exported
    alone to find the one at fault."""
    monkeypatch.setattr(onnx_file, "known_limits", lambda analysis: [])
    project = _project(tmp_path, ("image", "Input", {"shape": [2, 8, 8]}),
                       ("conv", "Conv2d", {"out_channels": 2}),
                       ("pool", "AdaptiveMaxPool2d", {"output_size": 5}))
    assert main(["export", str(project), "--format", "onnx", "-o",
                 str(tmp_path / "net.onnx")]) == 1
    err = capsys.readouterr().err
    assert "cannot export to ONNX: node 'pool' (AdaptiveMaxPool2d) has no ONNX form" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.ndproj"]


def test_missing_onnx_packages_are_named_with_the_command_that_installs_them(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(onnx_file, "missing_packages", lambda: ["onnxscript"])
    project = _project(tmp_path, ("x", "Input", {"shape": [4]}), ("fc", "Linear", {}))
    assert main(["export", str(project), "--format", "onnx", "-o",
                 str(tmp_path / "net.onnx")]) == 1
    err = capsys.readouterr().err
    assert "needs the package(s) onnxscript" in err and "pip install" in err
    assert not (tmp_path / "net.onnx").exists()


@pytest.mark.parametrize("case", [c for c in CASES if c.file in (
    "clip_classifier.ndproj", "frame_labeller.ndproj")], ids=str)
def test_clip_networks_run_in_onnxruntime_like_the_hand_written_ones(case, tmp_path, capsys):
    """Layers applied to each frame fold the frames into ONNX's batch and back."""
    ref = reference(case)
    project = load_project(project_path(case))
    compiled = compile_graph(project.graph)
    for node_id, layer in case.layers(ref.net).items():
        getattr(compiled, node_id).load_state_dict(layer.state_dict())
    weights = tmp_path / "weights.safetensors"
    save_file(compiled.state_dict(), str(weights))
    onnx_path = tmp_path / "clip.onnx"
    assert main(["export", project_path(case), "--format", "onnx", "-o", str(onnx_path),
                 "--weights", str(weights)]) == 0, capsys.readouterr().err
    session = onnxruntime.InferenceSession(str(onnx_path),
                                           providers=["CPUExecutionProvider"])
    (given,) = session.get_inputs()
    (ours,) = session.run(None, {given.name: ref.batch.numpy()})
    np.testing.assert_allclose(ours, ref.outputs[0].numpy(), rtol=0, atol=1e-4)
    batch = torch.rand(1, *ref.batch.shape[1:])  # another batch size: dynamic
    with torch.no_grad():
        expected = ref.net(batch).numpy()
    np.testing.assert_allclose(session.run(None, {given.name: batch.numpy()})[0], expected,
                               rtol=0, atol=1e-4)
