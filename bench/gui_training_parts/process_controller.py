"""--variant process: TrainingController's interface and contract, the run prepared and
trained in a child process (spawned: forking a process that runs Qt's threads is not safe).
An experiment that lives in bench/ only; the designer is not changed."""

from __future__ import annotations

import argparse
import multiprocessing
import queue
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from designer.training_controller import DRAIN_MS, runs_folder
from engine.project import dumps_project
from engine.training import BatchEnded, EpochEnded, RunEnded, RunStarted
from gui_training_parts.process_child import child_main


class RunInfo:
    """What TrainingPanel reads from controller.trainer (.config, .data's classes, sample
    shape and dtype, .samples()), for a trainer that lives in another process."""

    def __init__(self, config: Any, details: dict[str, Any]):
        self.config = config
        self.data = argparse.Namespace(**details)
        self._samples: tuple[Any, list[str], list[str]] | None = None

    def receive(self, samples: Any) -> None:
        import torch

        if samples is not None:
            x, predictions, truths = samples
            self._samples = (torch.from_numpy(x), predictions, truths)

    def samples(self, count: int = 24) -> tuple[Any, list[str], list[str]]:
        if self._samples is None:
            import torch

            return torch.zeros((0, *self.data.sample_shape)), [], []
        x, predictions, truths = self._samples
        return x[:count], predictions[:count], truths[:count]


class ProcessTrainingController(QObject):
    """As TrainingController: start() returns at once, the child prepares the run (data,
    network) and a project that cannot train ends with `refused`."""

    started = Signal(object)
    batches = Signal(list)
    epoch_ended = Signal(object)
    ended = Signal(object)
    refused = Signal(list)
    threads: int | None = None
    quick = False

    def __init__(self, document: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.trainer: RunInfo | None = None
        self.run_dir: Path | None = None
        self.bench_figures: dict[str, Any] = {}
        self.bench_warm_up = 0.0
        self._process: Any = None
        self._events: Any = None
        self._commands: Any = None
        self._result: RunEnded | None = None
        self._paused = False
        self._exiting: list[Any] = []
        self._timer = QTimer(self, interval=DRAIN_MS)
        self._timer.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def paused(self) -> bool:
        return self._paused

    def start(self, from_weights: Path | None = None) -> bool:
        if self.running:
            return False
        project = self.document.project
        self.trainer, self.run_dir, self._result = None, self._new_run_dir(), None
        self._paused = False
        context = multiprocessing.get_context("spawn")
        self._events, self._commands = context.Queue(), context.Queue()
        path = project.path or (self.run_dir / "project.ndproj")
        self._process = context.Process(
            target=child_main, name="training", daemon=True,
            args=(dumps_project(project), str(path), str(self.run_dir),
                  str(from_weights) if from_weights else None, self._events,
                  self._commands, self.threads, self.quick))
        self._process.start()
        self.document.set_read_only(True)
        self._timer.start()
        return True

    def _new_run_dir(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder, number = runs_folder(self.document) / stamp, 2
        while folder.exists():  # two runs within a second
            folder, number = runs_folder(self.document) / f"{stamp}-{number}", number + 1
        return folder

    def _command(self, name: str) -> None:
        if self._commands is not None:
            self._commands.put(name)

    def pause(self) -> None:
        if self.trainer is not None:
            self._paused = True
            self._command("pause")

    def resume(self) -> None:
        if self.trainer is not None:
            self._paused = False
            self._command("resume")

    def stop(self) -> None:
        self._paused = False
        self._command("stop")

    def _drain(self) -> None:
        batch_events: list[BatchEnded] = []
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                break
            if isinstance(event, BatchEnded):
                batch_events.append(event)
                continue
            if batch_events:
                self.batches.emit(batch_events)
                batch_events = []
            if self._take(event):
                return
        if batch_events:
            self.batches.emit(batch_events)
        if self._process is not None and not self._process.is_alive() \
                and self._events.empty():
            self._finish(RunEnded("failed", "the training process ended without a "
                                  f"result (exit {self._process.exitcode})", 0))

    def _take(self, event: Any) -> bool:
        """Hands on one event that is not a batch's; True once the run is over."""
        if isinstance(event, RunStarted):
            self.started.emit(event)
        elif isinstance(event, EpochEnded):
            self.epoch_ended.emit(event)
        elif isinstance(event, RunEnded):
            self._result = event
        elif event[0] == "warm_up":
            self.bench_warm_up = event[1]
        elif event[0] == "prepared":
            self.trainer = RunInfo(event[1], event[2])
        elif event[0] == "samples" and self.trainer is not None:
            self.trainer.receive(event[1])
        elif event[0] == "figures":
            self.bench_figures = event[1]
        elif event[0] == "refused":
            self._finish(None)
            self.refused.emit(event[1])
            return True
        elif event[0] == "done":
            self._finish(self._result)
            return True
        return False

    def _finish(self, event: RunEnded | None) -> None:
        self._timer.stop()
        if self._commands is not None:
            self._commands.put(None)
        if self._process is not None:
            # the child has sent everything; its interpreter takes a second to shut torch
            # down, which the GUI thread must not wait for: reaped later
            self._exiting.append(self._process)
            QTimer.singleShot(5000, self._reap)
        self._process = None
        self.document.set_read_only(False)
        if event is not None:
            self.ended.emit(event)

    def _reap(self) -> None:
        self._exiting = [p for p in self._exiting if p.is_alive()]

    def stop_and_wait(self) -> None:
        if self.running:
            self.stop()
            self.wait()

    def wait(self, timeout: float = 60.0) -> None:
        if self._process is not None:
            self._process.join(timeout)
        self._drain()
        for process in self._exiting:
            process.join(timeout)
        self._exiting = []
