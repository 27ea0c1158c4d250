"""How busy the machine is: its load average, and the share of the cores that other
processes take while a network is timed (on a busy machine torch's threads wait on each
other, and a timing says little)."""

from __future__ import annotations

import os
import time


class OtherWork:
    """How much CPU the rest of the machine takes from now on: the busy time of all cores
    (/proc/stat, stolen time included) less this process's own CPU time."""

    def __init__(self) -> None:
        self.start = (time.perf_counter(), time.process_time(), busy_seconds())

    def share(self) -> float | None:
        wall0, own0, busy0 = self.start
        busy = busy_seconds()
        if busy is None or busy0 is None:
            return None
        wall = time.perf_counter() - wall0
        own = time.process_time() - own0
        return max(0.0, (busy - busy0 - own) / (wall * (os.cpu_count() or 1)))


def busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    # user nice system idle iowait irq softirq steal
    busy = sum(int(fields[i]) for i in (1, 2, 3, 6, 7, 8))
    return busy / os.sysconf("SC_CLK_TCK")


def load() -> str:
    if not hasattr(os, "getloadavg"):
        return "load unknown"
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
