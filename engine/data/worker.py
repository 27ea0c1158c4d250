"""Datasets loaded in a process of their own.

Making a run's data is the part of preparing it that holds Python's lock in long
stretches: parsing a CSV or the digits table, decoding images, importing scikit-learn, numpy
calls over whole arrays. Done by a thread of an interactive process, each stretch freezes
that process's other threads (measured: the designer's window stalled 50 to 175 ms at a
time while a run's data was made). In a process of its own the loading holds nobody up; the
tensors come back through shared memory (torch.multiprocessing), not copied through a pipe.

One worker process serves requests one at a time and stays up between them, so that only
the first load pays for starting Python and importing torch there. A worker that dies
(a crash in a decoder, the machine out of memory) is reported as a DataError and replaced on
the next load.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset

POLL_SECONDS = 0.05
"""How often a waiting load looks whether it was cancelled or its worker died."""


class LoadCancelled(Exception):
    """The caller gave up on a load before it ended (Stop while a run was being prepared)."""


def _serve(connection: Any, initializer: str | None) -> None:
    """The worker's side: one (entry, base_dir, sample, seed, cache_dir, consumer) request at
    a time, each answered ("ok", Dataset) or ("error", message); None ends the worker."""
    import torch.multiprocessing  # noqa: F401  (tensors travel through shared memory)

    from engine.data.loading import load_dataset

    if initializer:
        module, _, name = initializer.partition(":")
        getattr(importlib.import_module(module), name)()
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the caller's process is gone
            return
        if request is None:
            return
        entry, base_dir, sample, seed, cache_dir, consumer = request
        try:
            answer: tuple[str, Any] = ("ok", load_dataset(entry, base_dir, sample, seed,
                                                          cache_dir, consumer))
        except DataError as error:
            answer = ("error", (str(error), error.suggested_input))
        except MemoryError:
            answer = ("error", "the data does not fit in this machine's memory")
        except Exception as error:  # a broken file a reader did not expect: said, not raised
            answer = ("error", f"the data could not be read ({type(error).__name__}: "
                      f"{error})")
        connection.send(answer)
        del answer  # the tensors stay alive in shared memory until the caller has them


class DataWorker:
    """Loads datasets as engine.data.load_dataset does, in a worker process.

    `initializer`: "module:function" run once in each new worker before it serves (a
    benchmark's smaller built-in, say), as multiprocessing.Pool's initializer."""

    def __init__(self, initializer: str | None = None):
        self.initializer = initializer
        self._process: Any = None
        self._connection: Any = None
        self._starting = threading.Lock()
        self._serving = threading.Lock()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        """Start the worker process if it is not running (it then imports what loading
        needs, in the background, before the first request)."""
        with self._starting:
            if self.alive:
                return
            context = multiprocessing.get_context("spawn")  # never fork a process with threads
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, self.initializer),
                                      name="netdesigner data", daemon=True)
            process.start()
            theirs.close()
            self._process, self._connection = process, ours

    def load(self, entry: Any, base_dir: Path | None = None, sample: TensorInfo | None = None,
             seed: int = 0, cache_dir: Path | None = None, consumer: str | None = None,
             cancelled: Callable[[], bool] = lambda: False) -> Dataset:
        """load_dataset(entry, base_dir, sample, seed, cache_dir, consumer) in the worker.
        Waits without holding Python's lock; raises LoadCancelled as soon as `cancelled()`
        is true (the worker is then ended, since it cannot be interrupted) and DataError
        when the worker dies."""
        while not self._serving.acquire(timeout=POLL_SECONDS):  # another caller's load
            if cancelled():
                raise LoadCancelled
        try:
            self.start()
            process, connection = self._process, self._connection
            connection.send((entry, base_dir, sample, seed, cache_dir, consumer))
            while not connection.poll(POLL_SECONDS):
                if cancelled():
                    self._end(process)
                    raise LoadCancelled
                if not process.is_alive():
                    break
            try:
                status, value = connection.recv()
            except (EOFError, OSError):
                self._end(process)
                raise DataError(f"loading the data ended the process that read it ("
                                f"{_how_it_ended(process)}); the file may be damaged or too "
                                "large for this machine's memory") from None
        finally:
            self._serving.release()
        if status == "error":
            if isinstance(value, tuple):
                raise DataError(*value)
            raise DataError(value)
        return value

    def close(self) -> None:
        """End the worker (it is started again by the next load)."""
        with self._starting:
            process, connection = self._process, self._connection
            if process is None:
                return
            with contextlib.suppress(OSError):  # a worker that is gone already
                connection.send(None)
            process.join(1.0)
            self._end(process)

    def _end(self, process: Any) -> None:
        if process.is_alive():
            process.kill()
        process.join(5.0)
        if self._process is process:
            self._connection.close()
            self._process, self._connection = None, None


def _how_it_ended(process: Any) -> str:
    process.join(1.0)
    code = process.exitcode
    if code is None:
        return "it stopped answering"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
