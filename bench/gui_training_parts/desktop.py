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

from gui_training_parts.instrumentation import instrumented_trainer, throughput, timed_method
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


def controller_class_for(variant: str, threads: int | None, quick: bool) -> type:
    from designer.training_controller import TrainingController

    if variant != "process":
        return TrainingController
    from gui_training_parts.process_controller import ProcessTrainingController

    # the window makes its controller itself, so the child's settings go on the class
    ProcessTrainingController.threads, ProcessTrainingController.quick = threads, quick
    return ProcessTrainingController


@contextlib.contextmanager
def designer_patched(workdir: Path, controller_class: type) -> Iterator[None]:
    """Recovery files in `workdir`, and the window's controller of `controller_class`."""
    import designer.files
    import designer.main_window

    original_recovery = designer.files.recovery_directory
    original_controller = designer.main_window.TrainingController
    designer.files.recovery_directory = lambda: workdir / "recovery"
    designer.main_window.TrainingController = controller_class
    try:
        yield
    finally:
        designer.main_window.TrainingController = original_controller
        designer.files.recovery_directory = original_recovery


def open_window(project: Path, epochs: int, workdir: Path) -> Any:
    """A shown MainWindow (settings in `workdir`) with a copy of the project open, N typed
    into the Epochs box and the Training dock raised, so that the curves are painted."""
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
    return window


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
    ticks.timer.start()
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
    if not window.training.running:
        window.training.wait(30)  # the process variant reaps its child
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def desktop(project: Path, epochs: int, workdir: Path, threads: int | None, variant: str,
            quick: bool) -> dict[str, Any]:
    """One run from the window; its throughput, the lateness of every tick from the Start
    click to RunEnded, and what the click, the preparation and the drains took."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    controller_class = controller_class_for(variant, threads, quick)
    window = None
    with designer_patched(workdir, controller_class), \
            instrumented_trainer(threads) as made, \
            timed_method(controller_class, "_drain") as drains:
        try:
            window = open_window(project, epochs, workdir)
            app.processEvents()
            ticks = TickRecorder()
            times = click_start_and_wait(window, ticks)
            outcome = times.outcome
            if isinstance(outcome, list):
                raise RuntimeError("the project was refused: " + "; ".join(outcome))
            if outcome.reason != "completed":
                raise RuntimeError(f"the run did not complete: {outcome}")
            if variant == "process":
                figures = {**window.training.bench_figures,
                           "child_warm_up_s": window.training.bench_warm_up}
            else:
                figures = throughput(made[0])
            prepared = times.started or times.ended
            return {**figures,
                    "stalls_ms": ticks.lateness_ms(times.click_began, times.ended),
                    "start_click_ms": (times.click_returned - times.click_began) * 1000,
                    "start_stall_ms": ticks.spanning_ms(times.click_began),
                    "prepare_seconds": prepared - times.click_began,
                    "prepare_worst_ms": max(ticks.lateness_ms(times.click_began, prepared),
                                            default=0.0),
                    "run_seconds": times.ended - times.click_began,
                    "drain_ms": [d * 1000 for d in drains],
                    "batch_points": window.training_panel.plots.point_counts()[0]}
        finally:
            if window is not None:
                close_window(window)
