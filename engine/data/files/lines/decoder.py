"""One text line of the index and how it is decoded: engine.data.samples' Decoder for
line images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.samples import EachAlone, SampleError
from engine.data.standalone.line_reading import LineError, read_line

DECODER_VERSION = 1


@dataclass(frozen=True, slots=True)
class LineEntry:
    path: str
    name: str


@dataclass(frozen=True)
class LineDecoder(EachAlone):
    channels: int
    height: int
    width: int
    resize: str = "height"

    stored_dtype = "uint8"
    noun = "line"
    export_template = "data_lines"
    exported_modules = ("line_reading",)
    export_needs = "Pillow"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (self.channels, self.height, self.width)

    def decode(self, entry: LineEntry) -> tuple[np.ndarray, int]:
        try:
            values, _ = read_line(Path(entry.path), self.channels, self.height, self.width,
                                  self.resize)
        except LineError as error:
            raise SampleError(str(error)) from None
        return values, 0


    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        return stored.float().div_(255.0)

    def name(self, entry: LineEntry) -> str:
        return entry.name

    def short_note(self, count: int) -> str:
        return ""

    def export_entry(self, entry: LineEntry) -> dict[str, Any]:
        return {"file": entry.name}

    def export_settings(self) -> dict[str, Any]:
        return {"channels": self.channels, "height": self.height, "width": self.width,
                "resize": self.resize}
