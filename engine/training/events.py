"""What a run tells its listeners. Listeners are called on the training thread, so a GUI
must hand events over to its own thread (and may drop batch events it cannot draw)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class RunStarted:
    epochs: int
    first_epoch: int
    batches_per_epoch: int
    train_samples: int
    val_samples: int
    device: str
    parameters: int


@dataclass(frozen=True)
class BatchEnded:
    epoch: int
    batch: int
    """1-based, out of `batches`."""
    batches: int
    loss: float
    samples_per_second: float
    lr: float


@dataclass(frozen=True)
class EpochEnded:
    epoch: int
    epochs: int
    metrics: dict[str, Any]
    """train_loss, val_loss, the task's metrics, lr and seconds."""


EndReason = Literal["completed", "stopped", "early_stopping", "failed"]


@dataclass(frozen=True)
class RunEnded:
    reason: EndReason
    message: str
    epochs_done: int
    metrics: dict[str, Any] = field(default_factory=dict)
    """The last validation figures of the weights the run ends with."""


@dataclass(frozen=True)
class HealthSampled:
    """The layers' health at one sampled batch (engine.inspection.health)."""

    epoch: int
    step: int
    """The batch's number over the whole run, from 0."""
    figures: dict[str, dict[str, float | None]]
    """Per node: mean, std, gradient_norm, dead."""
    problems: list[Any]
    """HealthProblems of the run so far."""


@dataclass(frozen=True)
class SamplesDecoded:
    """Progress of decoding a dataset's files (the first epoch; later ones read the cache
    of decoded samples)."""

    done: int
    total: int
    """Training and validation samples."""
    unreadable: int
    noun: str = "sample"
    """What a sample is: 'clip', 'sound', ..."""
    finished: bool = False
    """The first epoch is over: what was to be decoded is."""


@dataclass(frozen=True)
class Noted:
    """Something the run did differently from what was asked, or what a switch cost: one
    sentence ("compiling the network took 21.3 s, counted in the first epoch")."""

    text: str


Event = (RunStarted | BatchEnded | EpochEnded | HealthSampled | SamplesDecoded | Noted
         | RunEnded)
