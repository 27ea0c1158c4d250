"""Event-loop responsiveness: a fast timer on the GUI thread, and how late its ticks came."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

TICK_MS = 10


class TickRecorder:
    """A 10 ms timer on the GUI thread; `times` are when its ticks came. A tick that comes
    60 ms after the previous one is a 50 ms stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.times: list[float] = []
        self.timer = QTimer(interval=TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def lateness_ms(self, after: float, until: float) -> list[float]:
        """How late each tick came from `after` to `until`. The interval that spans `after`
        counts (so that whatever blocked the GUI thread at `after`, a click say, is in the
        figures), and `until` counts as a tick (so that a stall just before the end, the
        GUI thread joining the trainer say, is not left out)."""
        last_before = [t for t in self.times if t <= after][-1:]
        times = last_before + [t for t in self.times if after < t < until] + [until]
        return [(b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(times)]

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
