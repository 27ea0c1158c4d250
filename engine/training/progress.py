"""Progress of a run on a terminal (a live bar with ETA) or in a log (a line per epoch)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from engine.training.events import (
    BatchEnded,
    EpochEnded,
    Event,
    Noted,
    RunEnded,
    RunStarted,
    SamplesDecoded,
)

BAR = 24


def clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60}:{rest % 60:02d}"


def format_metrics(metrics: dict) -> str:
    keys = [k for k in metrics if k not in ("epoch", "seconds", "confusion_matrix")]
    parts = []
    for key in keys:
        value = metrics[key]
        if isinstance(value, float):
            parts.append(f"{key} {value:.4g}")
    return "  ".join(parts)


class ProgressPrinter:
    """A trainer listener. On a terminal it redraws one line per batch (at most ten times
    a second); elsewhere it prints one plain line per epoch."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.started = 0.0
        self.last_draw = 0.0
        self.total_batches = 0
        self.batches_done = 0
        self.decoding = ""
        """While the first epoch decodes the data's files: how far it is."""

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.started = time.perf_counter()
            self.total_batches = (event.epochs - event.first_epoch + 1) * event.batches_per_epoch
            resumed = f", resuming at epoch {event.first_epoch}" if event.first_epoch > 1 else ""
            self._line(f"training on {event.device}: {event.train_samples:,} training and "
                       f"{event.val_samples:,} validation samples, {event.parameters:,} "
                       f"parameters{resumed}")
        elif isinstance(event, BatchEnded):
            self.batches_done += 1
            now = time.perf_counter()
            if self.live and (now - self.last_draw > 0.1 or event.batch == event.batches):
                self.last_draw = now
                self._bar(event, now)
        elif isinstance(event, SamplesDecoded):
            self._decoded(event)
        elif isinstance(event, Noted):
            self._line(f"note: {event.text}")
        elif isinstance(event, EpochEnded):
            threads = event.metrics.get("threads")
            on = f", {threads} thread{'s' * (threads != 1)}" if isinstance(threads, int) else ""
            self._line(f"epoch {event.epoch}/{event.epochs}  {format_metrics(event.metrics)}"
                       f"  ({event.metrics.get('seconds', 0):.1f} s{on})")
        elif isinstance(event, RunEnded) and self.live:
            self.stream.write("\r\033[K")  # the caller reports the result itself

    def _decoded(self, event: SamplesDecoded) -> None:
        unreadable = f", {event.unreadable:,} unreadable" if event.unreadable else ""
        if not event.finished:
            self.decoding = (f"  decoding {event.noun}s {event.done:,}/{event.total:,}"
                             f"{unreadable}")
            return
        self.decoding = ""
        seconds = time.perf_counter() - self.started
        unreadable = f"; {event.unreadable:,} could not be read" if event.unreadable else ""
        self._line(f"decoded {event.done - event.unreadable:,} {event.noun}s in "
                   f"{seconds:.1f} s{unreadable}; later epochs read them from the cache")

    def _bar(self, event: BatchEnded, now: float) -> None:
        done = int(BAR * event.batch / event.batches)
        elapsed = now - self.started
        left = elapsed / self.batches_done * (self.total_batches - self.batches_done)
        text = (f"\repoch {event.epoch} [{'#' * done}{'.' * (BAR - done)}] "
                f"{event.batch}/{event.batches}  loss {event.loss:.4f}  "
                f"{event.samples_per_second:,.0f} samples/s  ETA {clock(left)}"
                f"{self.decoding}")
        self.stream.write(text)
        self.stream.flush()

    def _line(self, text: str) -> None:
        prefix = "\r\033[K" if self.live else ""
        self.stream.write(prefix + text + "\n")
        self.stream.flush()
