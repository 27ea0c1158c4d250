"""What kind of samples a folder or a CSV holds, so that the dataset entry `{"path": ...}`
alone is enough: text lines, clips, sounds or images (a table CSV is read as a table)."""

from __future__ import annotations

import os
from pathlib import Path

from engine.catalogue import TensorInfo
from engine.data.files.image_folder import IMAGE_SUFFIXES
from engine.data.files.lines.loading import lines_table
from engine.data.standalone.clip_reading import VIDEO_SUFFIXES
from engine.data.standalone.layout import csv_sample_names, is_manifest, is_segments
from engine.data.standalone.sequence_reading import SEQUENCE_SUFFIXES
from engine.data.standalone.sound_reading import SOUND_SUFFIXES

SCAN_LIMIT = 5000
"""Entries looked at to tell what a folder holds."""


def _suffix_counts(path: Path) -> dict[str, int]:
    counts = {"video": 0, "sound": 0, "sequence": 0, "image": 0}
    seen = 0
    for _root, folders, names in os.walk(path):
        folders[:] = [f for f in folders if not f.startswith(".") and f != "__MACOSX"]
        for name in names:
            suffix = os.path.splitext(name)[1].lower()
            if suffix in VIDEO_SUFFIXES:
                counts["video"] += 1
            elif suffix in SOUND_SUFFIXES:
                counts["sound"] += 1
            elif suffix in SEQUENCE_SUFFIXES:
                counts["sequence"] += 1
            elif suffix in IMAGE_SUFFIXES:
                counts["image"] += 1
        seen += len(names) + len(folders)
        if seen > SCAN_LIMIT:
            break
    return counts


def folder_kind(path: Path, sample: TensorInfo | None) -> str:
    """'lines' for a folder whose labels.csv names images and their transcripts, 'sounds'
    where sound files are most of the media, 'clips' where videos are or the Input is a
    clip [T, C, H, W] (folders of frames), 'sequences' where .npy/.csv matrices outnumber
    images and the Input is [T, F] or [F, T], else 'images'."""
    if lines_table(path) is not None:
        return "lines"
    counts = _suffix_counts(path)
    if counts["sound"] > counts["video"] and counts["sound"] >= counts["sequence"]:
        return "sounds"
    if counts["video"] or (sample is not None and len(sample.shape) == 4):
        return "clips"
    if counts["sequence"] > counts["image"] and (sample is None or len(sample.shape) <= 2):
        return "sequences"
    return "images"


def csv_kind(path: Path) -> str:
    """'lines' for images with transcripts, 'clips' or 'sounds' for a manifest (or
    segments) naming such files, else 'table'."""
    if lines_table(path) is not None:
        return "lines"
    if is_segments(path):
        return "clips"
    if not is_manifest(path):
        return "table"
    names = csv_sample_names(path)
    suffixes = [os.path.splitext(n)[1].lower() for n in names]
    if sum(s in SOUND_SUFFIXES for s in suffixes) > len(names) / 2:
        return "sounds"
    if sum(s in SEQUENCE_SUFFIXES for s in suffixes) > len(names) / 2:
        return "sequences"
    return "clips"
