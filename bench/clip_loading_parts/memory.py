"""The peak resident memory of a process and its children (decoding workers included),
sampled from /proc while it runs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

PAGE = 4096


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of the process and all its descendants now."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            pages = int(Path(f"/proc/{current}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += pages * PAGE
        todo += _children(current)
    return total


def peak_rss(command: list[str], cwd: Path, every: float = 0.02) -> tuple[int, int]:
    """Run the command; its exit status and the peak resident memory of its process tree."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(every)
    return process.returncode, peak
