"""What this machine's memory can hold, checked before anything large is allocated: a
network's weights and one sample's activations, a dataset about to be read or made.

A request larger than the memory available now is refused with the figures, so that torch
or numpy never try to allocate terabytes (which ends in a MemoryError, or the kernel
killing the process, far from where the size was chosen).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from engine.analysis import Analysis
from engine.units import format_bytes

FLOAT_BYTES = 4


def available_memory() -> int:
    """Bytes of memory this process can still take: the least of what the machine has
    available (MemAvailable on Linux, else the free physical pages), what the process's
    own limits leave (RLIMIT_AS, RLIMIT_DATA: `ulimit -v`, `ulimit -d`) and what its
    control group leaves (cgroup v2 memory.max, v1 memory.limit_in_bytes, of it and of
    every group above it); a very large number when nothing can be told."""
    found = [room for room in (_machine_room(), _limit_room(), _cgroup_room())
             if room is not None]
    return max(0, min(found)) if found else 1 << 62


def _machine_room() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _process_status() -> dict[str, int]:
    """VmSize and VmData of this process, in bytes (Linux)."""
    sizes = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmSize", "VmData"):
                    sizes[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return sizes


def _limit_room() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    used = _process_status()
    rooms = []
    for limit, key in ((resource.RLIMIT_AS, "VmSize"), (resource.RLIMIT_DATA, "VmData")):
        soft, _ = resource.getrlimit(limit)
        if soft != resource.RLIM_INFINITY and soft > 0:
            rooms.append(soft - used.get(key, 0))
    return min(rooms) if rooms else None


CGROUP_ROOT = "/sys/fs/cgroup"


def _read_number(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as file:
            text = file.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _cgroup_room(root: str = CGROUP_ROOT, membership: str = "/proc/self/cgroup") -> int | None:
    """What the tightest memory limit of this process's control groups leaves."""
    try:
        with open(membership, encoding="ascii") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    rooms = []
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        if controllers == "":  # v2: one unified hierarchy
            limit_file, usage_file, base = "memory.max", "memory.current", root
        elif "memory" in controllers.split(","):
            limit_file, usage_file = "memory.limit_in_bytes", "memory.usage_in_bytes"
            base = os.path.join(root, "memory")
        else:
            continue
        parts = [part for part in path.split("/") if part]
        for depth in range(len(parts), -1, -1):
            folder = os.path.join(base, *parts[:depth])
            limit = _read_number(os.path.join(folder, limit_file))
            if limit is None or limit >= 1 << 60:  # v1 writes "no limit" as a huge number
                continue
            rooms.append(limit - (_read_number(os.path.join(folder, usage_file)) or 0))
    return min(rooms) if rooms else None


def memory_problem(what: str, needed: int) -> str | None:
    """'<what> needs 36 GB; this machine has 24 GB available', or None when it fits."""
    available = available_memory()
    if needed <= available:
        return None
    return (f"{what} needs {format_bytes(needed)}; this machine has "
            f"{format_bytes(available)} available")


def network_memory_problem(analysis: Analysis) -> str | None:
    """Why building this network (its weights) and running one sample through it cannot fit
    in memory, naming the layer that takes most; None when it fits."""
    weights = FLOAT_BYTES * analysis.total_params
    activations = sum(r.activation_bytes or 0 for r in analysis.nodes.values())
    if weights + activations <= available_memory():
        return None
    largest = max(analysis.nodes, key=lambda n: (analysis.nodes[n].param_count or 0) * FLOAT_BYTES
                  + (analysis.nodes[n].activation_bytes or 0))
    report = analysis.nodes[largest]
    own_weights = FLOAT_BYTES * (report.param_count or 0)
    if own_weights >= (report.activation_bytes or 0):
        part = f"'{largest}' needs {format_bytes(own_weights)} of weights"
    else:
        part = f"'{largest}' needs {format_bytes(report.activation_bytes or 0)} for one sample"
    return (f"the network is too large for this machine: {part}, and the network "
            f"{format_bytes(weights + activations)} in all (weights and one sample), but "
            f"{format_bytes(available_memory())} is available; make the layer smaller")


def training_memory_problem(analysis: Analysis, training: Mapping[str, Any] | None) -> str | None:
    """Why one training step at the project's batch size (engine.memory's estimate) cannot
    fit in memory; None when it fits."""
    from engine.memory import batch_size_of, training_step_bytes

    needed = training_step_bytes(analysis.graph, analysis, training)
    problem = memory_problem(f"a training step at batch {batch_size_of(training)} (estimated)",
                        needed)
    return problem and f"{problem}; lower batch_size or make the network smaller"
