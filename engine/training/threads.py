"""How many threads torch computes with on a CPU: the cores this process may use (its CPU
affinity, a cgroup's cpu.max quota), less what other work keeps busy on them, looked at
again every few seconds of training.

Torch's default is every core. On a machine that is busy with something else (a browser, an
IDE, a second run) its threads wait for partners the scheduler has put aside, and OpenMP's
waiting threads spin, burning the core that is left: an epoch of the CRNN template took
2.7× as long with one core held by a busy loop (bench/busy_machine.py). Fewer threads
leave nothing to wait for. Making the waiting threads sleep instead (OMP_WAIT_POLICY=
PASSIVE) was measured too and is not used: it made the same epoch 1.3× slower on an idle
machine, where the short waits between torch's many small parallel regions are what
spinning is for.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

AUTO = "auto"
MAX_THREADS = 256
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)
"""Of a /proc/stat cpu line's times: user, nice, system, irq, softirq, steal."""
THREADS_LOOK_EVERY_S = 2.0
"""How often a run looks at the machine again (between batches): a busy loop that starts
mid-epoch costs at most this long at the wrong number of threads."""
SHORTEST_LOOK_S = 0.1
"""A look at the machine shorter than this says little: the threads stay as they are."""
FRESH_START_S = 30.0
"""A run that starts within this long of the engine loading looks at the machine since
then (its data read, its network built): a first look of seconds, without waiting."""


def usable_cores() -> int:
    """The cores this process may run on: its affinity, capped by a cgroup quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cgroup_quota()
    if quota is not None:
        cores = min(cores, max(1, math.floor(quota + 0.5)))
    return max(1, cores)


def cgroup_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """Cores' worth of time a cgroup v2 `cpu.max` allows ('150000 100000' → 1.5), or None
    when it sets no limit or there is none to read."""
    try:
        text = (root / "cpu.max").read_text().split()
    except OSError:
        return None
    if len(text) != 2 or text[0] == "max":
        return None
    try:
        quota, period = float(text[0]), float(text[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


@dataclass
class _Mark:
    at: float
    busy: float
    """Seconds the usable cores spent busy, all processes together."""
    own: float
    """Seconds of CPU this process spent, all its threads together."""


class MachineWatch:
    """How many of the usable cores other work kept busy since the last look."""

    def __init__(self) -> None:
        self._cpus = _affinity()
        loaded = _LOADED
        fresh = loaded is not None and loaded[0] == self._cpus and \
            time.monotonic() - loaded[1].at < FRESH_START_S
        self._mark = loaded[1] if fresh else self._take()

    def others_busy(self) -> float | None:
        """Cores' worth of time other processes used since the last look (the last look
        is now); None when that cannot be told."""
        now = self._take()
        if now is not None and self._mark is not None and \
                now.at - self._mark.at < SHORTEST_LOOK_S:
            return None  # too short to tell; the next look will
        before, self._mark = self._mark, now
        if now is None or before is None:
            return None
        elapsed = now.at - before.at
        others = (now.busy - before.busy) - (now.own - before.own)
        return max(0.0, others / elapsed)

    def _take(self) -> _Mark | None:
        return _mark_of(self._cpus)


def _mark_of(cpus: set[int]) -> _Mark | None:
    busy = _busy_seconds(cpus)
    if busy is None:
        return None
    times = os.times()
    return _Mark(time.monotonic(), busy, times.user + times.system)


def _loaded_mark() -> tuple[set[int], _Mark] | None:
    cpus = _affinity()
    mark = _mark_of(cpus)
    return None if mark is None else (cpus, mark)


def _affinity() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def _busy_seconds(cpus: set[int]) -> float | None:
    """Seconds the given CPUs spent busy since boot, from /proc/stat."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        try:
            if int(name[3:]) not in cpus:
                continue
            values = [int(v) for v in rest.split()]
        except ValueError:
            continue
        total += sum(values[i] for i in BUSY_FIELDS if i < len(values))
    return total / tick


def choose_threads(setting: int | str, watch: MachineWatch | None, share: int = 1) -> int:
    """The threads for the next stretch of work: `setting` when it is a number, else the
    cores this process may use (divided among `share` processes of one run) less the cores
    other work kept busy, at least one."""
    if isinstance(setting, int):
        return max(1, min(setting, MAX_THREADS))
    usable = max(1, usable_cores() // max(1, share))
    others = watch.others_busy() if watch is not None else None
    if others is None:
        return usable
    # a core counts as taken once others use most of it: half a core busy elsewhere still
    # leaves a thread there more gain than wait
    return max(1, min(usable, usable - math.floor(others / max(1, share) + 0.25)))


def parse_setting(value: object) -> int | str:
    """A project's `threads`: 'auto' (or absent) or a whole number from 1; ValueError with
    a sentence otherwise."""
    if value is None or value == AUTO:
        return AUTO
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_THREADS:
        raise ValueError(f"\"threads\" must be \"auto\" or a whole number from 1 to "
                         f"{MAX_THREADS}, not {value!r}")
    return value


_LOADED = _loaded_mark()
"""The machine as this module loaded: where a run's first look starts."""
