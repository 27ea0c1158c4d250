"""Writing exported files so that a failure leaves no half-written file and no stray
temporary: everything is written beside its place, then renamed into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.export import ExportError
from engine.storage import StorageError, ensure_room, staged_folder, translating, write_atomically


def write_file(path: Path, data: bytes) -> None:
    """`data` as `path`, whole or not at all (made in memory first, so that a full disk
    is met before the file exists)."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give the file to write")
    try:
        ensure_room(path.parent, len(data), path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except StorageError as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{path} cannot be written: {error.strerror or error}") from None


@contextmanager
def exported_folder(target: Path, needed: int) -> Iterator[Path]:
    """A staging folder whose files take their place in `target` when the block ends
    without an error; room for `needed` bytes is checked first."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file; the python format writes a folder")
    try:
        ensure_room(target.parent, needed, target)
        with translating(target, needed, only_writes=True), staged_folder(target, needed) as stage:
            yield stage
    except StorageError as error:
        raise ExportError(str(error)) from None
