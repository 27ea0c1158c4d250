"""Cleaning up what killed processes left half-written: temporary files and staging
folders whose writer is gone."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from engine.storage.names import LEFT_BEHIND, writer

FOREIGN_AGE = 24 * 3600
"""Seconds after which what another machine's process left (a shared folder) counts as
left behind: its process cannot be asked whether it lives."""


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this machine lives."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive, not ours to judge
    return True


def _abandoned(entry: Path, here: bool, pid: int) -> bool:
    if here:
        return pid != os.getpid() and not process_alive(pid)
    try:
        return time.time() - entry.stat().st_mtime > FOREIGN_AGE
    except OSError:
        return False


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and staging folders in `folder` whose writing process
    has died; returns what was removed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    host, _ = writer().rsplit("-", 1)
    for entry in entries:
        match = LEFT_BEHIND.match(entry.name)
        if match is None or not _abandoned(entry, match.group(1) == host,
                                           int(match.group(2))):
            continue
        try:
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed
