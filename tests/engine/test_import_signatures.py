"""What people's forward() takes beside the input imports as the call without it would run:
a zero state from initHidden() (with or without a batch), an optional mask at its default
None; Dropout2d on a [channels, length] signal is torch's channel dropout; one CNN run on
every frame in a loop is layers applied to each frame of the clip, its weights shared."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.analysis import analyse
from engine.compiler import compile_graph
from engine.graph import Edge, Node
from engine.importing.api import import_network
from engine.project import load_project, save_project
from tests.engine.cli_helpers import run

ROOT = Path(__file__).parents[2]

MODELS = Path(__file__).parent / "importing_models" / "signature_models.py"
CASES = {"CharRNN": (7, 10), "Masked": (9, 8), "Dropper": (4, 20), "FrameCNN": (5, 1, 8, 8),
         "FrameEncoder": (4, 3, 9, 9)}


@pytest.mark.parametrize("class_name", list(CASES))
@pytest.mark.filterwarnings("ignore:dropout2d")
def test_the_import_gives_the_outputs_of_the_original(class_name):
    shape = CASES[class_name]
    imported = import_network(MODELS, class_name, shape)
    network = compile_graph(imported.project.graph, name=class_name)
    network.load_state_dict(imported.state_dict())
    x = torch.randn(3, *shape)
    module = imported.module.eval()
    expected = module(x, torch.zeros(1, 3, 16))[0] if class_name == "CharRNN" else module(x)
    torch.testing.assert_close(network.eval()(x), expected, rtol=0, atol=1e-5)


def test_a_frame_loop_becomes_layers_given_the_clip_with_one_set_of_weights():
    imported = import_network(MODELS, "FrameCNN", CASES["FrameCNN"])
    types = [node.type for node in imported.project.graph.nodes.values()]
    assert types.count("Conv2d") == 1 and types.count("Linear") == 2
    assert "Operation" not in types
    held = sum(p.numel() for p in imported.module.parameters())
    network = compile_graph(imported.project.graph)
    assert sum(p.numel() for p in network.parameters()) == held


@pytest.fixture(scope="module")
def recogniser(tmp_path_factory):
    """TextCRNN imported (its CTC scores [T, b, classes] out) with its weights."""
    folder = tmp_path_factory.mktemp("crnn")
    torch.manual_seed(0)
    imported = import_network(MODELS, "TextCRNN", (1, 16, 32))
    save_project(imported.project, folder / "crnn.ndproj")
    imported.save_weights(folder / "crnn.safetensors")
    return imported, folder


def test_a_time_first_output_stays_time_first_everywhere(recogniser, capsys):
    imported, folder = recogniser
    assert list(imported.project.graph.nodes.values())[-1].type == "TimeFirst"
    assert any("the project ends with TimeFirst" in note for note in imported.notes)
    x = torch.randn(3, 1, 16, 32)
    original = imported.module.eval()(x)
    assert original.shape == (17, 3, 11)
    network = compile_graph(imported.project.graph)
    network.load_state_dict(imported.state_dict())
    torch.testing.assert_close(network.eval()(x), original, rtol=0, atol=1e-5)
    project, weights = folder / "crnn.ndproj", folder / "crnn.safetensors"
    for fmt, target in (("torchscript", folder / "crnn.pt"), ("onnx", folder / "crnn.onnx")):
        code, _, err = run(capsys, "export", str(project), "--format", fmt, "-o",
                           str(target), "--weights", str(weights))
        assert code == 0, err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.load(str(folder / "crnn.pt"))
    torch.testing.assert_close(scripted(x), original, rtol=0, atol=1e-5)
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(str(folder / "crnn.onnx"))
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    torch.testing.assert_close(torch.from_numpy(got), original, rtol=0, atol=1e-5)


def test_batch_first_is_given_when_asked_and_timefirst_only_ends_a_network(tmp_path, capsys):
    code, printed, err = run(capsys, "import", f"{MODELS}:TextCRNN", "-o",
                             str(tmp_path / "bf.ndproj"), "--input-shape", "1,16,32",
                             "--batch-first")
    assert code == 0, err
    assert "as asked (--batch-first)" in printed
    graph = load_project(tmp_path / "bf.ndproj").graph
    assert "TimeFirst" not in [n.type for n in graph.nodes.values()]
    last = list(graph.nodes)[-1]
    graph.add_node(Node("tf", "TimeFirst", {}))
    graph.add_node(Node("after", "ReLU", {}))
    graph.add_edge(Edge(last, "tf"))
    graph.add_edge(Edge("tf", "after"))
    assert any("TimeFirst only ends a network" in p.message for p in analyse(graph).errors)


def test_a_network_ending_time_first_trains_batch_first_here_and_in_train_py(tmp_path,
                                                                              capsys):
    project = load_project(ROOT / "projects" / "crnn_digit_strings.ndproj")
    output = analyse(project.graph, project.training).outputs[0]
    project.graph.add_node(Node("scores_time_first", "TimeFirst", {}))
    project.graph.add_edge(Edge(output, "scores_time_first"))
    rng = np.random.default_rng(0)  # a few strips of three digits, as numbers
    np.savez(tmp_path / "strips.npz", x=rng.random((96, 1, 8, 64), dtype=np.float32),
             y=rng.integers(1, 10, (96, 3)))
    project.training.update(epochs=1, batch_size=32, dataset={"path": "strips.npz"},
                            loss="CTCLoss")
    path = tmp_path / "ctc.ndproj"
    save_project(project, path)
    code, printed, err = run(capsys, "train", str(path))
    assert code == 0, err
    assert "val_cer" in printed
    code, _, err = run(capsys, "export", str(path), "--format", "python", "-o",
                       str(tmp_path / "code"))
    assert code == 0, err
    done = subprocess.run([sys.executable, "train.py", "--epochs", "1", "--max-batches", "2"],
                          cwd=tmp_path / "code", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "val_cer" in done.stdout
