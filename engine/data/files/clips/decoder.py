"""One clip of the index (a video, a frame folder, or one cut of a long video) and how it
is decoded: engine.data.samples' Decoder for clips."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.cache import SHORT
from engine.data.samples import SampleError
from engine.data.standalone import clip_reading
from engine.data.standalone.clip_reading import ClipError, Fitting

DECODER_VERSION = 1
"""Part of the cache's key: raise it when decoding changes what a clip decodes to."""


@dataclass(frozen=True, slots=True)
class ClipEntry:
    path: str
    name: str
    """As the user knows it: relative to the dataset folder."""
    cut: int | None = None
    """For a video cut into consecutive clips: which clip; None: the whole video sampled."""
    frames: int = 0
    """For a cut: the video's frame count."""


@dataclass(frozen=True)
class ClipDecoder:
    fitting: Fitting

    @property
    def sample_shape(self) -> tuple[int, ...]:
        f = self.fitting
        return (f.frames, f.channels, f.height, f.width)

    stored_dtype = "uint8"
    noun = "clip"
    export_template = "data_clips"
    """The part of an exported train.py that reads these clips (engine/export/templates)."""
    exported_modules = ("clip_reading",)
    export_needs = "PyAV (Pillow for folders of frames)"
    """engine.data.standalone modules copied beside an exported train.py."""

    def export_entry(self, entry: ClipEntry) -> dict[str, Any]:
        return {"file": entry.name, "cut": entry.cut, "frames": entry.frames}

    def export_settings(self) -> dict[str, Any]:
        return {"fitting": asdict(self.fitting)}

    def decode(self, entry: ClipEntry) -> tuple[np.ndarray, int]:
        try:
            if entry.cut is None:
                values, short = clip_reading.read_clip(Path(entry.path), self.fitting)
                return values, SHORT if short else 0
            for _, values in clip_reading.read_cuts(Path(entry.path), self.fitting,
                                                    entry.frames, [entry.cut]):
                return values, 0
        except ClipError as error:
            raise SampleError(str(error)) from None
        raise SampleError("gave no clip")

    def group(self, entry: ClipEntry) -> str | None:
        return entry.path if entry.cut is not None else None

    def decode_group(self, entries: Sequence[tuple[int, ClipEntry]]
                     ) -> Iterator[tuple[int, np.ndarray, int]]:
        if not entries:
            return
        first = entries[0][1]
        record_of = {entry.cut: record for record, entry in entries}
        try:
            for cut, values in clip_reading.read_cuts(Path(first.path), self.fitting,
                                                      first.frames, list(record_of)):
                yield record_of[cut], values, 0
        except ClipError as error:
            raise SampleError(str(error)) from None

    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        return stored.float().div_(255.0)

    def short_note(self, count: int) -> str:
        fitting = self.fitting
        clips = f"{count:,} clip{'s' * (count != 1)}"
        if fitting.short == "refuse":
            return ""
        return (f"{clips} had fewer frames than the Input's {fitting.frames}: the last "
                "frame was repeated")

    def name(self, entry: ClipEntry) -> str:
        return entry.name if entry.cut is None else f"{entry.name} (clip {entry.cut + 1})"
