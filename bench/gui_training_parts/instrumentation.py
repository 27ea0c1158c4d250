"""Patches that let the benchmark measure a run without editing the engine or the designer:
a tiny dataset for smoke runs, and trainers that time their own validation."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

QUICK_TRAIN, QUICK_VAL = 192, 64
"""--quick: digit_strings with this few strings (3 batches of 64), one epoch."""


def _use_few_strings() -> Any:
    """Makes the built-in digit_strings give a handful of strings; returns what it was."""
    from engine.data import BUILTINS
    from engine.data.builtin import digit_strings

    original = BUILTINS["digit_strings"]
    BUILTINS["digit_strings"] = dataclasses.replace(
        original, make=lambda seed=0: digit_strings(seed, QUICK_TRAIN, QUICK_VAL))
    return original


@contextlib.contextmanager
def quick_dataset(quick: bool) -> Iterator[None]:
    """--quick: the built-in digit_strings with a handful of strings."""
    if not quick:
        yield
        return
    from engine.data import BUILTINS

    original = _use_few_strings()
    try:
        yield
    finally:
        BUILTINS["digit_strings"] = original


def use_quick_dataset() -> None:
    """The data worker's initializer for --quick: the few strings there too (the window
    loads its data in that process, which patches made here do not reach). The worker
    keeps them for its life."""
    _use_few_strings()


@contextlib.contextmanager
def quick_worker(quick: bool) -> Iterator[None]:
    """--quick: the window's data worker makes the few strings as well."""
    if not quick:
        yield
        return
    from designer.training_runtime import set_worker_initializer

    set_worker_initializer("gui_training_parts.instrumentation:use_quick_dataset")
    try:
        yield
    finally:
        set_worker_initializer(None)


@contextlib.contextmanager
def instrumented_trainer(threads: int | None) -> Iterator[list[Any]]:
    """Every Trainer made inside records its validation times (`_bench_eval_seconds`) and
    sets its torch thread count where it runs; yields the trainers made."""
    import torch

    from engine.training import Trainer

    made: list[Any] = []
    original_init, original_run = Trainer.__init__, Trainer.run
    original_evaluate = Trainer._evaluate

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._bench_eval_seconds = []
        made.append(self)

    def run(self, *args, **kwargs):
        previous = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        self._bench_threads = torch.get_num_threads()
        try:
            return original_run(self, *args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    def evaluate(self):
        begin = time.perf_counter()
        try:
            return original_evaluate(self)
        finally:
            self._bench_eval_seconds.append(time.perf_counter() - begin)

    Trainer.__init__, Trainer.run, Trainer._evaluate = init, run, evaluate
    try:
        yield made
    finally:
        Trainer.__init__, Trainer.run = original_init, original_run
        Trainer._evaluate = original_evaluate


def throughput(trainer: Any) -> dict[str, Any]:
    """Training samples/s over the epochs' training loops (validation left out)."""
    history = trainer.history
    evaluations = trainer._bench_eval_seconds[:len(history)]
    train_seconds = sum(row["seconds"] for row in history) - sum(evaluations)
    samples = len(trainer.data.x) * len(history)
    return {"samples": samples, "epochs": len(history), "train_seconds": train_seconds,
            "validation_seconds": sum(evaluations),
            "samples_per_second": samples / train_seconds if train_seconds > 0 else 0.0,
            "threads": getattr(trainer, "_bench_threads", None)}


def warm_up(project: Any, threads: int | None, on_thread: bool = False) -> float:
    """One untimed epoch of a few strings: the first batches of a process are seconds slower
    (oneDNN and MKL set up their kernels per shape, once per process), which would
    otherwise land in whichever run comes first. `on_thread`: on a helper thread that then
    ends, so that the calling thread starts no OpenMP team of its own (its pool of OpenMP
    threads would outlive the warm-up). `project`: an engine Project. Returns the seconds
    it took."""
    from engine.training import build_trainer, plan_run

    def work() -> None:
        with quick_dataset(True), instrumented_trainer(threads):
            build_trainer(plan_run(project, epochs=1)).run()

    begin = time.perf_counter()
    if on_thread:
        helper = threading.Thread(target=work, name="warm-up")
        helper.start()
        helper.join()
    else:
        work()
    return time.perf_counter() - begin


@contextlib.contextmanager
def timed_method(cls: type, name: str) -> Iterator[list[float]]:
    """Durations of every call of cls.name (patched before the objects are made, so that
    the signal connections made in their __init__ reach the timed method)."""
    original = getattr(cls, name)
    durations: list[float] = []

    def timed(self, *args, **kwargs):
        begin = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            durations.append(time.perf_counter() - begin)

    setattr(cls, name, timed)
    try:
        yield durations
    finally:
        setattr(cls, name, original)
