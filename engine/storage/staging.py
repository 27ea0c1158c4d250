"""Folders written whole: filled in a staging folder beside their place and renamed into
it (what a killed process left of one is cleaned up by the next write there)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.storage.atomic import umask
from engine.storage.errors import StorageError, translating
from engine.storage.leftovers import clean_stale
from engine.storage.names import STAGE_SUFFIX, temporary_prefix


@contextmanager
def staged_folder(target: Path, needed: int = 0) -> Iterator[Path]:
    """A fresh folder to write into; its files move into `target` when the block ends
    without an error, and it disappears either way. Files of `target` that the stage does
    not hold are left as they were."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise StorageError(f"{target} is a file; a folder is written there")
    with translating(target, needed):
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target.parent)
        stage = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name),
                                      suffix=STAGE_SUFFIX, dir=target.parent))
    try:
        yield stage
        with translating(target, needed):
            for path in stage.iterdir():
                os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask())
            os.chmod(stage, 0o777 & ~umask())
            if not target.exists():
                os.replace(stage, target)
            else:
                for path in stage.iterdir():
                    destination = target / path.name
                    if destination.is_dir() and path.is_dir():
                        shutil.rmtree(destination)
                    os.replace(path, destination)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


