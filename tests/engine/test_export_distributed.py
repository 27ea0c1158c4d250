"""The exported train.py, unchanged, under torchrun: two CPU processes (gloo) with
DistributedDataParallel, each process only torch and numpy, process 0 saving."""

from __future__ import annotations

import json
import math
import subprocess

from safetensors.torch import load_file

from engine.cli import main
from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.export_helpers import (
    BARE_PYTHON,
    ROOT,
    bare_environment,
    only_torch_and_numpy,
)


def test_train_py_runs_data_parallel_under_torchrun(tmp_path):
    project = ROOT / "projects" / "digits_cnn.ndproj"
    export = tmp_path / "export"
    assert main(["export", str(project), "--format", "python", "-o", str(export)]) == 0
    packages = only_torch_and_numpy(tmp_path / "site")
    # --no-python: torchrun starts the command as given, so each worker is a bare Python too
    command = [*BARE_PYTHON, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", "--no-python", *BARE_PYTHON, "train.py",
               "--epochs", "1", "--max-batches", "3", "--out", "run"]
    result = subprocess.run(command, cwd=export, env=bare_environment(packages),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.strip().splitlines()
    # process 0 alone reports, and counts both processes' shares of the data
    assert printed[0] == "1438 training and 359 validation samples, 2 process(es) on cpu"
    assert len(printed) == 2 and printed[1].startswith("epoch 1/1  train_loss ")
    history = json.loads((export / "run" / "metrics.json").read_text())["history"]
    assert len(history) == 1 and math.isfinite(history[0]["val_loss"])
    weights = load_file(str(export / "run" / "weights.safetensors"))
    compiled = compile_graph(load_project(project).graph)
    assert set(weights) == set(compiled.state_dict())
    compiled.load_state_dict(weights)  # no "module." prefix from DistributedDataParallel
    assert sorted(p.name for p in (export / "run").iterdir()) == [
        "metrics.json", "weights.safetensors"]
