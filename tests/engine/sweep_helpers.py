"""Small sweeps over the blobs classifier (training_helpers): trials of a fraction of a
second, and worker processes started as `netdesigner sweep` starts them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine.project import Project, save_project
from tests.engine.training_helpers import classifier_project

ROOT = Path(__file__).resolve().parents[2]
VARY_WIDTH_AND_LR = [
    {"node": "n1", "param": "out_features", "low": 4, "high": 32},
    {"training": "lr", "low": 0.001, "high": 0.1, "log": True},
]


def swept_project(folder: Path, vary: list[dict[str, Any]] | None = None,
                  **sweep: Any) -> Project:
    epochs = sweep.pop("epochs", 3)
    project = classifier_project(folder, epochs=epochs)
    project.sweep = {"vary": vary or VARY_WIDTH_AND_LR, **sweep}
    save_project(project, folder / "tiny.ndproj")
    return project


def start_worker(project_file: Path, *options: str) -> subprocess.Popen:
    """One worker process of a sweep, as `netdesigner sweep --workers K` starts each."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get(
        "PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "engine", "sweep", str(project_file),
                             "--worker-of", "2", *options], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process: subprocess.Popen, timeout: float = 240) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def wait_for(condition, timeout: float = 120, every: float = 0.2) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(every)
    raise AssertionError("timed out waiting")
