"""What every run of the application needs, made ready once, in the background, when the
first window appears: the imports a first run would otherwise do, and the process that
loads the data of runs.

Both exist so that nothing of a run holds Python's lock in a long stretch inside the
window's process (a stretch of 50 ms is a frozen window):
- torch's first optimiser imports torch._dynamo, about a second of imports with single
  stretches of 70–130 ms (measured). Done once at start-up, while the window has only just
  appeared, instead of during a run; Start waits until it is done (a second or so).
- a run's data is made in a worker process (engine.data.worker): parsing, decoding and
  generating data hold the lock for tens of milliseconds at a time.
- Python's cyclic garbage collector, on a full collection, walks every object in the
  process while holding the lock: with torch, its compiler's imports and Qt loaded that is
  about 350,000 objects and 160 ms (measured). Whatever exists once the start-up imports
  are done lives as long as the application, so it is moved out of the collector's sight
  (gc.freeze) and later collections only walk what was made since.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading

from engine.data.worker import DataWorker

STARTUP_IMPORTS = ("torch._dynamo",)
"""Imported in the window's process before its first run can start (see above)."""


class TrainingRuntime:
    def __init__(self, worker_initializer: str | None = None):
        self.data = DataWorker(worker_initializer)
        self._imports = threading.Thread(target=self._import, name="start-up imports",
                                         daemon=True)

    def start(self) -> None:
        """Begin (once) the start-up imports and the data worker, in the background."""
        if self._imports.ident is None:
            self._imports.start()
        self.data.start()

    @property
    def ready(self) -> bool:
        """The start-up imports are done: a run started now imports nothing itself."""
        return self._imports.ident is not None and not self._imports.is_alive()

    def wait_until_ready(self, timeout: float | None = None) -> None:
        self._imports.join(timeout)

    @staticmethod
    def _import() -> None:
        # no collections meanwhile: each would walk the half-imported modules' objects
        gc.disable()
        try:
            for name in STARTUP_IMPORTS:
                with contextlib.suppress(ImportError):  # the run that needs it will say so
                    importlib.import_module(name)
        finally:
            gc.freeze()
            gc.enable()

    def close(self) -> None:
        self.data.close()


_shared: TrainingRuntime | None = None
_worker_initializer: str | None = None


def shared_runtime() -> TrainingRuntime:
    """The application's runtime (its windows share it); start() it once a window shows."""
    global _shared
    if _shared is None:
        _shared = TrainingRuntime(_worker_initializer)
    return _shared


def set_worker_initializer(initializer: str | None) -> None:
    """"module:function" that each new data worker runs first (a benchmark's small
    built-in); takes effect for the worker started next."""
    global _worker_initializer
    _worker_initializer = initializer
    if _shared is not None:
        _shared.data.close()
        _shared.data.initializer = initializer


def close_shared_runtime() -> None:
    """End the data worker (at exit; it is a daemon process, so this only saves its
    clean-up the wait)."""
    if _shared is not None:
        _shared.close()
