"""How busy the rest of the machine was during a run: on a shared machine a run that had to
share its cores is not a fair figure, and says so."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path


def _our_cpu_seconds() -> float:
    return sum(u.ru_utime + u.ru_stime for u in (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN)))


def _machine_busy_seconds() -> float:
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return math.nan
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def machine_usage() -> Iterator[dict[str, float]]:
    """How many cores other processes kept busy meanwhile (from /proc/stat, less this
    process's and its children's CPU time); filled in as the block ends."""
    figures: dict[str, float] = {}
    begin, cpu, machine = time.perf_counter(), _our_cpu_seconds(), _machine_busy_seconds()
    try:
        yield figures
    finally:
        wall = time.perf_counter() - begin
        figures["our_cores"] = (_our_cpu_seconds() - cpu) / wall
        figures["other_cores"] = max(
            0.0, (_machine_busy_seconds() - machine) / wall - figures["our_cores"])
