"""The preview of a dataset of sounds (engine.data.preview): its layout and counts, a few
sounds as the spectrograms the Input will take, and what reaches the Input."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError
from engine.data.files.file_options import check_options
from engine.data.files.layout_preview import class_examples, layout_counts, unreadable_lines
from engine.data.files.sounds.decoder import SoundDecoder, SoundEntry
from engine.data.files.sounds.loading import OPTIONS, sound_layout, spectrogram_for
from engine.data.preview import DataPreview, Example
from engine.data.standalone.layout import Source
from engine.data.standalone.sound_reading import SoundError, Spectrogram, sound_facts


def preview_sounds(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                   cache_dir: Path | None, count: int) -> DataPreview:
    name = f"{path.name}/" if path.is_dir() else path.name
    try:
        check_options(options, name, OPTIONS, "sounds")
        layout = sound_layout(path)
    except DataError as error:
        return DataPreview("sounds", problem=str(error))
    problem, suggested = "", None
    try:
        spectrogram = spectrogram_for(sample, options, name, layout)
    except DataError as error:
        problem, suggested = str(error), error.suggested_input
        if suggested is None:
            return DataPreview("sounds", layout.kind, problem=problem)
        spectrogram = Spectrogram(suggested[1], suggested[2])
    counts = layout_counts(layout, "sounds")
    decoder = SoundDecoder(spectrogram)

    def example(source: Source) -> Example:
        entry = SoundEntry(str(source.path), layout.name(source))
        values, _ = decoder.decode(entry)
        return Example(values.astype(np.float32), entry.name, label=source.label or "",
                       kind="spectrogram")

    shown, unreadable, first = class_examples(layout, count, example)
    return DataPreview("sounds", layout.kind, counts.summary, counts.classes, counts.splits,
                       _reaches(spectrogram, first and first.path), shown,
                       unreadable_lines(layout, unreadable), problem, suggested)


def _reaches(spectrogram: Spectrogram, first: Path | None) -> str:
    shape = f"[1, {spectrogram.n_mels}, {spectrogram.frames}]"
    how = (f"{spectrogram.n_mels} mel bands × {spectrogram.frames} frames of "
           f"{spectrogram.window_ms:g} ms every {spectrogram.hop_ms:g} ms: the first "
           f"{spectrogram.seconds:.2f} s at {spectrogram.rate / 1000:g} kHz")
    if first is None:
        return f"{shape}: {how}"
    try:
        facts = sound_facts(first)
    except SoundError:
        return f"{shape}: {how}"
    channels = {1: "mono", 2: "stereo"}.get(facts.channels, f"{facts.channels} channels")
    return (f"{shape} from {facts.rate / 1000:g} kHz {channels}, {facts.seconds:.2f} s long: "
            f"{how}")
