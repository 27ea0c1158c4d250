"""A sweep started from the designer runs as `netdesigner sweep` in a process of its own
(its workers are processes of their own too), so that the window stays responsive and a
sweep outlives nothing it should not: Stop ends its workers, each trial it cut short marked
failed. The study is read back in the background, whoever runs it: this window, another
one, or machines elsewhere sharing the journal or database."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from designer.background import BackgroundTask
from engine.project import Project
from engine.sweeps.results import TrialRow, importances, read_rows
from engine.sweeps.settings import Sweep
from engine.sweeps.space import SweepError
from engine.sweeps.study import open_study

ROOT = Path(__file__).resolve().parents[1]
POLL_MS = 1000


class SweepRunner(QObject):
    """Signals: said(str) for each line the sweep prints; ended(int exit code, list of
    str: what it refused with, one sentence each)."""

    said = Signal(str)
    ended = Signal(int, list)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self._errors = ""
        self._pending = ""

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, project_file: Path, workers: int) -> None:
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        # the engine the designer runs, whether installed or run from a checkout
        paths = [str(ROOT), environment.value("PYTHONPATH", "")]
        environment.insert("PYTHONPATH", os.pathsep.join(p for p in paths if p))
        environment.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(environment)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "engine", "sweep", str(project_file),
                              "--workers", str(workers)])
        process.readyReadStandardOutput.connect(self._read_output)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._failed_to_start)
        self._errors, self._pending = "", ""
        self.process = process
        process.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()

    def wait(self, milliseconds: int = 30000) -> None:
        if self.process is not None:
            self.process.waitForFinished(milliseconds)

    def _read_output(self) -> None:
        if self.process is None:
            return
        self._pending += bytes(self.process.readAllStandardOutput()).decode(
            "utf-8", "replace")
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self.said.emit(line.rstrip())

    def _read_errors(self) -> None:
        if self.process is not None:
            self._errors += bytes(self.process.readAllStandardError()).decode(
                "utf-8", "replace")

    def _finished(self, code: int, *_: Any) -> None:
        self._read_output()
        self._read_errors()
        process, self.process = self.process, None
        refusals = [line.strip() for line in self._errors.splitlines()
                    if line.strip() and "Warning" not in line and not line.startswith(" ")]
        if process is not None:
            process.deleteLater()
        self.ended.emit(code, refusals if code not in (0, 130) else [])

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.process is not None:
            self.process = None
            self.ended.emit(1, [f"the sweep could not start: {sys.executable} did not run"])


@dataclass(frozen=True)
class StudySnapshot:
    rows: list[TrialRow]
    importances: dict[str, float] | None


class StudyWatcher(QObject):
    """Reads the study every second while asked to (a sweep runs here or elsewhere), off
    the GUI thread. Signals: read(StudySnapshot or None when there is no study yet)."""

    read = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._task: BackgroundTask | None = None
        self._target: tuple[Project, Sweep, int] | None = None
        self._importances: tuple[int, dict[str, float] | None] = (-1, None)

    def watch(self, project: Project, sweep: Sweep, epochs: int) -> None:
        self._target = (project, sweep, epochs)
        self._importances = (-1, None)

    def forget(self) -> None:
        """Read no study (another project is shown)."""
        self._target = None

    def set_polling(self, polling: bool) -> None:
        if polling:
            self._timer.start()
        else:
            self._timer.stop()

    def poll(self) -> None:
        if self._target is None or (self._task is not None and self._task.running):
            return
        target = self._target
        self._task = BackgroundTask(lambda: self._snapshot(*target),
                                    lambda snapshot: self._deliver(target, snapshot),
                                    lambda error: self._deliver(target, None), self)
        self._task.start()

    def _deliver(self, target: tuple[Project, Sweep, int], snapshot: Any) -> None:
        if target is self._target:  # not a study of a project no longer shown
            self.read.emit(snapshot)

    def wait(self) -> None:
        if self._task is not None:
            self._task.wait()

    def _snapshot(self, project: Project, sweep: Sweep, epochs: int) -> StudySnapshot | None:
        try:
            study = open_study(project, sweep, epochs, create=False)
        except SweepError:
            return None
        rows = read_rows(study, sweep.varied)
        complete = sum(r.state == "complete" for r in rows)
        if complete != self._importances[0]:  # fANOVA only when there is more to tell
            self._importances = (complete, importances(study))
        return StudySnapshot(rows, self._importances[1])
