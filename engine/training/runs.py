"""Where a project's training runs live: one folder per run, named by its start time, in
`<stem>.runs/` beside the project file. The designer and `netdesigner train` write them;
the designer lists them, export and inspect read the newest."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

WEIGHTS_FILE = "weights.safetensors"
METRICS_FILE = "metrics.json"


def runs_folder(project_path: Path | None, project_name: str) -> Path:
    """Beside the project file, or in a temporary folder for a project never saved."""
    if project_path is None:
        return Path(tempfile.gettempdir()) / "netdesigner-runs" / project_name
    return project_path.with_name(f"{project_path.stem}.runs")


def new_run_folder(project_path: Path | None, project_name: str) -> Path:
    """A folder for a run starting now (not created): named by the time, with -2, -3, ...
    for a second run within the same second."""
    folder = runs_folder(project_path, project_name)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run, number = folder / stamp, 2
    while run.exists():
        run, number = folder / f"{stamp}-{number}", number + 1
    return run


def newest_run(project_path: Path | None, project_name: str) -> Path | None:
    """The newest run folder, finished or not (what --resume goes on with)."""
    folder = runs_folder(project_path, project_name)
    runs = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return runs[-1] if runs else None


def finished_runs(folder: Path) -> list[Path]:
    """The runs in `folder` that saved weights and metrics, oldest first (the names are
    start times, so they sort in time order)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / WEIGHTS_FILE).exists()
                  and (p / METRICS_FILE).exists())


def latest_weights(project_path: Path | None, project_name: str) -> Path | None:
    """The weights of the project's newest finished run, or None when it has none."""
    runs = finished_runs(runs_folder(project_path, project_name))
    return runs[-1] / WEIGHTS_FILE if runs else None
