"""Where a dataset's clips are and what they are labelled: the layout found (engine.data.
standalone.layout), cut into the clips the Input takes, with their targets and splits."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.dataset import UNSCORED, DataError
from engine.data.files.clips.decoder import ClipEntry
from engine.data.standalone import clip_reading
from engine.data.standalone.clip_reading import ClipError, Fitting
from engine.data.standalone.layout import Layout, LayoutError, Source, find_layout


def clip_layout(path: Path) -> Layout:
    try:
        return find_layout(path, clip_reading.is_clip)
    except LayoutError as error:
        raise DataError(str(error)) from None


@dataclass
class ClipIndex:
    """Every clip of the dataset with its targets and split."""

    layout: Layout
    entries: list[ClipEntry]
    targets: np.ndarray
    """[N] class ids, or [N, T] per frame (UNSCORED where not scored)."""
    splits: list[str]
    sources: list[int]
    """The source (video) each clip comes from."""
    bad: dict[int, str]


def index_clips(layout: Layout, fitting: Fitting, probe_cache: Path | None) -> ClipIndex:
    class_ids = {name: number for number, name in enumerate(layout.classes)}
    counts = _FrameCounts(probe_cache)
    entries: list[ClipEntry] = []
    targets: list[Any] = []
    splits: list[str] = []
    sources: list[int] = []
    bad: dict[int, str] = {}
    for number, source in enumerate(layout.sources):
        name = layout.name(source)
        split = source.split or "train"
        if not layout.per_frame:
            if source.problem:
                bad[len(entries)] = source.problem
            entries.append(ClipEntry(str(source.path), name))
            targets.append(class_ids.get(source.label or "", 0))
            splits.append(split)
            sources.append(number)
            continue
        frames, problem = _frames_for_labels(source, counts)
        if problem:
            bad[len(entries)] = problem
            entries.append(ClipEntry(str(source.path), name))
            targets.append(np.full(fitting.frames, UNSCORED))
            splits.append(split)
            sources.append(number)
            continue
        labels = source.frame_labels or []
        per_frame = np.array([class_ids[label] if label is not None else UNSCORED
                              for label in labels] + [UNSCORED] * (frames - len(labels)))
        for cut in range(clip_reading.cut_count(frames, fitting)):
            taken = np.array(clip_reading.cut_frames(cut, fitting, frames))
            target = per_frame[taken]
            target[clip_reading.cut_steps(cut, fitting, frames):] = UNSCORED
            entries.append(ClipEntry(str(source.path), name, cut, frames))
            targets.append(target)
            splits.append(split)
            sources.append(number)
    counts.save()
    stacked = np.array(targets, dtype=np.int64)
    return ClipIndex(layout, entries, stacked, splits, sources, bad)


def _frames_for_labels(source: Source, counts: _FrameCounts) -> tuple[int, str]:
    """The clip's frame count, and why its labels do not fit it ("" when they do)."""
    if source.problem:
        return 0, source.problem
    try:
        frames = counts.of(source.path)
    except ClipError as error:
        return 0, str(error)
    labels = source.frame_labels or []
    origin = source.labels_from.name if source.labels_from else "its labels"
    if source.labels_from is not None and source.labels_from.suffix.lower() == ".csv":
        if len(labels) > frames:
            return frames, (f"has {frames} frames but the segments in {origin} reach "
                            f"frame {len(labels)}")
        return frames, ""
    if len(labels) != frames:
        return frames, (f"has {frames} frames but {origin} has {len(labels)} labels; "
                        "expected one label per frame")
    return frames, ""


class _FrameCounts:
    """Frame counts of videos, remembered in the cache folder by path, size and time."""

    def __init__(self, folder: Path | None):
        self.file = None if folder is None else folder / "frame-counts.json"
        self.known: dict[str, list[int]] = {}
        self.changed = False
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(self.file.read_text())
                if isinstance(loaded, dict):
                    self.known = loaded

    def of(self, path: Path) -> int:
        info = path.stat()
        key, stamp = str(path.resolve()), [info.st_size, info.st_mtime_ns]
        remembered = self.known.get(key)
        if isinstance(remembered, list) and remembered[:2] == stamp and len(remembered) == 3:
            return int(remembered[2])
        frames = clip_reading.count_frames(path)
        self.known[key] = [*stamp, frames]
        self.changed = True
        return frames

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.known))
            os.replace(temporary, self.file)
