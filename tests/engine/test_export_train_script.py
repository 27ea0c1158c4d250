"""The exported train.py run as a user without Netdesigner runs it: in a Python that can
import torch, numpy and their own requirements and nothing else (no netdesigner, no
safetensors, no scikit-learn). It trains, saves weights that safetensors reads, and
measures the project's weights as Netdesigner does (classification and CTC)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from engine.cli import main
from engine.compiler import compile_graph
from engine.project import load_project
from engine.training.run import RunPlan, plan_run
from tests.engine.export_helpers import (
    EXAMPLES,
    only_torch_and_numpy,
    project_with_a_run,
    run_bare,
)
from tests.engine.training_helpers import blobs, chain_project


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    return only_torch_and_numpy(tmp_path_factory.mktemp("site"))


def _export(folder: Path, project: Path) -> Path:
    assert main(["export", str(project), "--format", "python", "-o",
                 str(folder / "export")]) == 0
    return folder / "export"


def _figures(line: str) -> dict[str, float]:
    return {name: float(value) for name, value in re.findall(r"(\w+) ([-\d.e+]+|nan)", line)}


def _engine_metrics(plan: RunPlan, weights: Path) -> dict[str, float]:
    """The validation figures Netdesigner's trainer reports for these weights."""
    network = compile_graph(plan.project.graph, plan.analysis, plan.project.name)
    network.load_state_dict(load_file(str(weights)))
    network.eval()
    task, x_val = plan.task, plan.dataset.x_val
    y_val = task.targets(plan.dataset.y_val)
    totals: dict = {}
    loss = 0.0
    with torch.no_grad():
        for start in range(0, len(x_val), 512):
            outputs = network(x_val[start:start + 512])
            targets = y_val[start:start + 512]
            loss += float(task.loss(outputs, targets)) * len(outputs)
            task.accumulate(totals, outputs, targets)
    figures = {k: v for k, v in task.finish(totals).items() if not isinstance(v, list)}
    return {"val_loss": loss / len(x_val), **figures}


def test_the_bare_python_has_torch_and_numpy_and_nothing_of_netdesigner(packages, tmp_path):
    probe = ("import importlib.util, torch, numpy\n"
             "print([m for m in ('engine', 'safetensors', 'sklearn', 'PySide6', 'onnx')"
             " if importlib.util.find_spec(m)])")
    result = run_bare(["-c", probe], tmp_path, packages)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("key", ["cnn", "crnn"])
def test_train_py_measures_the_projects_weights_as_netdesigner_does(key, packages,
                                                                   tmp_path):
    project = project_with_a_run(tmp_path, EXAMPLES[key])
    export = _export(tmp_path, project)
    result = run_bare(["train.py", "--epochs", "0", "--init", "weights.safetensors"],
                      export, packages)
    assert result.returncode == 0, result.stderr
    ours = _figures(result.stdout.strip().splitlines()[-1])
    expected = _engine_metrics(plan_run(load_project(project)),
                               export / "weights.safetensors")
    assert set(ours) == set(expected)
    for name, value in expected.items():  # train.py prints four significant digits
        assert ours[name] == pytest.approx(value, rel=2e-3, abs=1e-4), name


@pytest.mark.parametrize("key", ["cnn", "crnn"])
def test_train_py_trains_and_saves_weights_safetensors_reads(key, packages, tmp_path):
    project = tmp_path / f"{EXAMPLES[key]}.ndproj"
    project.write_bytes((Path(__file__).parents[2] / "projects" / project.name).read_bytes())
    export = _export(tmp_path, project)
    result = run_bare(["train.py", "--epochs", "1", "--max-batches", "4", "--out", "run",
                       "--device", "cpu"], export, packages)
    assert result.returncode == 0, result.stderr
    epoch = _figures(result.stdout.strip().splitlines()[-1])
    assert math.isfinite(epoch["train_loss"]) and math.isfinite(epoch["val_loss"])
    weights = load_file(str(export / "run" / "weights.safetensors"))
    compiled = compile_graph(load_project(project).graph)
    assert set(weights) == set(compiled.state_dict())
    compiled.load_state_dict(weights)  # shapes and dtypes fit too
    history = json.loads((export / "run" / "metrics.json").read_text())["history"]
    assert [row["epoch"] for row in history] == [1]


@pytest.mark.parametrize("loss, metric", [("MSELoss", "val_mae"),
                                          ("BCEWithLogitsLoss", "val_accuracy")])
def test_train_py_trains_regression_and_binary_targets(loss, metric, packages, tmp_path):
    x, labels = blobs(count=96, classes=2)
    y = labels.astype(np.float32)[:, None] * (2.5 if loss == "MSELoss" else 1.0)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    chain_project(tmp_path, [("Input", {"shape": [4]}), ("Linear", {"out_features": 8}),
                             ("Tanh", {}), ("Linear", {"out_features": 1})],
                  {"dataset": {"path": "data.npz"}, "loss": loss, "batch_size": 16,
                   "epochs": 2, "optimizer": {"type": "SGD", "lr": 0.1},
                   "scheduler": {"type": "StepLR", "step_size": 1}})
    export = _export(tmp_path, tmp_path / "tiny.ndproj")
    result = run_bare(["train.py", "--out", "run"], export, packages)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines[1:]] == ["1/2", "2/2"]
    last = _figures(lines[-1])
    assert math.isfinite(last["val_loss"]) and metric in last
    # as in Netdesigner's history, an epoch's lr is the one it trained with: StepLR
    # (gamma 0.1) has stepped once, after epoch 1
    assert last["lr"] == pytest.approx(0.1 * 0.1)
