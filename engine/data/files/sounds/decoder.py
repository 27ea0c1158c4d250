"""One sound of the index and how it is decoded: engine.data.samples' Decoder for sounds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.cache import SHORT
from engine.data.samples import EachAlone, SampleError
from engine.data.standalone.sound_reading import SoundError, Spectrogram, read_spectrogram

DECODER_VERSION = 1
"""Part of the cache's key: raise it when decoding changes what a sound decodes to."""


@dataclass(frozen=True, slots=True)
class SoundEntry:
    path: str
    name: str


@dataclass(frozen=True)
class SoundDecoder(EachAlone):
    spectrogram: Spectrogram
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    """Per mel band, over the training split: each band is standardised with them."""

    stored_dtype = "float16"
    noun = "sound"
    export_template = "data_sounds"
    exported_modules = ("sound_reading",)
    export_needs = "soundfile"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (1, self.spectrogram.n_mels, self.spectrogram.frames)

    def decode(self, entry: SoundEntry) -> tuple[np.ndarray, int]:
        try:
            values, short = read_spectrogram(Path(entry.path), self.spectrogram)
        except SoundError as error:
            raise SampleError(str(error)) from None
        return values.astype(np.float16), SHORT if short else 0


    def channels_of(self, values: np.ndarray) -> np.ndarray:
        """[n_mels, frames]: the values of each mel band, for its statistics."""
        return values[0]

    def with_statistics(self, mean: list[float], std: list[float]) -> SoundDecoder:
        return replace(self, mean=tuple(mean), std=tuple(std))

    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        values = stored.float()
        if self.mean is not None and self.std is not None:
            mean = torch.tensor(self.mean, device=values.device)[:, None]
            std = torch.tensor(self.std, device=values.device)[:, None]
            values = (values - mean) / std
        return values

    def name(self, entry: SoundEntry) -> str:
        return entry.name

    def short_note(self, count: int) -> str:
        sounds = f"{count:,} sound{'s' * (count != 1)}"
        return (f"{sounds} lasted less than the {self.spectrogram.seconds:.2f} s the Input's "
                f"{self.spectrogram.frames} frames take: padded with silence")

    def export_entry(self, entry: SoundEntry) -> dict[str, Any]:
        return {"file": entry.name}

    def export_settings(self) -> dict[str, Any]:
        return {"spectrogram": asdict(self.spectrogram),
                "standardisation": None if self.mean is None else {
                    "mean": list(self.mean), "std": list(self.std or ())}}

    def statistics(self) -> dict[str, Any] | None:
        """What a run keeps of the standardisation."""
        if self.mean is None:
            return None
        return {"per": "mel band", "mean": list(self.mean), "std": list(self.std or ())}
