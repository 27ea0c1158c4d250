"""train.py's data when the project trains on sequences in files: data.json beside train.py
lists each sequence file (its target and split) as Netdesigner indexed them, with how they
are fitted and each feature's standardisation, and sequence_reading.py
(engine.data.standalone's, copied beside train.py) reads them as Netdesigner does. Padded
at the end for a model whose Input is variable_length (data.json's "lengths"), each batch
comes with the sequences' true lengths, which its recurrent layers read instead of the
padding."""
# prepare_targets comes from the task's part of train.py
# ruff: noqa: F821

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from engine.data.standalone.sequence_reading import SequenceError, fit, read_matrix

# ---- copied into train.py from here ----
DATA_FILE = "data.json"
EVAL_BATCH = 256
WORKERS = min(4, max(1, (os.cpu_count() or 2) // 2))
"""Processes that read sequence files while the network trains."""


class SequenceFiles(Dataset):
    """Sequences read from their files on demand: (values [steps, features], length)."""

    def __init__(self, root: Path, sequences: list[dict[str, Any]],
                 about: dict[str, Any]):
        self.root, self.sequences, self.about = root, sequences, about
        standardisation = about.get("standardisation")
        self.mean = self.std = None
        if standardisation:
            self.mean = np.array(standardisation["mean"], np.float32)
            self.std = np.array(standardisation["std"], np.float32)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None, int]:
        sequence = self.sequences[position]
        try:
            matrix = read_matrix(self.root / sequence["file"])
            if matrix.shape[1] != self.about["features"]:
                raise SequenceError(f"has {matrix.shape[1]} features, not "
                                    f"{self.about['features']}")
        except SequenceError as error:
            print(f"skipped {sequence['file']}: {error}", flush=True)
            return position, None, 0
        values, length = fit(matrix, self.about["steps"], self.about["fit"])
        if self.mean is not None:
            values[:length] = (values[:length] - self.mean) / self.std
        if self.about["features_first"]:
            values = np.ascontiguousarray(values.T)
        return position, values, length


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training), x_val, y_val (validation) and, when the data has one, x_test,
    y_test. The sequences' folder is data.json's "root", or NETDESIGNER_DATA_ROOT when it
    is set (the same files elsewhere)."""
    about = json.loads(path.read_text(encoding="utf-8"))
    root = Path(os.environ.get("NETDESIGNER_DATA_ROOT") or about["root"])
    if not root.is_absolute():
        root = path.parent / root
    if not root.is_dir():
        raise SystemExit(f"the sequences' folder {root} is not here; set "
                         "NETDESIGNER_DATA_ROOT to where the same files are")
    return file_parts(about, lambda entries: SequenceFiles(root, entries, about))


def _collate(
    items: list[tuple[int, np.ndarray | None, int]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    kept = [item for item in items if item[1] is not None]
    positions = torch.tensor([position for position, _, _ in kept], dtype=torch.long)
    lengths = torch.tensor([max(length, 1) for _, _, length in kept], dtype=torch.long)
    if not kept:
        return positions, torch.zeros(0), lengths
    return positions, torch.from_numpy(np.stack([v for _, v, _ in kept])), lengths


def feed(x: SequenceFiles, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((sequences, their true lengths), targets) on the device, one batch of positions
    at a time, read by WORKERS processes; unreadable files are left out. The lengths come
    only for a model that takes them (data.json's "lengths")."""
    loader = DataLoader(x, batch_sampler=list(batches), num_workers=WORKERS,
                        collate_fn=_collate)
    with_lengths = x.about.get("lengths", False)
    for positions, values, lengths in loader:
        if len(positions):
            inputs = (values.to(device),) + ((lengths.to(device),) if with_lengths
                                             else ())
            yield inputs, y[positions].to(device)
