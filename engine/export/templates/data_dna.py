"""train.py's data when the project trains on DNA in files: data.json beside train.py
lists each sequence (a FASTA record or an interval of a genome, maybe reverse-complemented,
with its target and split) as Netdesigner indexed them, and dna_reading.py
(engine.data.standalone's, copied beside train.py) reads them as Netdesigner does, with
pyfaidx's random access (`pip install pyfaidx`)."""
# prepare_targets comes from the task's part of train.py
# ruff: noqa: F821

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from engine.data.standalone.dna_reading import (
    DnaError,
    interval_codes,
    one_hot,
    open_fasta,
    record_codes,
    reverse_complement,
)

# ---- copied into train.py from here ----
DATA_FILE = "data.json"
EVAL_BATCH = 256
WORKERS = min(4, max(1, (os.cpu_count() or 2) // 2))
"""Processes that read sequences while the network trains."""


class DnaFiles(Dataset):
    """Sequences read from the FASTA file on demand, as one-hot [4, length]."""

    def __init__(self, fasta: Path, sequences: list[dict[str, Any]], length: int):
        self.fasta, self.sequences, self.length = fasta, sequences, length

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None]:
        sequence = self.sequences[position]
        try:
            fasta = open_fasta(self.fasta)
            if sequence["start"] < 0:
                codes = record_codes(fasta, sequence["record"], self.length)
            else:
                codes = interval_codes(fasta, sequence["record"], sequence["start"],
                                       sequence["end"], self.length)
        except DnaError as error:
            print(f"skipped {sequence['name']}: {error}", flush=True)
            return position, None
        if sequence["reverse"]:
            codes = reverse_complement(codes)
        return position, one_hot(codes)


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training), x_val, y_val (validation) and, when the data has one, x_test,
    y_test. The FASTA file is data.json's "fasta", or the file of that name in
    NETDESIGNER_DATA_ROOT when it is set (the same file elsewhere)."""
    about = json.loads(path.read_text(encoding="utf-8"))
    fasta = Path(about["fasta"])
    if os.environ.get("NETDESIGNER_DATA_ROOT"):
        fasta = Path(os.environ["NETDESIGNER_DATA_ROOT"]) / fasta.name
    if not fasta.is_file():
        raise SystemExit(f"the FASTA file {fasta} is not here; set "
                         "NETDESIGNER_DATA_ROOT to the folder that holds it")
    return file_parts(about, lambda entries: DnaFiles(fasta, entries, about["length"]))



def feed(x: DnaFiles, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((one-hot DNA,), targets) on the device, one batch of positions at a time, read by
    WORKERS processes; sequences that cannot be read are left out."""
    return feed_files(x, y, batches, device, lambda values: values)
