"""What a dataset is to the trainer: tensors in memory, with what they mean."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch

TargetKind = Literal["classes", "values", "strings"]
"""classes: int64 class ids (one per sample, or one per time step); values: float targets
(regression, or 0/1 for BCEWithLogitsLoss); strings: int64 label sequences padded with
PAD, for CTC."""

PAD = -1
"""Fills label sequences shorter than the longest in a 'strings' dataset."""


class DataError(Exception):
    """Data that cannot be used as asked; the message says what was found and what fits."""


@dataclass
class Dataset:
    name: str
    x: torch.Tensor
    """Samples, batch first: [N, *sample_shape]; float32, or int64 token ids."""
    y: torch.Tensor
    kind: TargetKind
    classes: list[str] = field(default_factory=list)
    """Class names (classes), or the alphabet of label ids 1.. (strings); empty for values."""
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    """A validation set the data brings itself (held-out test strings, x_val in an .npz);
    when absent the trainer splits one off with the project's validation_split."""

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DataError(f"{self.name}: {len(self.x)} samples but {len(self.y)} targets; "
                            "there must be one target per sample")
        if self.x_val is not None and (self.y_val is None or len(self.x_val) != len(
                self.y_val)):
            raise DataError(f"{self.name}: the validation samples and targets do not pair up")

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def dtype(self) -> str:
        return "int64" if self.x.dtype == torch.int64 else "float32"

    def describe(self) -> str:
        shape = "[" + ", ".join(map(str, self.sample_shape)) + "]"
        what = {"classes": f"{len(self.classes)} classes", "values": "numeric targets",
                "strings": f"label strings over {len(self.classes)} symbols"}[self.kind]
        validation = f", {len(self.x_val)} validation" if self.x_val is not None else ""
        return f"{self.name}: {len(self.x)} samples of {shape}{validation}, {what}"


def split_validation(dataset: Dataset, fraction: float, seed: int) -> Dataset:
    """The same data with a random `fraction` of it set aside for validation (unless the data
    brings its own validation set)."""
    if dataset.x_val is not None or fraction <= 0:
        return dataset
    count = len(dataset.x)
    held = round(count * fraction)
    if held < 1 or held >= count:
        raise DataError(f"validation_split {fraction} of {count} samples leaves "
                        f"{count - held} to train on and {held} to validate; change it")
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    val, train = order[:held], order[held:]
    return Dataset(dataset.name, dataset.x[train], dataset.y[train], dataset.kind,
                   dataset.classes, dataset.x[val], dataset.y[val])
