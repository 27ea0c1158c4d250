"""One sequence file of the index and how it is decoded: engine.data.samples' Decoder for
sequences, which also gives each batch's true lengths."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.cache import SHORT
from engine.data.samples import EachAlone, SampleError
from engine.data.standalone.sequence_reading import SequenceError, fit, read_matrix

DECODER_VERSION = 1


@dataclass(frozen=True, slots=True)
class SequenceEntry:
    path: str
    name: str


@dataclass(frozen=True)
class SequenceDecoder(EachAlone):
    steps: int
    features: int
    features_first: bool = False
    """The Input is [features, steps] (a network that starts with Conv1d): transposed."""
    where: str = "end"
    """How sequences are fitted to `steps` (engine.data.standalone.sequence_reading.fit)."""
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    stored_dtype = "float32"
    noun = "sequence"
    export_template = "data_sequences"
    exported_modules = ("sequence_reading",)
    export_needs = "nothing more"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return ((self.features, self.steps) if self.features_first
                else (self.steps, self.features))

    @property
    def stored_shape(self) -> tuple[int, ...]:
        """[steps + 1, features]: the steps, then a row whose first value is the true
        length."""
        return (self.steps + 1, self.features)

    @property
    def carries_lengths(self) -> bool:
        """Padding only at the end: recurrent layers can be given the true lengths."""
        return self.where == "end" and not self.features_first

    def decode(self, entry: SequenceEntry) -> tuple[np.ndarray, int]:
        try:
            matrix = read_matrix(Path(entry.path))
        except SequenceError as error:
            raise SampleError(str(error)) from None
        if matrix.shape[1] != self.features:
            raise SampleError(f"has {matrix.shape[1]} feature column"
                              f"{'s' * (matrix.shape[1] != 1)}; the Input takes "
                              f"{self.features}")
        fitted, length = fit(matrix, self.steps, self.where)
        stored = np.zeros(self.stored_shape, np.float32)
        stored[:self.steps] = fitted
        stored[self.steps, 0] = length
        return stored, SHORT if len(matrix) < self.steps else 0


    def channels_of(self, values: np.ndarray) -> np.ndarray:
        """[features, true steps], for each feature's statistics."""
        length = int(values[self.steps, 0])
        return values[:length].T

    def with_statistics(self, mean: list[float], std: list[float]) -> SequenceDecoder:
        return replace(self, mean=tuple(mean), std=tuple(std))

    def to_inputs(self, stored: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(the sequences as the Input takes them, their true lengths when they carry
        them): padding stays zero after standardising."""
        values = stored[:, :self.steps]
        lengths = stored[:, self.steps, 0].round().long()
        if self.mean is not None and self.std is not None:
            mean = torch.tensor(self.mean, device=values.device)
            std = torch.tensor(self.std, device=values.device)
            real = (torch.arange(self.steps, device=values.device)[None]
                    < lengths[:, None])[..., None]
            values = torch.where(real, (values - mean) / std, torch.zeros_like(values))
        if self.features_first:
            values = values.transpose(1, 2)
        if not self.carries_lengths:
            return (values.contiguous(),)
        return values.contiguous(), lengths.clamp(min=1)

    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        return self.to_inputs(stored)[0]

    def name(self, entry: SequenceEntry) -> str:
        return entry.name

    def short_note(self, count: int) -> str:
        sequences = f"{count:,} sequence{'s' * (count != 1)}"
        where = "at the end" if self.where == "end" else "around the middle"
        return (f"{sequences} had fewer than the Input's {self.steps} steps: padded with "
                f"zeros {where}")

    def export_entry(self, entry: SequenceEntry) -> dict[str, Any]:
        return {"file": entry.name}

    def export_settings(self) -> dict[str, Any]:
        return {"steps": self.steps, "features": self.features,
                "features_first": self.features_first, "fit": self.where,
                "standardisation": None if self.mean is None else {
                    "mean": list(self.mean), "std": list(self.std or ())}}

    def statistics(self) -> dict[str, Any] | None:
        if self.mean is None:
            return None
        return {"per": "feature", "mean": list(self.mean), "std": list(self.std or ())}
