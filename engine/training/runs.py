"""Where a project's training runs live: one folder per run, named by its start time, in
`<stem>.runs/` beside the project file. The designer and `netdesigner train` write them;
the designer lists them, export and inspect read the newest finished one.

A run's folder is claimed when the run starts (an exclusive mkdir, so two runs started in
the same instant, in any processes, get two folders), and the process training it holds a
lock on `run.lock` in it (an OS lock, released when the process ends however it ends), so a
live run is told from one that was killed."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from engine.storage import StorageError, clean_stale, storage_error
from engine.storage.leftovers import process_alive
from engine.training.config import TrainingError

try:
    import fcntl
except ImportError:  # Windows: a run is live while the process named in its lock lives
    fcntl = None

WEIGHTS_FILE = "weights.safetensors"
METRICS_FILE = "metrics.json"
LOCK_FILE = "run.lock"
TRIAL_FILE = "trial.json"
"""In a sweep's trial's run: which study and trial it is, and the values it took."""

_NAME = re.compile(r"^(\d{8}-\d{6})(?:-(\d+))?$")


def runs_folder(project_path: Path | None, project_name: str) -> Path:
    """Beside the project file, or in a temporary folder for a project never saved."""
    if project_path is None:
        return Path(tempfile.gettempdir()) / "netdesigner-runs" / project_name
    return project_path.with_name(f"{project_path.stem}.runs")


def _order(path: Path) -> tuple[str, int, str]:
    """Start-time order: 20261207-101500 < 20261207-101500-2 < ... -10."""
    match = _NAME.match(path.name)
    if match is None:
        return (path.name, 0, path.name)
    return (match.group(1), int(match.group(2) or 1), path.name)


def run_folders(folder: Path) -> list[Path]:
    """Every run folder in `folder`, oldest first."""
    try:
        entries = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    return sorted(entries, key=_order)


def claim_new_run(project_path: Path | None, project_name: str) -> Path:
    """Create the folder of a run starting now and return it: named by the time, with -2,
    -3, ... for a second run within the same second. The creation is what claims it, so no
    two runs get one folder. What killed runs left half-written is cleaned up first."""
    folder = runs_folder(project_path, project_name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(str(storage_error(error, folder))) from None
    for run in run_folders(folder):
        if not is_live(run):
            clean_stale(run)
    clean_stale(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    number = 1
    while True:
        run = folder / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            run.mkdir()
            return run
        except FileExistsError:
            number += 1
        except OSError as error:
            raise storage_error(error, run) from None


class RunLock:
    """Held by the process training a run, for as long as it trains it."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_FILE
        self._handle: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise storage_error(error, self.path) from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(handle)
                raise TrainingError(f"the run in {self.path.parent} is still going"
                                    f"{_holder(self.path)}; wait for it to end or stop it, "
                                    "or start a new run") from None
        elif _pid_alive(_pid_in(self.path)):
            os.close(handle)
            raise TrainingError(f"the run in {self.path.parent} is still going"
                                f"{_holder(self.path)}; wait for it or start a new run")
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode())
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        if fcntl is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
        else:
            os.ftruncate(self._handle, 0)
        os.close(self._handle)
        self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int | None) -> bool:
    return pid is not None and process_alive(pid)


def _holder(path: Path) -> str:
    pid = _pid_in(path)
    return f" (process {pid})" if pid else ""


def is_live(folder: Path) -> bool:
    """Whether a process is training the run in `folder` now."""
    path = Path(folder) / LOCK_FILE
    if not path.exists():
        return False
    if fcntl is None:
        return _pid_alive(_pid_in(path))
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
    finally:
        os.close(handle)


RunState = Literal["running", "finished", "interrupted", "empty"]


@dataclass
class RunRecord:
    """What a run folder holds, read defensively (any file may be damaged or foreign)."""

    folder: Path
    state: RunState
    epoch: int = 0
    """The last epoch it finished (its result's, or its checkpoint's)."""
    epochs: int | None = None
    """How many it was asked for, where known."""
    history: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    trial: str | None = None
    """'sweep trial 3' for a run a sweep trained, None for an ordinary run."""

    @property
    def resumable(self) -> bool:
        return self.state == "interrupted" and self.epoch > 0

    def describe(self) -> str:
        """'interrupted after epoch 3 of 10', 'running', or the result's message."""
        if self.state == "running":
            return "running"
        if self.state == "interrupted":
            of = f" of {self.epochs}" if self.epochs else ""
            return f"interrupted after epoch {self.epoch}{of}" if self.epoch else \
                "interrupted before its first epoch ended"
        if self.state == "finished" and self.result:
            return str(self.result.get("message") or "finished")
        return "empty"


def read_metrics(folder: Path) -> dict[str, Any] | None:
    """metrics.json as a dict with a list `history` of dicts and a dict-or-None `result`,
    or None when it is missing or not such a file."""
    try:
        data = json.loads((Path(folder) / METRICS_FILE).read_text())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    history = data.get("history")
    result = data.get("result")
    data["history"] = [row for row in history if isinstance(row, dict)] \
        if isinstance(history, list) else []
    data["result"] = result if isinstance(result, dict) else None
    return data


def has_results(folder: Path) -> bool:
    """Whether the run wrote its results: weights and a readable metrics.json (written
    after the weights, so both are there only when the results are whole)."""
    return (Path(folder) / WEIGHTS_FILE).exists() and read_metrics(folder) is not None


def read_run(folder: Path) -> RunRecord:
    from engine.training.checkpoint import read_manifest

    folder = Path(folder)
    if is_live(folder):
        return RunRecord(folder, "running")
    metrics = read_metrics(folder)
    if metrics is not None and (folder / WEIGHTS_FILE).exists():
        result = metrics["result"] or {}
        done = result.get("epochs_done", len(metrics["history"]))
        return RunRecord(folder, "finished", done if isinstance(done, int) else 0, None,
                         metrics["history"], metrics["result"])
    manifest = read_manifest(folder)
    if manifest is not None:
        settings = manifest.get("settings") if isinstance(manifest.get("settings"), dict) \
            else {}
        epochs = settings.get("epochs")
        return RunRecord(folder, "interrupted", manifest["epoch"],
                         epochs if isinstance(epochs, int) else None)
    if any(folder.glob("checkpoint*")) or (folder / WEIGHTS_FILE).exists():
        return RunRecord(folder, "interrupted")
    return RunRecord(folder, "empty")


def project_runs(project_path: Path | None, project_name: str) -> list[RunRecord]:
    """The project's runs that hold anything, oldest first."""
    records = [read_run(p) for p in run_folders(runs_folder(project_path, project_name))]
    return [replace(r, trial=trial_label(r.folder)) for r in records if r.state != "empty"]


def read_trial_file(folder: Path) -> dict[str, Any] | None:
    """The sweep trial a run folder belongs to, or None for an ordinary run (or a damaged
    file)."""
    try:
        data = json.loads((Path(folder) / TRIAL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("trial"), int) \
        and not isinstance(data.get("trial"), bool)
    return data if ok else None


def trial_label(folder: Path) -> str | None:
    data = read_trial_file(folder)
    if data is None:
        return None
    study = data.get("study")
    return f"{study if isinstance(study, str) else 'sweep'} trial {data['trial']}"


def newest_run(project_path: Path | None, project_name: str) -> Path | None:
    """The newest run folder, finished or not (what --resume goes on with)."""
    runs = run_folders(runs_folder(project_path, project_name))
    holding = [run for run in runs if read_run(run).state != "empty"]
    return (holding or runs or [None])[-1]


def finished_runs(folder: Path) -> list[Path]:
    """The runs in `folder` that saved weights and metrics, oldest first."""
    return [run for run in run_folders(folder) if read_run(run).state == "finished"]


def latest_weights(project_path: Path | None, project_name: str) -> Path | None:
    """The weights of the project's newest finished run, or None when it has none."""
    runs = finished_runs(runs_folder(project_path, project_name))
    return runs[-1] / WEIGHTS_FILE if runs else None
