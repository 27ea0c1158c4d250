"""One DNA sequence of the index (a FASTA record or an interval of a genome, forward or
reverse-complemented) and how it is decoded: engine.data.samples' Decoder for DNA."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.data.samples import EachAlone, SampleError
from engine.data.standalone.dna_reading import (
    DnaError,
    interval_codes,
    open_fasta,
    record_codes,
    reverse_complement,
)

DECODER_VERSION = 1


@dataclass(frozen=True, slots=True)
class DnaEntry:
    name: str
    """The record's id, or chrom:start-end for an interval."""
    record: str
    """The record, or the interval's chromosome."""
    start: int = -1
    end: int = -1
    """An interval of the record (0-based, end exclusive, as BED counts); -1: all of it."""
    reverse: bool = False
    """Read as its reverse complement (training augmentation)."""


@dataclass(frozen=True)
class DnaDecoder(EachAlone):
    fasta: str
    index: str | None
    """Where pyfaidx keeps the FASTA's .fai (None: beside the file)."""
    length: int

    stored_dtype = "uint8"
    noun = "sequence"
    export_template = "data_dna"
    exported_modules = ("dna_reading",)
    export_needs = "pyfaidx"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (4, self.length)

    @property
    def stored_shape(self) -> tuple[int, ...]:
        """One byte per base: its code (0..3 for A, C, G, T; 4 for N and the rest)."""
        return (self.length,)

    def decode(self, entry: DnaEntry) -> tuple[np.ndarray, int]:
        try:
            fasta = open_fasta(Path(self.fasta), None if self.index is None else
                               Path(self.index))
            if entry.start < 0:
                codes = record_codes(fasta, entry.record, self.length)
            else:
                codes = interval_codes(fasta, entry.record, entry.start, entry.end,
                                       self.length)
        except DnaError as error:
            raise SampleError(str(error)) from None
        return (reverse_complement(codes) if entry.reverse else codes), 0


    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        """[B, L] base codes → [B, 4, L] one-hot floats (N all zeros)."""
        return F.one_hot(stored.long(), 5)[..., :4].transpose(1, 2).float()

    def name(self, entry: DnaEntry) -> str:
        return entry.name + (" (reverse complement)" if entry.reverse else "")

    def short_note(self, count: int) -> str:
        return ""

    def export_entry(self, entry: DnaEntry) -> dict[str, Any]:
        return {"record": entry.record, "start": entry.start, "end": entry.end,
                "reverse": entry.reverse, "name": entry.name}

    def export_settings(self) -> dict[str, Any]:
        return {"fasta": self.fasta, "length": self.length}
