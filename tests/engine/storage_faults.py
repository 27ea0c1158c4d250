"""A full disk and a read-only folder, faked at the boundary to the operating system (the
calls that create files and folders, and the free space the device reports), so that tests
meet them on any machine and as any user, root included."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import tempfile
from pathlib import Path

import engine.storage.room

FREE_ON_A_FULL_DISK = 4096


def _inside(path: object, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(str(path))).is_relative_to(folder)
    except (TypeError, ValueError):
        return False


def fill_disk(monkeypatch, folder: Path) -> None:
    """The device holding `folder` has FREE_ON_A_FULL_DISK bytes left, and any write of a
    file there fails with ENOSPC."""
    folder = Path(os.path.abspath(folder))
    real_usage = shutil.disk_usage

    def usage(path):
        if _inside(path, folder):
            return real_usage(path)._replace(free=FREE_ON_A_FULL_DISK)
        return real_usage(path)

    monkeypatch.setattr(engine.storage.room.shutil, "disk_usage", usage)
    fail_writes(monkeypatch, folder)


def fail_writes(monkeypatch, folder: Path) -> None:
    """The device says it has room, but writing a file in `folder` fails with ENOSPC (an
    estimate that ran short, another program filling the disk meanwhile)."""
    folder = Path(os.path.abspath(folder))
    real_open = io.open

    def opening(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+") and _inside(file, folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", opening)
    monkeypatch.setattr(builtins, "open", opening)


def make_read_only(monkeypatch, folder: Path) -> None:
    """Nothing can be created in `folder` or below it (EACCES), as for a user without
    write permission there."""
    folder = Path(os.path.abspath(folder))
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES))

    def guard(real, where):
        def call(*args, **kwargs):
            target = where(*args, **kwargs)
            if target is not None and _inside(target, folder):
                raise OSError(denied.errno, denied.strerror, str(target))
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(tempfile, "mkstemp", guard(tempfile.mkstemp,
                                                   lambda *a, **k: k.get("dir")))
    monkeypatch.setattr(tempfile, "mkdtemp", guard(tempfile.mkdtemp,
                                                   lambda *a, **k: k.get("dir")))
    monkeypatch.setattr(os, "mkdir", guard(os.mkdir, lambda path, *a, **k: path))
