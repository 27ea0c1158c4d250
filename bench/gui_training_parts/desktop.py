"""The desktop side: a MainWindow offscreen opens a copy of the project, types the epochs,
clicks Start with the Training dock raised, and times the event loop until RunEnded."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gui_training_parts.instrumentation import (
    instrumented_trainer,
    quick_worker,
    throughput,
    timed_method,
)
from gui_training_parts.ticks import TickRecorder

RUN_LIMIT_S = 1800
SETTLE_MS = 200
"""The tick timer runs this long before the click, so that the click has a tick before it."""


@dataclass
class RunTimes:
    """perf_counter moments of one run, as the GUI thread saw them."""

    click_began: float
    click_returned: float
    started: float | None
    """When RunStarted reached the window: the preparation was over."""
    ended: float
    outcome: Any
    """RunEnded, or the list of problems of a refused run."""


@contextlib.contextmanager
def recovery_files_in(workdir: Path) -> Iterator[None]:
    """The window's recovery files in `workdir`, not in the user's folders."""
    import designer.files

    original_recovery = designer.files.recovery_directory
    designer.files.recovery_directory = lambda: workdir / "recovery"
    try:
        yield
    finally:
        designer.files.recovery_directory = original_recovery


def wait_until_ready(window: Any) -> float:
    """Runs the event loop until the window can start a run (its start-up imports done);
    returns when that was (perf_counter)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    while not window.training.ready:
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return time.perf_counter()


def open_window(project: Path, epochs: int, workdir: Path) -> tuple[Any, float, float]:
    """A shown MainWindow (settings in `workdir`), ready to train, with a copy of the
    project open, N typed into the Epochs box and the Training dock raised, so that the
    curves are painted; and when it was shown and when it was ready (perf_counter)."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    import designer.main_window

    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)
    copy = workdir / "project" / project.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(project, copy)
    window = designer.main_window.MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)
    shown = time.perf_counter()
    ready = wait_until_ready(window)
    if not window.files.open_path(copy, confirmed=True):
        raise RuntimeError(f"the window could not open {copy}")
    window.docks["training"].raise_()
    spin = window.training_panel.epochs
    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, str(epochs))
    QTest.keyClick(spin, Qt.Key.Key_Return)
    if window.document.project.training["epochs"] != epochs:
        raise RuntimeError("typing into the Epochs box did not set the epochs")
    return window, shown, ready


def click_start_and_wait(window: Any, ticks: TickRecorder) -> RunTimes:
    """Clicks Start and runs the event loop, ticks recording, until the run ends or is
    refused."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    started: list[float] = []
    ended: list[tuple[float, Any]] = []
    loop = QEventLoop()
    window.training.started.connect(lambda _event: started.append(time.perf_counter()))
    window.training.ended.connect(lambda event: (ended.append(
        (time.perf_counter(), event)), loop.quit()))
    window.training.refused.connect(lambda problems: (ended.append(
        (time.perf_counter(), problems)), loop.quit()))
    QTimer.singleShot(SETTLE_MS, loop.quit)
    loop.exec()
    click_began = time.perf_counter()
    QTest.mouseClick(window.training_panel.start_button, Qt.MouseButton.LeftButton)
    click_returned = time.perf_counter()
    if not window.training.running and not ended:
        raise RuntimeError("Start did not start a run: " + window.training_panel.result.text())
    QTimer.singleShot(RUN_LIMIT_S * 1000, loop.quit)
    if not ended:
        loop.exec()
    ticks.timer.stop()
    if not ended:
        raise RuntimeError(f"the run did not end within {RUN_LIMIT_S} s")
    end_time, outcome = ended[0]
    return RunTimes(click_began, click_returned, started[0] if started else None, end_time,
                    outcome)


def close_window(window: Any) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    window.document.undo_stack.setClean()
    window.files.autosave.stop()
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def worst_stall(ticks: TickRecorder, after: float, until: float, origin: float
                ) -> dict[str, float]:
    """The latest tick between `after` and `until`: how late, when (seconds after
    `origin`) and how much of it the GUI thread was busy itself."""
    worst = max(ticks.stalls(after, until), key=lambda stall: stall.late_ms)
    return {"ms": worst.late_ms, "at_s": worst.at - origin, "busy_ms": worst.busy_ms}


def desktop(project: Path, epochs: int, workdir: Path, threads: int | None,
            quick: bool) -> dict[str, Any]:
    """One run from the window; its throughput, the lateness of every tick from the Start
    click to RunEnded, and what the click, the preparation and the drains took; and, from
    the window's showing until it could train, how long that took and the worst stall."""
    from PySide6.QtWidgets import QApplication

    from designer.training_controller import TrainingController

    app = QApplication.instance() or QApplication([])
    window = None
    with recovery_files_in(workdir), quick_worker(quick), \
            instrumented_trainer(threads) as made, \
            timed_method(TrainingController, "_drain") as drains:
        try:
            ticks = TickRecorder()
            ticks.timer.start()  # it ticks whenever the event loop runs, from the showing on
            window, shown, ready = open_window(project, epochs, workdir)
            app.processEvents()
            times = click_start_and_wait(window, ticks)
            outcome = times.outcome
            if isinstance(outcome, list):
                raise RuntimeError("the project was refused: " + "; ".join(outcome))
            if outcome.reason != "completed":
                raise RuntimeError(f"the run did not complete: {outcome}")
            click, prepared = times.click_began, times.started or times.ended
            return {**throughput(made[0]),
                    "stalls_ms": ticks.lateness_ms(click, times.ended),
                    "worst": worst_stall(ticks, click, times.ended, click),
                    "start_click_ms": (times.click_returned - click) * 1000,
                    "start_stall_ms": ticks.spanning_ms(click),
                    "prepare_seconds": prepared - click,
                    "prepare_worst_ms": max(ticks.lateness_ms(click, prepared), default=0.0),
                    "run_seconds": times.ended - click,
                    "ready_seconds": ready - shown,
                    "startup_worst": worst_stall(ticks, shown, ready, shown),
                    "drain_ms": [d * 1000 for d in drains],
                    "batch_points": window.training_panel.plots.point_counts()[0]}
        finally:
            if window is not None:
                close_window(window)
