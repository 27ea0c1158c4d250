"""What a chosen dataset holds, before any training: its layout, how many samples per
class and split, a few decoded examples, what reaches the network's Input, and why the
Input does not fit (with the Input that would). For data in files (clips); the built-ins
and arrays describe themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo


@dataclass(frozen=True)
class Example:
    values: np.ndarray
    """As the Input takes it: [T, C, H, W] floats in [0, 1] for a clip."""
    name: str
    label: str = ""
    """The sample's class; "" when it is labelled frame by frame."""
    frame_labels: list[str] | None = None
    kind: str = "clip"
    """How to show it: 'clip' (a strip of frames), 'spectrogram' (low frequencies at the
    bottom), 'dna' (base codes as coloured letters), 'image', 'sequence' ([T, F] as
    curves over time)."""
    length: int | None = None
    """A padded sequence's true steps."""


@dataclass(frozen=True)
class DataPreview:
    kind: str
    """What a sample is, in the plural: 'clips', 'sounds', 'DNA sequences'."""
    layout: str = ""
    """How the files are laid out: 'class folders', 'labelled samples, split', ..."""
    summary: str = ""
    """One line: how many samples, classes and splits."""
    classes: list[tuple[str, int]] = field(default_factory=list)
    """Per class, its samples (or, labelled frame by frame, its frames)."""
    splits: list[tuple[str, int]] = field(default_factory=list)
    reaches: str = ""
    """What reaches the Input: '[16, 3, 64, 64] from 320×240 at 25 fps, 2.1 s sampled'."""
    examples: list[Example] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """Samples found unusable while indexing, each with why."""
    problem: str = ""
    """Why the data cannot train this network as it is ("" when it can)."""
    suggested_input: list[int] | None = None
    """When the Input is what does not fit: the Input shape that would."""


def resolve(path_text: str, base_dir: Path | None) -> Path:
    try:
        path = Path(path_text).expanduser()
    except RuntimeError:  # '~someone' who has no home here
        path = Path(path_text)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def preview_dataset(entry: Any, base_dir: Path | None, sample: TensorInfo | None,
                    cache_dir: Path | None = None, examples: int = 6,
                    consumer: str | None = None) -> DataPreview | None:
    """The preview of a dataset entry whose samples live in files; None for the other
    kinds (a built-in, an .npz, a CSV table, a folder of images). `consumer`: the type of
    the layer the Input feeds (which decides how sequences meet it)."""
    from engine.data.files.clips import preview as clip_preview
    from engine.data.files.dna import preview as dna_preview
    from engine.data.files.kinds import csv_kind, folder_kind
    from engine.data.files.lines import preview as line_preview
    from engine.data.files.sequences import preview as sequence_preview
    from engine.data.files.sounds import preview as sound_preview
    from engine.data.standalone.dna_reading import is_bed, is_fasta

    if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
        return None
    path = resolve(entry["path"], base_dir)
    options = {k: v for k, v in entry.items() if k != "path"}
    if (is_fasta(path) or is_bed(path)) and path.is_file():
        return dna_preview.preview_dna(path, sample, options, cache_dir, examples, base_dir)
    try:
        if path.is_dir():
            kind = folder_kind(path, sample)
        elif path.suffix.lower() == ".csv" and path.is_file():
            kind = csv_kind(path)
        else:
            return None
    except (OSError, ValueError):
        return None
    if kind == "sequences":
        return sequence_preview.preview_sequences(path, sample, options, cache_dir, examples,
                                                  consumer)
    previews = {"clips": clip_preview.preview_clips, "sounds": sound_preview.preview_sounds,
                "lines": line_preview.preview_lines}
    if kind not in previews:
        return None
    return previews[kind](path, sample, options, cache_dir, examples)
