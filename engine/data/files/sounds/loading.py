"""A dataset of sounds: the layout found (class folders, split folders, a manifest CSV),
the Input's spectrogram, and the samples decoded on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset
from engine.data.files.file_options import check_options, flag, number, reading, whole
from engine.data.files.on_demand import Indexed, files_digest, on_demand_dataset
from engine.data.files.sounds.decoder import DECODER_VERSION, SoundDecoder, SoundEntry
from engine.data.standalone.layout import Layout, LayoutError, find_layout
from engine.data.standalone.sound_reading import (
    SoundError,
    Spectrogram,
    is_sound,
    sound_facts,
)

OPTIONS = {
    "rate": "samples per second every sound is resampled to (default 16000)",
    "window_ms": "the length of each spectrogram window in milliseconds (default 25)",
    "hop_ms": "milliseconds between windows (default 10)",
    "standardise": "false: leave each mel band's values as they are (default true: "
                   "standardised with the training split's mean and deviation)",
}
DEFAULT_MELS = 40
DEFAULT_FRAMES = 98
"""The Input suggested for sounds: 40 mel bands, 98 frames (a second at 10 ms)."""


def sound_layout(path: Path) -> Layout:
    try:
        layout = find_layout(path, is_sound)
    except LayoutError as error:
        raise DataError(str(error)) from None
    if layout.per_frame:
        raise DataError(f"{path.name}: sounds are labelled one class per sound (class "
                        "folders or a manifest's label column); labels per frame are read "
                        "for video clips only")
    return layout


def suggested_input(layout: Layout, hop_ms: float = 10.0) -> list[int]:
    """40 mel bands and the frames that cover the first readable sound (at least 10, at most
    1000)."""
    hop = hop_ms / 1000
    for source in layout.sources:
        if source.problem:
            continue
        try:
            seconds = sound_facts(source.path).seconds
        except SoundError:
            continue
        return [1, DEFAULT_MELS, int(min(1000, max(10, round(seconds / hop) - 2)))]
    return [1, DEFAULT_MELS, DEFAULT_FRAMES]


def spectrogram_for(sample: TensorInfo | None, options: Mapping[str, Any], name: str,
                    layout: Layout) -> Spectrogram:
    rate = whole(options, "rate", 16_000, name, 1_000, 384_000)
    window_ms = number(options, "window_ms", 25.0, name, 1.0, 1000.0)
    hop_ms = number(options, "hop_ms", 10.0, name, 0.5, 1000.0)
    shape = tuple(sample.shape) if sample is not None else ()
    if (len(shape) != 3 or shape[0] != 1 or min(shape) < 1
            or (sample is not None and sample.dtype != "float32")):
        suggested = suggested_input(layout, hop_ms)
        given = f"the network's Input is {sample}" if sample is not None else \
            "no Input shape was given"
        raise DataError(f"{name} holds sounds, read as log-mel spectrograms [1, mel bands, "
                        f"frames] of float32, but {given}; set the Input to "
                        "[" + ", ".join(map(str, suggested)) + "]", suggested)
    spectrogram = Spectrogram(int(shape[1]), int(shape[2]), rate, window_ms, hop_ms)
    if spectrogram.n_fft // 2 + 1 < spectrogram.n_mels:
        raise DataError(f"{name}: {spectrogram.n_mels} mel bands need windows of at least "
                        f"{2 * spectrogram.n_mels - 2} samples, but {window_ms:g} ms at "
                        f"{rate} per second is {spectrogram.window}; lengthen window_ms or "
                        "use fewer bands")
    return spectrogram


def load_sounds(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                cache_dir: Path | None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name, OPTIONS, "sounds")
    layout = sound_layout(path)
    spectrogram = spectrogram_for(sample, options, name, layout)
    settings = reading(options, name)
    class_ids = {label: number for number, label in enumerate(layout.classes)}
    entries = [SoundEntry(str(source.path), layout.name(source))
               for source in layout.sources]
    bad = {record: source.problem for record, source in enumerate(layout.sources)
           if source.problem}
    targets = np.array([class_ids.get(source.label or "", 0) for source in layout.sources],
                       dtype=np.int64)
    indexed = Indexed(entries, targets, [s.split or "train" for s in layout.sources], bad)
    key = files_digest([DECODER_VERSION, asdict(spectrogram)],
                       ((entry.path, "") for entry in entries))
    return on_demand_dataset(path, layout.root, indexed, SoundDecoder(spectrogram),
                             "classes", layout.classes, settings, cache_dir, key,
                             standardise=flag(options, "standardise", True, name))
