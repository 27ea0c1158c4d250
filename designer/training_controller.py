"""Runs the engine's trainer off the GUI thread and hands its events to the window.

The trainer calls its listener on the training thread; the listener only appends to a deque
(cheap, thread-safe). A GUI timer drains the deque a few times a second, so the training
loop never waits for plotting and the window never waits for training.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
from collections import deque
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch
from PySide6.QtCore import QObject, QTimer, Signal

from designer.document import Document
from designer.training_runtime import shared_runtime
from engine.analysis import CompileError
from engine.data.worker import LoadCancelled
from engine.project import Project
from engine.storage import StorageError, write_atomically
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
    read_training,
    runs,
)
from engine.training.checkpoint import load_weights
from engine.training.events import HealthSampled, Noted, SamplesDecoded
from engine.training.resuming import plan_resume


def refusal_sentences(message: str) -> list[str]:
    """One entry per problem of a refusal: a heading that ends with ':' and the lines it
    lists are one problem, so the problems list counts what the status bar counts."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        return [f"{lines[0]} " + "; ".join(lines[1:])]
    return lines


@dataclass(frozen=True)
class Warned:
    """The run starts, but probably trains badly: one sentence per reason."""

    warnings: list[str]


@dataclass(frozen=True)
class Refused:
    """The project cannot train: one sentence per problem, found before the first batch,
    and the layer a problem is about, where it is about one (the Input the data does not
    fit)."""

    problems: list[str]
    nodes: dict[str, str]


@dataclass(frozen=True)
class Samples:
    """The first validation samples with the trained model's outputs and their targets,
    and both as text (Task.describe), worked out on the training thread: a forward pass on
    the GUI thread would freeze the window for its duration."""

    x: torch.Tensor
    outputs: torch.Tensor
    targets: torch.Tensor
    predictions: list[str]
    truths: list[str]

    @classmethod
    def of(cls, trainer: Trainer) -> Samples:
        x, outputs, targets = trainer.sample_values()
        predictions, truths = trainer.task.describe(outputs, targets, trainer.data.classes)
        return cls(x, outputs, targets, predictions, truths)


TRAINING_THREADS = torch.get_num_threads()
"""torch's thread count when the application started, for the training thread."""


def keep_torch_off_the_gui_thread() -> None:
    """Call once at start-up, before any torch work. torch's OpenMP pool belongs to the
    thread that uses it: a GUI thread with a pool of its own next to the training thread's
    oversubscribes the cores, and OpenMP then puts its workers to sleep between the many
    small steps of a recurrent layer (measured: training at 0.55× the speed of
    `netdesigner train`; with one thread here and the full count in training, 1.0×)."""
    torch.set_num_threads(1)


READY_POLL_MS = 100

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
    health = Signal(object)
    """HealthSampled: the layers' health at a sampled batch."""
    ended = Signal(object)
    """RunEnded, after the document is editable again."""
    refused = Signal(list, dict)
    """Why a run cannot start: one sentence per problem, and the layer each is about
    (where one is)."""
    warned = Signal(list)
    """Sentences about a run that started but will probably train badly."""
    decoding = Signal(object)
    """SamplesDecoded: how far the first epoch has decoded the data's files."""
    ready_changed = Signal()
    """`ready` became true: the application is set up to train (a second after start-up)."""

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.trainer: Trainer | None = None
        self.run_dir: Path | None = None
        self.samples: Samples | None = None
        """The last run's validation samples, once it has ended (None if it has none)."""
        self._events: deque[Event | Refused] = deque()
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self, interval=DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        self.runtime = shared_runtime()
        self._ready = self.runtime.ready
        self._until_ready = QTimer(self, interval=READY_POLL_MS)
        self._until_ready.timeout.connect(self._check_ready)
        if not self._ready:
            # once the event loop runs: the window is up before the imports compete with it
            QTimer.singleShot(0, self.runtime.start)
            self._until_ready.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def ready(self) -> bool:
        """Start can be used: a run started now imports nothing and freezes nothing. (It
        turns true with ready_changed, so that whatever follows it is in step.)"""
        return self._ready

    def _check_ready(self) -> None:
        if self.runtime.ready:
            self._until_ready.stop()
            self._ready = True
            self.ready_changed.emit()

    def start(self, from_weights: Path | None = None,
              default_training: dict[str, Any] | None = None,
              resume: Path | None = None) -> bool:
        """Make the document read-only and prepare and run the training in the background.
        Preparing (generating the data, compiling the network) takes seconds for large
        data, so it happens off the GUI thread too; a project that cannot train ends with
        `refused` instead of `started`. `resume` is an interrupted run's folder to go on
        with. False when a run is already going or the application is not `ready` yet."""
        if self.running or not self.ready:
            return False
        self.trainer, self.run_dir, self.samples = None, resume, None
        self._stop_requested = False
        self.document.set_read_only(True)
        project = self.document.project
        if project.training is None and default_training is not None:
            # the settings the form shows, used without writing them into the document:
            # pressing Start is not an edit
            project = dataclasses.replace(project, training=copy.deepcopy(default_training))
        self._thread = threading.Thread(
            target=self._prepare_and_train, args=(project, from_weights, resume),
            name="training", daemon=True)
        self._thread.start()
        self._timer.start()
        return True

    def _prepare_and_train(self, project: Project, from_weights: Path | None,
                           resume: Path | None) -> None:
        torch.set_num_threads(TRAINING_THREADS)
        load = partial(self.runtime.data.load, cancelled=lambda: self._stop_requested)
        notes: list[str] = []
        try:
            split = None
            if resume is not None:
                resumption = plan_resume(resume, read_training(project.training))
                split, notes = resumption.split, resumption.notes
            plan = plan_run(project, load=load, split=split)
            run_dir = resume or runs.claim_new_run(self.document.path,
                                                   self.document.project.name)
            self.run_dir = run_dir
            trainer = build_trainer(plan, out_dir=run_dir)
            if from_weights is not None and resume is None:
                load_weights(trainer.model, from_weights)
                write_atomically(run_dir / "settings.json", json.dumps(
                    {"training": project.training, "from_weights": str(from_weights)},
                    indent=1))
            elif resume is None:
                write_atomically(run_dir / "settings.json", json.dumps(
                    {"training": project.training, "from_weights": None}, indent=1))
        except TrainingError as error:
            self._events.append(Refused(refusal_sentences(str(error)), error.nodes))
            return
        except StorageError as error:
            self._events.append(Refused([str(error)], {}))
            return
        except CompileError as error:
            self._events.append(Refused([p.message for p in error.problems],
                                        {p.message: p.node for p in error.problems if p.node}))
            return
        except LoadCancelled:
            self._events.append(RunEnded("stopped", "Stopped before the first batch", 0))
            return
        except Exception as error:  # a broken data file: said, never raised
            self._events.append(Refused([f"{type(error).__name__}: {error}"], {}))
            return
        trainer.add_listener(partial(self._listen, trainer, notes + plan.warnings))
        self.trainer = trainer
        if self._stop_requested:  # Stop was pressed while the run was being prepared
            self._events.append(RunEnded("stopped", "Stopped before the first batch", 0))
            return
        try:
            trainer.run(resume=resume is not None)
        except TrainingError as error:  # the folder is taken, full or read-only
            self._events.append(RunEnded("failed", str(error), len(trainer.history)))
        except Exception as error:  # the run ends with a message; the window lives on
            self._events.append(RunEnded("failed", f"{type(error).__name__}: {error}",
                                         len(trainer.history)))

    def _listen(self, trainer: Trainer, warnings: list[str], event: Event) -> None:
        """The trainer's listener, on the training thread."""
        if isinstance(event, RunEnded) and (event.epochs_done > 0 or event.reason != "failed"):
            try:
                self.samples = Samples.of(trainer)
            except Exception:  # a model that fails on them: the run's result still stands
                self.samples = None
        if isinstance(event, Noted):  # shown with the run's other warnings
            self._events.append(Warned([event.text]))
            return
        self._events.append(event)
        if isinstance(event, RunStarted) and warnings:
            self._events.append(Warned(warnings))

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
            elif isinstance(event, HealthSampled):
                self.health.emit(event)
            elif isinstance(event, Warned):
                self.warned.emit(event.warnings)
            elif isinstance(event, RunEnded):
                self._finish(event)
                return
            elif isinstance(event, SamplesDecoded):
                self.decoding.emit(event)
            elif isinstance(event, Refused):
                self._end()
                self.refused.emit(event.problems, event.nodes)
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
