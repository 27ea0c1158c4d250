"""train.py's part shared by the data read from files (clips, sounds, DNA, text lines,
sequences): data.json's parts as datasets with their targets, and batches of samples read
by worker processes, those that cannot be read left out."""
# WORKERS and prepare_targets come from the data's and the task's parts of train.py
# ruff: noqa: F821

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


# ---- copied into train.py from here ----
def file_parts(about: dict[str, Any], files: Callable[[list[dict[str, Any]]], Dataset]
               ) -> dict[str, Any]:
    """x, y, x_val, y_val, x_test, y_test of the parts data.json lists."""
    data: dict[str, Any] = {}
    for part, suffix in (("train", ""), ("validation", "_val"), ("test", "_test")):
        entries = about["parts"].get(part)
        if entries:
            data["x" + suffix] = files(entries)
            targets = torch.tensor([entry["target"] for entry in entries])
            data["y" + suffix] = prepare_targets(targets)
    return data


def collate_files(
    items: list[tuple[int, np.ndarray | None]],
) -> tuple[torch.Tensor, torch.Tensor]:
    kept = [(position, values) for position, values in items if values is not None]
    positions = torch.tensor([position for position, _ in kept], dtype=torch.long)
    if not kept:
        return positions, torch.zeros(0)
    return positions, torch.from_numpy(np.stack([values for _, values in kept]))


def feed_files(x: Dataset, y: torch.Tensor, batches: Iterable[list[int]],
               device: torch.device, as_input: Callable[[torch.Tensor], torch.Tensor]
               ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((as_input(samples),), targets) on the device, one batch of positions at a time,
    read by WORKERS processes."""
    loader = DataLoader(x, batch_sampler=list(batches), num_workers=WORKERS,
                        collate_fn=collate_files)
    for positions, values in loader:
        if len(positions):
            yield (as_input(values.to(device)),), y[positions].to(device)
