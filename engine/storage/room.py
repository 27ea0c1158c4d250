"""Before a write: can this folder be written, and does its device have room?"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from engine.storage.errors import StorageError, storage_error
from engine.units import format_bytes

MARGIN = 16 << 10
"""Room kept free beyond an estimate (file system blocks and metadata), and 5 % more for
estimates that run short."""


def existing_folder(path: Path) -> Path:
    """The nearest folder at or above `path` that exists (what a write there needs to
    create its missing folders in)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def ensure_room(folder: Path, needed: int, target: Path | None = None) -> None:
    """Raise StorageError unless `folder` (made if missing) can take `needed` bytes more.
    `target` is what the sentence names (the file or folder to be written)."""
    folder = Path(folder)
    named = Path(target) if target is not None else folder
    existing = existing_folder(folder)
    if not existing.is_dir():
        raise StorageError(f"{named} cannot be written: {existing} is a file, not a folder")
    try:  # the only check that holds for every file system, ACL and mount option
        handle, probe = tempfile.mkstemp(prefix=".netdesigner-probe-", dir=existing)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise storage_error(error, named, needed) from None
    if needed <= 0:
        return  # only whether it can be written
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return  # the device does not say: the write itself will tell
    if needed + needed // 20 + MARGIN > free:
        raise StorageError(f"no space left on the device holding {named}: "
                           f"{format_bytes(needed)} needed, {format_bytes(free)} free; free "
                           "some space or write somewhere else")
