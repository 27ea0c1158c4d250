"""An operating system's refusal to write, as a sentence a user can act on."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.units import format_bytes

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DENIED = {errno.EACCES, errno.EPERM}
STORAGE_ERRNOS = FULL | DENIED | {errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EISDIR,
                                  errno.ENAMETOOLONG, errno.EIO, errno.EEXIST}


class StorageError(Exception):
    """A write that could not be done, said in one sentence; nothing partial is left."""


def storage_error(error: OSError, path: Path, needed: int = 0) -> StorageError:
    """`error` (raised while writing `path`) as a sentence naming the path and the
    reason."""
    code = error.errno
    if code in FULL:
        room = f": {format_bytes(needed)} needed" if needed else ""
        return StorageError(f"no space left on the device holding {path}{room}; free some "
                            "space or write somewhere else")
    if code in DENIED:
        return StorageError(f"{path} cannot be written: permission denied (the folder is "
                            "read-only for this user); write somewhere else or change its "
                            "permissions")
    if code == errno.EROFS:
        return StorageError(f"{path} cannot be written: it is on a read-only file system; "
                            "write somewhere else")
    if code in (errno.ENOENT, errno.ENOTDIR):
        return StorageError(f"{path} cannot be written: the folder {path.parent} does not "
                            "exist or is not a folder")
    if code == errno.EISDIR:
        return StorageError(f"{path} cannot be written: it is a folder")
    reason = error.strerror or str(error) or type(error).__name__
    return StorageError(f"{path} cannot be written: {reason}")


WRITE_ERRNOS = FULL | DENIED | {errno.EROFS, errno.EIO}
"""What only a write meets: a block that also reads files translates only these."""


@contextmanager
def translating(path: Path, needed: int = 0, only_writes: bool = False) -> Iterator[None]:
    """Raise an OSError of the block as a StorageError about `path` (with `only_writes`,
    only one that a write meets: a full or read-only device)."""
    try:
        yield
    except StorageError:
        raise
    except OSError as error:
        if only_writes and error.errno not in WRITE_ERRNOS:
            raise
        raise storage_error(error, Path(path), needed) from None
