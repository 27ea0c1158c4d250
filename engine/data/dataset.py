"""What a dataset is to the trainer: samples (tensors in memory, or files decoded on
demand: engine.data.samples) and targets, with what they mean."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import torch

TargetKind = Literal["classes", "values", "strings"]
"""classes: int64 class ids (one per sample, or one per time step); values: float targets
(regression, or 0/1 for BCEWithLogitsLoss); strings: int64 label sequences padded with
PAD, for CTC."""

PAD = -1
"""Fills label sequences shorter than the longest in a 'strings' dataset."""
UNSCORED = -100
"""A time step whose class is not known or not real (a clip's padded end, a frame no label
covers): its loss and accuracy are not counted (CrossEntropyLoss's ignore_index)."""


class DataError(Exception):
    """Data that cannot be used as asked; the message says what was found and what fits."""

    def __init__(self, message: str, suggested_input: list[int] | None = None):
        super().__init__(message)
        self.suggested_input = suggested_input
        """The Input shape that would fit the data, when the Input is what does not fit."""


QUOTED_LENGTH = 40


def quoted(text: str) -> str:
    """A cell of the user's file as a message quotes it: whole when short, else its start
    and how long it is (a DNA sequence of 200 letters would fill the message)."""
    if len(text) <= QUOTED_LENGTH:
        return repr(text)
    return f"{text[:QUOTED_LENGTH]!r}… ({len(text):,} characters)"

@dataclass
class Dataset:
    name: str
    x: Any
    """Samples, batch first: [N, *sample_shape]; a float32 tensor, an int64 tensor of
    token ids, or FileSamples decoded on demand (engine.data.samples)."""
    y: torch.Tensor
    kind: TargetKind
    classes: list[str] = field(default_factory=list)
    """Class names (classes), or the alphabet of label ids 1.. (strings); empty for values."""
    x_val: Any = None
    y_val: torch.Tensor | None = None
    """A validation set the data brings itself (held-out test strings, x_val in an .npz, a
    validation/ folder); when absent the trainer splits one off with the project's
    validation_split."""
    x_test: Any = None
    y_test: torch.Tensor | None = None
    """A test split the data brings (a test/ folder, rows marked test): measured once, at
    the end of a run."""
    groups: torch.Tensor | None = None
    """Per training sample, the file it was cut from: validation is split off by whole
    groups, so that neighbouring clips of one video are not on both sides (a group below
    0 stays in training: samples known to be unreadable)."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about how the data was read (no cache, say)."""

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DataError(f"{self.name}: {len(self.x)} samples but {len(self.y)} targets; "
                            "there must be one target per sample")
        for part, x, y in (("validation", self.x_val, self.y_val),
                           ("test", self.x_test, self.y_test)):
            if x is not None and (y is None or len(x) != len(y)):
                raise DataError(f"{self.name}: the {part} samples and targets do not pair up")

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def dtype(self) -> str:
        return "int64" if self.x.dtype == torch.int64 else "float32"

    @property
    def on_demand(self) -> bool:
        """The samples are decoded from files as they are needed (FileSamples, not a
        tensor)."""
        return not isinstance(self.x, torch.Tensor)

    def describe(self) -> str:
        shape = "[" + ", ".join(map(str, self.sample_shape)) + "]"
        what = {"classes": f"{len(self.classes)} classes", "values": "numeric targets",
                "strings": f"label strings over {len(self.classes)} symbols"}[self.kind]
        validation = f", {len(self.x_val)} validation" if self.x_val is not None else ""
        test = f", {len(self.x_test)} test" if self.x_test is not None else ""
        return f"{self.name}: {len(self.x)} samples of {shape}{validation}{test}, {what}"


def take(samples: Any, positions: Any) -> Any:
    """`samples` at `positions`: for samples in files a view that decodes nothing."""
    subset = getattr(samples, "subset", None)
    return subset(positions) if subset is not None else samples[positions]


def split_validation(dataset: Dataset, fraction: float, seed: int) -> Dataset:
    """The same data with a random `fraction` of it set aside for validation (unless the data
    brings its own validation set); by whole groups when the samples have groups."""
    if dataset.x_val is not None or fraction <= 0:
        return dataset
    count = len(dataset.x)
    generator = torch.Generator().manual_seed(seed)
    eligible = None if dataset.groups is None else torch.unique(
        dataset.groups[dataset.groups >= 0])
    if eligible is not None and len(eligible) >= 2:
        names = eligible
        held_groups = max(1, round(len(names) * fraction))
        if held_groups >= len(names):
            held_groups = len(names) - 1
        chosen = names[torch.randperm(len(names), generator=generator)[:held_groups]]
        in_validation = torch.isin(dataset.groups, chosen)
        val, train = (torch.nonzero(in_validation).flatten(),
                      torch.nonzero(~in_validation).flatten())
    else:
        held = round(count * fraction)
        if held < 1 or held >= count:
            raise DataError(f"validation_split {fraction} of {count} samples leaves "
                            f"{count - held} to train on and {held} to validate; change it")
        order = torch.randperm(count, generator=generator)
        val, train = order[:held], order[held:]
    return replace(dataset, x=take(dataset.x, train), y=dataset.y[train],
                   x_val=take(dataset.x, val), y_val=dataset.y[val],
                   groups=None if dataset.groups is None else dataset.groups[train])
