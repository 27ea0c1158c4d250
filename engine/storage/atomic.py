"""Writing files so that a crash never leaves a half-written one: write beside the target,
then rename over it. Temporary names carry the writer's machine and process id, so that what a
killed process left is recognised and cleaned up later (engine.storage.leftovers)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.storage.errors import STORAGE_ERRNOS, storage_error, translating
from engine.storage.leftovers import clean_stale
from engine.storage.names import TEMPORARY_SUFFIX, temporary_prefix
from engine.storage.room import ensure_room


@contextmanager
def replacing(path: Path, needed: int = 0) -> Iterator[Path]:
    """A temporary path beside `path` to write to; it replaces `path` when the block ends
    without an error, and disappears otherwise. An OSError of the file system (full,
    read-only, ...) comes out as a StorageError naming `path`."""
    path = Path(path)
    with translating(path, needed):
        handle, name = tempfile.mkstemp(prefix=temporary_prefix(path.name),
                                        suffix=TEMPORARY_SUFFIX, dir=path.parent)
        os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        # mkstemp makes the file private (0600); a saved file gets what any new file of
        # this user gets (0644 under the usual umask 022)
        os.chmod(temporary, 0o666 & ~umask())
        os.replace(temporary, path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in STORAGE_ERRNOS:
            raise storage_error(error, path, needed) from None
        raise


def umask() -> int:
    current = os.umask(0)  # the only way to read it is to set it
    os.umask(current)
    return current


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` whole or not at all, after checking there is room."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    ensure_room(path.parent, len(payload), path)
    clean_stale(path.parent)
    with replacing(path, len(payload)) as temporary, open(temporary, "wb") as file:
        file.write(payload)
        file.flush()
        os.fsync(file.fileno())
