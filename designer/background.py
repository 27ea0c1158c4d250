"""Running a slow engine call (an export, an import) off the GUI thread and handing its
result back to the GUI thread, so that the window keeps painting meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal


class _Relay(QObject):
    """Lives in the GUI thread: a signal emitted from the worker is delivered there."""

    finished = Signal(object, object)
    """(result, error): one of them is None."""


class BackgroundTask(QObject):
    """One call of `work()` on a worker thread; `done(result)` or `failed(error)` then run
    in the GUI thread. While it runs, `running` is True."""

    def __init__(self, work: Callable[[], Any], done: Callable[[Any], None],
                 failed: Callable[[BaseException], None], parent: QObject | None = None):
        super().__init__(parent)
        self._work, self._done, self._failed = work, done, failed
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="background", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the work is done (tests, closing the window)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # every failure reaches the window as a message
            self._relay.finished.emit(None, error)
            return
        self._relay.finished.emit(result, None)

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        if error is not None:
            self._failed(error)
        else:
            self._done(result)
