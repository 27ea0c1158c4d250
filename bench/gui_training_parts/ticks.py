"""Event-loop responsiveness: a fast timer on the GUI thread, how late its ticks came, and
how much of each late interval the GUI thread itself was busy (the rest it waited: for
Python's lock or for a core)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

TICK_MS = 10


@dataclass(frozen=True)
class Stall:
    """One tick interval: how late its tick came, when (perf_counter), and how much of the
    interval the GUI thread spent on its own work (CPU time)."""

    late_ms: float
    at: float
    busy_ms: float


class TickRecorder:
    """A 10 ms timer on the GUI thread; `times` are when its ticks came. A tick that comes
    60 ms after the previous one is a 50 ms stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.cpu: list[float] = []
        self.timer = QTimer(interval=TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.times.append(time.perf_counter())
        self.cpu.append(time.thread_time())

    def stalls(self, after: float, until: float) -> list[Stall]:
        """The tick intervals from `after` to `until`. The interval that spans `after`
        counts (so that whatever blocked the GUI thread at `after`, a click say, is in the
        figures), and `until` counts as a tick (so that a stall just before the end, the
        GUI thread joining the trainer say, is not left out)."""
        ticks = list(zip(self.times, self.cpu, strict=True))
        before = [tick for tick in ticks if tick[0] <= after][-1:]
        inside = [tick for tick in ticks if after < tick[0] < until]
        # the GUI thread's CPU clock at `until` is not known: the end counts as idle
        end = (until, (inside or before or [(until, 0.0)])[-1][1])
        return [Stall((b - a) * 1000 - TICK_MS, b, (cb - ca) * 1000)
                for (a, ca), (b, cb) in itertools.pairwise(before + inside + [end])]

    def lateness_ms(self, after: float, until: float) -> list[float]:
        return [stall.late_ms for stall in self.stalls(after, until)]

    def spanning_ms(self, moment: float) -> float:
        """The lateness of the tick interval that spans `moment` (0 if none does)."""
        for a, b in itertools.pairwise(self.times):
            if a <= moment <= b:
                return (b - a) * 1000 - TICK_MS
        return 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The value at `share` (0 to 1) of the sorted values, nearest rank; 0 when none."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
