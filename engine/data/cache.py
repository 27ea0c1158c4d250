"""Decoded samples kept on disk, so that every epoch after the first reads them at the
speed of memory instead of decoding their files again.

A cache is a folder in the project's cache folder (`NAME.cache/` beside `NAME.ndproj`):
`samples.bin` holds one fixed-size record per sample in a compact dtype (uint8 for
pictures), `state.bin` one byte per sample (cached, unreadable, shorter than the Input),
`bad.jsonl` why each unreadable sample could not be read. Its name is a digest of
everything decoding depends on: the fitting, the Input's shape, and every file's path,
size and modification time; a change to any of them makes a new cache, and the stale one
of the same data is removed.

Records are written and read by offset (pwrite/pread), by the decoding worker processes
and the trainer alike; the state is a shared memory map. Reading by offset keeps the
samples in the system's file cache rather than in the process: the process's memory stays
the same whatever the size of the data.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.units import format_bytes

CACHED, BAD, SHORT = 1, 2, 4
"""Bits of a sample's state byte."""
SAMPLES_FILE, STATE_FILE, BAD_FILE, ABOUT_FILE = ("samples.bin", "state.bin", "bad.jsonl",
                                                 "about.json")
STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 3600
ROOM_TO_SPARE = 256 << 20
"""Free space a cache leaves on its disk, beyond its own size."""


class SampleCache:
    """Fixed-size records of decoded samples, shared by processes (see the module)."""

    def __init__(self, folder: Path, count: int, shape: tuple[int, ...], dtype: str):
        self.folder = folder
        self.count = count
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.record_bytes = int(np.prod(self.shape)) * self.dtype.itemsize
        self._fd: int | None = None
        self._state: np.ndarray | None = None
        self.writable = True
        """False once a write failed (a full disk): samples are then decoded every time."""

    def __getstate__(self) -> dict[str, Any]:  # worker processes open their own
        return {**self.__dict__, "_fd": None, "_state": None}

    def _open(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.folder / SAMPLES_FILE, os.O_RDWR)
            self._state = np.memmap(self.folder / STATE_FILE, np.uint8, "r+",
                                    shape=(self.count,))

    @property
    def state(self) -> np.ndarray:
        self._open()
        assert self._state is not None
        return self._state

    def read(self, records: np.ndarray) -> np.ndarray:
        """The records, [len(records), *shape]."""
        self._open()
        out = np.empty((len(records), *self.shape), self.dtype)
        if not len(records):
            return out
        flat = out.reshape(len(records), -1).view(np.uint8)
        for row, record in enumerate(records):
            got = os.preadv(self._fd, [flat[row]], int(record) * self.record_bytes)
            if got != self.record_bytes:
                raise OSError(errno.EIO, f"{self.folder / SAMPLES_FILE} is shorter than "
                              "its samples")
        return out

    def write(self, record: int, values: np.ndarray, flags: int = 0) -> None:
        if not self.writable:
            return
        self._open()
        data = np.ascontiguousarray(values, self.dtype)
        try:
            os.pwrite(self._fd, data.tobytes(), record * self.record_bytes)
        except OSError:
            self.writable = False
            return
        self.state[record] = CACHED | flags

    def mark_bad(self, record: int, why: str) -> None:
        self.state[record] |= BAD
        with contextlib.suppress(OSError), open(self.folder / BAD_FILE, "a",
                                                encoding="utf-8") as log:
            log.write(json.dumps({"record": int(record), "why": why}) + "\n")

    def reasons(self) -> dict[int, str]:
        """Why each unreadable sample could not be read, as recorded."""
        found: dict[int, str] = {}
        with contextlib.suppress(OSError):
            for line in (self.folder / BAD_FILE).read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    entry = json.loads(line)
                    found[int(entry["record"])] = str(entry["why"])
        return found

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._state = None, None


def digest(key: Any) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[
        :16]


def open_cache(root: Path, source: str, kind: str, key: Any, count: int,
               shape: tuple[int, ...], dtype: str) -> tuple[SampleCache | None, str]:
    """The cache of these samples (made empty if it does not exist yet), and "" — or None
    and a sentence saying why no cache can be kept there (the samples are then decoded
    every epoch)."""
    name = f"{kind}-{digest(key)}"
    folder = root / name
    cache = SampleCache(folder, count, shape, dtype)
    if _complete(folder, cache):
        return cache, ""
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root, source, keep=name)
        needed = cache.record_bytes * count + count
        free = shutil.disk_usage(root).free
        if free < needed + ROOM_TO_SPARE:
            return None, (f"the decoded samples need {format_bytes(needed)} of cache but the disk "
                          f"holding {root} has {format_bytes(free)} free; every epoch decodes them "
                          "again")
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
        try:
            _reserve(stage / SAMPLES_FILE, cache.record_bytes * count)
            _reserve(stage / STATE_FILE, count, zero=True)
            (stage / ABOUT_FILE).write_text(json.dumps(
                {"source": source, "kind": kind, "samples": count, "shape": list(shape),
                 "dtype": dtype, "made": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=1))
            try:
                os.rename(stage, folder)
            except OSError:  # another process made it first: use theirs
                if not _complete(folder, cache):
                    raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except OSError as error:
        return None, (f"no cache of decoded samples can be kept in {root} "
                      f"({error.strerror or error}); every epoch decodes them again")
    return cache, ""


def _complete(folder: Path, cache: SampleCache) -> bool:
    try:
        return ((folder / SAMPLES_FILE).stat().st_size >= cache.record_bytes * cache.count
                and (folder / STATE_FILE).stat().st_size == cache.count
                and os.access(folder / SAMPLES_FILE, os.R_OK | os.W_OK)
                and os.access(folder / STATE_FILE, os.R_OK | os.W_OK))
    except OSError:
        return False


def _reserve(path: Path, size: int, zero: bool = False) -> None:
    """A file of `size` bytes whose blocks are taken now, so that a full disk is found
    before training rather than halfway through an epoch."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if size:
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
                os.ftruncate(fd, size)  # a file system that cannot reserve: sparse
    finally:
        os.close(fd)


def _remove_stale(root: Path, source: str, keep: str) -> None:
    """Caches of the same data made for other files or another fitting, and staging
    folders a killed process left behind."""
    for folder in root.iterdir():
        if folder.name == keep or not folder.is_dir():
            continue
        if folder.name.startswith(STAGING_PREFIX):
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > STALE_STAGING_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            about = json.loads((folder / ABOUT_FILE).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(about, dict) and about.get("source") == source:
            shutil.rmtree(folder, ignore_errors=True)


def cache_folder(project_path: Path | None, project_name: str) -> Path:
    """Beside the project file (NAME.cache/), or in a temporary folder for a project never
    saved."""
    if project_path is None:
        return Path(tempfile.gettempdir()) / "netdesigner-cache" / project_name
    return project_path.resolve().with_name(f"{project_path.stem}.cache")
