"""The child side of --variant process: prepares and trains a run in a process of its own
and sends everything the window needs over a queue."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any

from gui_training_parts.instrumentation import (
    instrumented_trainer,
    quick_dataset,
    throughput,
    warm_up,
)


def read_project(project_text: str, project_path: str) -> Any:
    """The window's project as it was at the click, saved or not."""
    from engine.project import parse_project

    project = parse_project(project_text, project_path)
    project.path = Path(project_path)
    return project


def problems_of(error: Exception) -> list[str]:
    """What `refused` carries, as TrainingController words it."""
    from engine.training import TrainingError

    if isinstance(error, TrainingError):
        return str(error).splitlines()
    return [f"{type(error).__name__}: {error}"]


def prepare(project: Any, run_dir: Path, from_weights: str | None) -> Any:
    """What TrainingController._prepare_and_train does before the first batch: the data,
    the compiled network, the weights to start from, the run's folder and settings."""
    from engine.atomic import write_atomically
    from engine.training import build_trainer, plan_run
    from engine.training.checkpoint import load_weights

    trainer = build_trainer(plan_run(project), out_dir=run_dir)
    if from_weights is not None:
        load_weights(trainer.model, Path(from_weights))
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(run_dir / "settings.json", json.dumps(
        {"training": project.training, "from_weights": from_weights}, indent=1))
    return trainer


def stop_requested_early(commands: Any, trainer: Any) -> bool:
    """Applies the commands sent while the run was being prepared; True when one was
    Stop (the window's Pause stays off until RunStarted, so pause rarely comes here)."""
    while True:
        try:
            command = commands.get_nowait()
        except queue.Empty:
            return False
        if command == "stop":
            return True
        if command is not None:
            getattr(trainer, command)()


def child_main(project_text: str, project_path: str, run_dir: str, from_weights: str | None,
               events: Any, commands: Any, threads: int | None, quick: bool) -> None:
    """Every event goes to `events`: ("warm_up", s) (left out when the project cannot even
    warm up), then ("refused", problems) or ("prepared", config, details), the trainer's
    events, ("figures", dict), ("samples", ...), ("done", reason)."""
    from engine.training import RunEnded

    try:  # a project that cannot train fails here already: refused, as in preparing
        project = read_project(project_text, project_path)
        events.put(("warm_up", warm_up(project, threads)))
    except Exception as error:
        events.put(("refused", problems_of(error)))
        return
    # the warm-up's own instrumentation must not be nested in this one: it would list the
    # warm-up's trainer among those made here
    with quick_dataset(quick), instrumented_trainer(threads) as made:
        try:
            trainer = prepare(project, Path(run_dir), from_weights)
        except Exception as error:  # as TrainingController: said, never raised
            events.put(("refused", problems_of(error)))
            return
        data = trainer.data
        events.put(("prepared", trainer.config, {
            "classes": data.classes, "sample_shape": tuple(data.sample_shape),
            "dtype": data.dtype}))
        if stop_requested_early(commands, trainer):
            result = RunEnded("stopped", "Stopped before the first batch", 0)
            events.put(result)
            events.put(("done", result.reason))
            return

        def obey() -> None:
            while True:
                command = commands.get()
                if command is None:
                    return
                getattr(trainer, command)()

        threading.Thread(target=obey, daemon=True).start()
        trainer.add_listener(events.put)
        try:
            result = trainer.run()
        except Exception as error:  # as TrainingController._prepare_and_train does
            result = RunEnded("failed", f"{type(error).__name__}: {error}",
                              len(trainer.history))
            events.put(result)
        events.put(("figures", throughput(made[0])))
        try:  # what the panel's Results tab shows, worked out here rather than in the window
            x, predictions, truths = trainer.samples()
            events.put(("samples", (x.numpy(), predictions, truths)))
        except Exception:
            events.put(("samples", None))
        events.put(("done", result.reason))
