"""Runs the engine's trainer off the GUI thread and hands its events to the window.

The trainer calls its listener on the training thread; the listener only appends to a deque
(cheap, thread-safe). A GUI timer drains the deque a few times a second, so the training
loop never waits for plotting and the window never waits for training.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import torch
from PySide6.QtCore import QObject, QTimer, Signal

from designer.document import Document
from engine.atomic import write_atomically
from engine.project import Project
from engine.training import (
    BatchEnded,
    EpochEnded,
    Event,
    RunEnded,
    RunStarted,
    Trainer,
    TrainingError,
    build_trainer,
    plan_run,
    runs,
)
from engine.training.checkpoint import load_weights


@dataclass(frozen=True)
class Refused:
    """The project cannot train: one sentence per problem, found before the first batch."""

    problems: list[str]


TRAINING_THREADS = torch.get_num_threads()
"""torch's thread count when the application started, for the training thread."""


def keep_torch_off_the_gui_thread() -> None:
    """Call once at start-up, before any torch work. torch's OpenMP pool belongs to the
    thread that uses it: a GUI thread with a pool of its own next to the training thread's
    oversubscribes the cores, and OpenMP then puts its workers to sleep between the many
    small steps of a recurrent layer (measured: training at 0.55× the speed of
    `netdesigner train`; with one thread here and the full count in training, 1.0×)."""
    torch.set_num_threads(1)


FIRST_RUN_IMPORTS = ("torch._dynamo", "sklearn.datasets")
"""What the first run of a session would import: torch's optimisers import torch._dynamo
when the first one is made, the built-in datasets scikit-learn. About 1.5 s of imports
that hold Python's lock in long stretches: done by the training thread at Start, they
stalled the window for 200 ms (measured on the digits CNN, fresh process)."""


def import_for_the_first_run() -> threading.Thread:
    """Import FIRST_RUN_IMPORTS on a background thread now, at start-up, while the window
    has just appeared and nothing is waiting on it."""

    def work() -> None:
        for name in FIRST_RUN_IMPORTS:
            with contextlib.suppress(ImportError):  # the run that needs it will say so
                importlib.import_module(name)

    thread = threading.Thread(target=work, name="first-run imports", daemon=True)
    thread.start()
    return thread


DRAIN_MS = 200
"""How often events reach the widgets: often enough to look live (five times a second),
rarely enough that the GUI thread's share of the cores and of Python's lock leaves
training its speed (on two cores, each wake-up of the window is time training loses)."""


def runs_folder(document: Document) -> Path:
    """Where a project's runs live: beside the project file, or in a temporary folder for a
    project that was never saved."""
    return runs.runs_folder(document.path, document.project.name)


def finished_runs(document: Document) -> list[Path]:
    """The project's earlier runs that saved weights, oldest first."""
    return runs.finished_runs(runs_folder(document))


class TrainingController(QObject):
    started = Signal(object)
    """RunStarted."""
    batches = Signal(list)
    """The BatchEnded events since the last drain."""
    epoch_ended = Signal(object)
    ended = Signal(object)
    """RunEnded, after the document is editable again."""
    refused = Signal(list)
    """Why a run cannot start: one sentence per problem."""

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.trainer: Trainer | None = None
        self.run_dir: Path | None = None
        self._events: deque[Event | Refused] = deque()
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self, interval=DRAIN_MS)
        self._timer.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, from_weights: Path | None = None) -> bool:
        """Make the document read-only and prepare and run the training in the background.
        Preparing (generating the data, compiling the network) takes seconds for large
        data, so it happens off the GUI thread too; a project that cannot train ends with
        `refused` instead of `started`. False when a run is already going."""
        if self.running:
            return False
        self.trainer, self.run_dir = None, self._new_run_dir()
        self._stop_requested = False
        self.document.set_read_only(True)
        project = self.document.project
        self._thread = threading.Thread(
            target=self._prepare_and_train, args=(project, self.run_dir, from_weights),
            name="training", daemon=True)
        self._thread.start()
        self._timer.start()
        return True

    def _new_run_dir(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder, number = runs_folder(self.document) / stamp, 2
        while folder.exists():  # two runs within a second
            folder, number = runs_folder(self.document) / f"{stamp}-{number}", number + 1
        return folder

    def _prepare_and_train(self, project: Project, run_dir: Path,
                           from_weights: Path | None) -> None:
        torch.set_num_threads(TRAINING_THREADS)
        try:
            plan = plan_run(project)
            trainer = build_trainer(plan, out_dir=run_dir)
            if from_weights is not None:
                load_weights(trainer.model, from_weights)
            run_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(run_dir / "settings.json", json.dumps(
                {"training": project.training,
                 "from_weights": str(from_weights) if from_weights else None}, indent=1))
        except TrainingError as error:
            self._events.append(Refused(str(error).splitlines()))
            return
        except Exception as error:  # a broken data file, a full disk: said, never raised
            self._events.append(Refused([f"{type(error).__name__}: {error}"]))
            return
        trainer.add_listener(self._events.append)
        self.trainer = trainer
        if self._stop_requested:  # Stop was pressed while the run was being prepared
            self._events.append(RunEnded("stopped", "Stopped before the first batch", 0))
            return
        try:
            trainer.run()
        except Exception as error:  # the run ends with a message; the window lives on
            self._events.append(RunEnded("failed", f"{type(error).__name__}: {error}",
                                         len(trainer.history)))

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()

    def stop(self) -> None:
        self._stop_requested = True
        if self.trainer is not None:
            self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer is not None and self.trainer.paused

    def _drain(self) -> None:
        batch_events: list[BatchEnded] = []
        while self._events:
            event = self._events.popleft()
            if isinstance(event, BatchEnded):
                batch_events.append(event)
                continue
            if batch_events:
                self.batches.emit(batch_events)
                batch_events = []
            if isinstance(event, RunStarted):
                self.started.emit(event)
            elif isinstance(event, EpochEnded):
                self.epoch_ended.emit(event)
            elif isinstance(event, RunEnded):
                self._finish(event)
                return
            elif isinstance(event, Refused):
                self._end()
                self.refused.emit(event.problems)
                return
        if batch_events:
            self.batches.emit(batch_events)

    def _finish(self, event: RunEnded) -> None:
        self._end()
        self.ended.emit(event)

    def _end(self) -> None:
        self._timer.stop()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        self.document.set_read_only(False)

    def stop_and_wait(self) -> None:
        """End a run, if one is going, and deliver its last events."""
        if self.running:
            self.stop()
            self.wait()

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the run ends and its events are delivered (tests, closing)."""
        if self._thread is not None:
            self._thread.join(timeout)
        self._drain()
