"""`netdesigner export --format python`: model.py is the compiled network written as a
person would write it (same submodule names, same initial weights for the same seed, same
outputs with the same weights), data.npz is the dataset as Netdesigner trains on it, and
the files are ruff clean. Running train.py is in test_export_train_script.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from engine.catalogue import CATALOGUE
from engine.cli import main
from engine.compiler import compile_graph
from engine.export.prepare import example_inputs, prepare
from engine.export.python_code import model_source
from engine.export.train_script import _settings
from engine.project import Project, load_project, save_project
from engine.training.config import read_training
from engine.training.optimisers import build_optimizer, build_scheduler
from engine.training.run import plan_run
from engine.training.runs import latest_weights, runs_folder
from tests.engine.builders import graph_of
from tests.engine.export_helpers import EXAMPLES, model_module, project_with_a_run
from tests.engine.training_helpers import classifier_project

ARCHITECTURES = sorted((Path(__file__).parent / "architectures").glob("*.ndproj"))
EXPECTED_SHAPES = {"cnn": ((1, 8, 8), (10,)), "rnn": ((8, 8), (10,)),
                   "crnn": ((1, 8, 64), (32, 11)), "gesture": ((12, 1, 16, 16), (6,))}

pytestmark = pytest.mark.filterwarnings("ignore:dropout option adds dropout",
                                        "ignore:LSTM with projections is not supported")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """Each example, with a finished run, exported through the command line."""
    folders = {}
    for key, example in EXAMPLES.items():
        folder = tmp_path_factory.mktemp(key)
        project = project_with_a_run(folder, example)
        assert main(["export", str(project), "--format", "python", "-o",
                     str(folder / "export")]) == 0
        folders[key] = folder
    return folders


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_model_py_with_the_runs_weights_computes_what_netdesigner_computes(exported, key):
    folder = exported[key]
    export = folder / "export"
    assert sorted(p.name for p in export.iterdir()) == [
        "data.npz", "model.py", "train.py", "weights.safetensors"]
    run_weights = folder / f"{EXAMPLES[key]}.runs" / "20260101-120000" / "weights.safetensors"
    assert (export / "weights.safetensors").read_bytes() == run_weights.read_bytes()

    project = load_project(folder / f"{EXAMPLES[key]}.ndproj")
    compiled = compile_graph(project.graph, name=project.name)
    weights = load_file(str(export / "weights.safetensors"))
    compiled.load_state_dict(weights)
    model = model_module(export)
    network = getattr(model, type(compiled).__name__)()
    assert list(network.state_dict()) == list(compiled.state_dict())
    network.load_state_dict(weights)
    assert EXPECTED_SHAPES[key] == (model.INPUT_SHAPE, model.OUTPUT_SHAPE)
    assert model.INPUT_DTYPE is torch.float32
    x = torch.rand(3, *model.INPUT_SHAPE)
    with torch.no_grad():
        expected = compiled.eval()(x)
        torch.testing.assert_close(network.eval()(x), expected, rtol=0, atol=1e-6)


def test_the_same_seed_gives_netdesigners_initial_weights(exported):
    project = load_project(exported["crnn"] / "crnn_digit_strings.ndproj")
    torch.manual_seed(3)
    compiled = compile_graph(project.graph, name=project.name)
    torch.manual_seed(3)
    network = model_module(exported["crnn"] / "export").DigitStringsCRNN()
    for name, tensor in compiled.state_dict().items():
        assert torch.equal(network.state_dict()[name], tensor), name


def test_model_py_reads_like_hand_written_code(exported):
    text = (exported["crnn"] / "export" / "model.py").read_text()
    assert "import netdesigner" not in text and "engine" not in text
    assert not re.search(r"^\s*del ", text, re.MULTILINE)
    assert "INPUT_SHAPE = (1, 8, 64)\n" in text and "INPUT_DTYPE = torch.float32\n" in text
    assert "        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=\"same\")\n" in text
    assert "        self.pool2 = nn.MaxPool2d((2, 1))\n" in text
    assert "        self.blstm1 = nn.LSTM(128, 96, batch_first=True, bidirectional=True)\n" \
        in text
    assert "    def forward(self, strip: torch.Tensor) -> torch.Tensor:\n" in text
    assert "        columns = pool3.flatten(1, 2).transpose(1, 2)\n" in text
    assert text.endswith("        return log_probs\n")


def test_layers_applied_to_each_frame_fold_the_frames_into_the_batch_as_by_hand(exported):
    text = (exported["gesture"] / "export" / "model.py").read_text()
    assert "INPUT_SHAPE = (12, 1, 16, 16)\n" in text
    assert "        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=\"same\")\n" in text
    assert "        conv1 = self.conv1(clip.flatten(0, 1)).unflatten(0, (-1, 12))\n" in text
    assert "        relu1 = self.relu1(bn1)\n" in text  # element-wise: the clip as it is
    assert "        frames = pool2.flatten(2, 4)\n" in text


@pytest.mark.parametrize("path", ARCHITECTURES, ids=lambda p: p.stem)
def test_every_architecture_becomes_model_py_with_equal_outputs(path, tmp_path):
    prepared = prepare(load_project(path), find_weights=False)
    (tmp_path / "model.py").write_text(model_source(prepared, prepared.class_name))
    network = getattr(model_module(tmp_path), prepared.class_name)()
    network.load_state_dict(prepared.network.state_dict())
    inputs = example_inputs(prepared.analysis, 2)
    with torch.no_grad():
        ours, theirs = network.eval()(*inputs), prepared.network(*inputs)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(found).exists():
        pytest.skip("ruff is not installed")
    return found


def _two_inputs() -> Project:
    return Project("Two inputs", graph_of(
        ("image", "Input", {"shape": [3, 4, 4]}), ("tokens", "Input",
                                                   {"shape": [5], "dtype": "int64"}),
        ("flat", "Flatten"), ("embedding", "Embedding", {"num_embeddings": 9,
                                                         "embedding_dim": 2}),
        ("words", "Flatten"), ("both", "Concat"), ("scores", "Linear"),
        edges=[("image", "flat"), ("tokens", "embedding"), ("embedding", "words"),
               ("flat", "both", 0), ("words", "both", 1), ("both", "scores")]))


def test_a_network_with_two_inputs_names_both(tmp_path):
    prepared = prepare(_two_inputs(), find_weights=False)
    (tmp_path / "model.py").write_text(model_source(prepared, prepared.class_name))
    model = model_module(tmp_path)
    assert model.INPUT_SHAPES == {"image": (3, 4, 4), "tokens": (5,)}
    assert {"image": torch.float32, "tokens": torch.int64} == model.INPUT_DTYPES
    network = model.TwoInputs()
    network.load_state_dict(prepared.network.state_dict())
    inputs = example_inputs(prepared.analysis, 3)
    with torch.no_grad():
        torch.testing.assert_close(network.eval()(*inputs), prepared.network(*inputs))


def test_exported_files_are_ruff_clean(exported, tmp_path):
    """With this project's rules, at ruff's default line length, run as a user would in
    the exported folder (where model.py is this folder's own module)."""
    projects = [load_project(path) for path in ARCHITECTURES] + [_two_inputs()]
    folders = [exported[key] / "export" for key in EXAMPLES]
    for index, project in enumerate(projects):
        prepared = prepare(project, find_weights=False)
        folders.append(tmp_path / str(index))
        folders[-1].mkdir()
        (folders[-1] / "model.py").write_text(model_source(prepared, prepared.class_name))
    for folder in folders:
        result = subprocess.run(
            [_ruff(), "check", "--isolated", "--no-cache", "--target-version", "py310",
             "--select", "E,F,W,I,B,UP,SIM,RUF", "."],
            cwd=folder, capture_output=True, text=True)
        assert result.returncode == 0, f"{folder}:\n{result.stdout}"


@pytest.mark.parametrize("key", ["cnn", "crnn"])
def test_data_npz_is_the_dataset_netdesigner_trains_on(exported, key):
    plan = plan_run(load_project(exported[key] / f"{EXAMPLES[key]}.ndproj"))
    with np.load(exported[key] / "export" / "data.npz") as data:
        arrays = {name: data[name] for name in data.files}
    levels = arrays.pop("x_levels", None)
    for name in ("x", "x_val"):
        values = arrays[name] if levels is None else levels[arrays[name]]
        assert np.array_equal(values, getattr(plan.dataset, name).numpy())
    for name in ("y", "y_val"):
        assert np.array_equal(arrays[name], getattr(plan.dataset, name).numpy())
    if key == "cnn":  # pixels of 0/16 .. 16/16: stored as codes, labels as bytes
        assert arrays["x"].dtype == np.uint8 and arrays["y"].dtype == np.uint8
    else:  # noisy strips stay float32; label strings padded with -1 fit in int8
        assert arrays["x"].dtype == np.float32 and arrays["y"].dtype == np.int8


def test_weights_given_explicitly_are_exported(exported, tmp_path):
    project = exported["cnn"] / "digits_cnn.ndproj"
    compiled = compile_graph(load_project(project).graph)
    save_path = tmp_path / "chosen.safetensors"
    from engine.training.checkpoint import save_weights

    save_weights(compiled, save_path)
    assert main(["export", str(project), "--format", "python", "-o", str(tmp_path / "out"),
                 "--weights", str(save_path)]) == 0
    assert (tmp_path / "out" / "weights.safetensors").read_bytes() == save_path.read_bytes()


def test_missing_or_unfitting_weights_end_with_exit_1(exported, tmp_path, capsys):
    project = str(exported["cnn"] / "digits_cnn.ndproj")
    out = tmp_path / "out"
    assert main(["export", project, "--format", "python", "-o", str(out),
                 "--weights", str(tmp_path / "nowhere.safetensors")]) == 1
    assert "there is no weights file" in capsys.readouterr().err
    other = exported["rnn"] / "digit_rows_lstm.runs" / "20260101-120000" / \
        "weights.safetensors"
    assert main(["export", project, "--format", "python", "-o", str(out),
                 "--weights", str(other)]) == 1
    assert "was saved for a different network" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_project_with_errors_ends_with_exit_1_and_its_problems(tmp_path, capsys):
    project = classifier_project(tmp_path)
    project.graph.nodes["n1"].params["out_features"] = -3
    save_project(project, tmp_path / "tiny.ndproj")
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "python", "-o",
                 str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "node 'n1' (Linear)" in err and "out_features" in err
    assert not (tmp_path / "out").exists()


class Doubling(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * x


def test_a_layer_without_a_torch_nn_form_is_named_and_nothing_is_written(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(CATALOGUE, "ReLU", replace(CATALOGUE["ReLU"],
                                                   build=lambda p, inputs: Doubling()))
    classifier_project(tmp_path)
    before = set(tmp_path.iterdir())
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "python", "-o",
                 str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "node 'n2' (ReLU) cannot be exported as Python code" in err
    assert "Doubling" in err
    assert set(tmp_path.iterdir()) == before  # no folder, no temporary left behind


def test_an_existing_folder_gets_the_new_files_and_keeps_others(tmp_path):
    classifier_project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.py").write_text("old")
    (out / "notes.txt").write_text("mine")
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "python", "-o",
                 str(out)]) == 0
    assert (out / "model.py").read_text().startswith('"""tiny, exported from Netdesigner')
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_project_without_training_settings_gives_model_py_only(tmp_path, capsys):
    project = classifier_project(tmp_path)
    project.training = None
    save_project(project, tmp_path / "tiny.ndproj")
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "python", "-o",
                 str(tmp_path / "out")]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["model.py"]
    assert "no train.py" in capsys.readouterr().out


def test_a_class_name_train_py_uses_itself_is_changed(tmp_path):
    project = classifier_project(tmp_path)
    project.name = "Path"
    save_project(project, tmp_path / "tiny.ndproj")
    assert main(["export", str(tmp_path / "tiny.ndproj"), "--format", "python", "-o",
                 str(tmp_path / "out")]) == 0
    assert "class PathNetwork(nn.Module):" in (tmp_path / "out" / "model.py").read_text()
    assert "from model import INPUT_DTYPE, PathNetwork\n" in \
        (tmp_path / "out" / "train.py").read_text()


@pytest.mark.parametrize("scheduler", [
    {"type": "StepLR", "gamma": 0.5}, {"type": "CosineAnnealingLR"},
    {"type": "OneCycleLR", "max_lr": 0.01}, {"type": "ReduceLROnPlateau", "patience": 2},
], ids=lambda s: s["type"])
def test_train_py_builds_the_optimiser_and_schedule_netdesigner_builds(scheduler):
    config = read_training({"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss",
                            "optimizer": {"type": "SGD", "lr": 0.05, "momentum": 0.9},
                            "scheduler": scheduler, "epochs": 7})
    namespace: dict = {"torch": torch, "nn": nn}
    exec("\n".join(_settings(config)), namespace)
    parameters = [nn.Parameter(torch.zeros(2))]
    ours = namespace["make_optimizer"](parameters)
    theirs = build_optimizer(config.optimizer, parameters)
    assert ours.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]
    ours_schedule = namespace["make_scheduler"](ours, 7, 11)
    theirs_schedule = build_scheduler(config.scheduler, theirs, 7, 11)
    assert type(ours_schedule) is type(theirs_schedule)
    assert ours_schedule.state_dict() == theirs_schedule.state_dict()
    assert namespace["SCHEDULE_EVERY_BATCH"] == (scheduler["type"] == "OneCycleLR")


def test_the_newest_finished_run_gives_the_weights(tmp_path):
    project = classifier_project(tmp_path)
    path = tmp_path / "tiny.ndproj"
    assert latest_weights(path, project.name) is None
    runs = tmp_path / "tiny.runs"
    for name, finished in [("20260101-090000", True), ("20260102-090000", True),
                           ("20260102-090000-2", True), ("20260103-090000", False)]:
        (runs / name).mkdir(parents=True)
        (runs / name / "weights.safetensors").write_bytes(b"")
        if finished:  # a run still going (or killed) has no metrics.json yet
            (runs / name / "metrics.json").write_text("{}")
    assert latest_weights(path, project.name) == \
        runs / "20260102-090000-2" / "weights.safetensors"
    assert runs_folder(None, "tiny").name == "tiny"  # a project never saved
