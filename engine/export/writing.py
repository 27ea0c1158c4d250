"""Writing exported files so that a failure leaves no half-written file and no stray
temporary: everything is written beside its place, then renamed into it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.atomic import replacing
from engine.export import ExportError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _as_created(path: Path, mode: int) -> None:
    """Give `path` the permissions a plainly created file or folder gets: temporary files
    are private (0600) until they take their final place."""
    os.chmod(path, mode & ~_umask())


@contextmanager
def replacing_file(path: Path) -> Iterator[Path]:
    """A temporary path to write; it becomes `path` when the block ends without error."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give the file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        yield temporary
        _as_created(temporary, 0o666)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder to write into; its files move into `target` when the block ends
    without an error, and it disappears either way."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file; the python format writes a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield stage
        for path in stage.iterdir():
            _as_created(path, 0o666)
        _as_created(stage, 0o777)
        if not target.exists():
            os.replace(stage, target)
        else:
            for path in stage.iterdir():
                os.replace(path, target / path.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
