"""The figures of the run in progress, kept in growing numpy arrays: per batch the loss, its
moving average and the learning rate; per epoch the losses, the task's metric(s) and the
learning rate. Storing is cheap; the curves read the arrays only when they are redrawn."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

SMOOTHING_SPAN = 0.01
"""The exponential moving average of the batch loss forgets with a time constant of this
share of the run's epochs, so it lags the same on screen whatever the batch count."""


def metric_names(metric: str) -> list[str]:
    """The per-epoch figures drawn below the loss: the task's metric, and for sequence tasks
    (CTC) the character error rate as well (as engine.training.plot does)."""
    return [metric] + (["val_cer"] if metric == "val_sequence_accuracy" else [])


def metric_label(name: str) -> str:
    """'val_sequence_accuracy' → 'sequence accuracy'."""
    return name.removeprefix("val_").replace("_", " ")


def number(value: Any) -> float:
    """A float, or NaN for a figure that is missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class GrowingArray:
    """A float64 array that doubles its storage when full; `values` is a view of the part
    in use (no copy)."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty(max(capacity, 1), dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, value: float) -> None:
        if self._size == len(self._data):
            grown = np.empty(len(self._data) * 2, dtype=np.float64)
            grown[:self._size] = self._data
            self._data = grown
        self._data[self._size] = value
        self._size += 1

    @property
    def values(self) -> np.ndarray:
        return self._data[:self._size]

    def clear(self) -> None:
        self._size = 0


class RunColumns:
    """One run's figures. Per batch: `batch_x` (epoch - 1 + batch / batches), `batch_loss`,
    `batch_smooth` (its moving average) and `batch_lr`. Per epoch, in `epochs` by name:
    'epoch', 'train_loss', 'val_loss', the metric(s) and 'lr'."""

    def __init__(self) -> None:
        self.batch_x = GrowingArray(4096)
        self.batch_loss = GrowingArray(4096)
        self.batch_smooth = GrowingArray(4096)
        self.batch_lr = GrowingArray(4096)
        """NaN where a batch came without its learning rate."""
        self.epochs: dict[str, GrowingArray] = {}
        self._epoch_count = 1
        self._ema = 0.0
        self._ema_weight = 0.0
        self._decay = 0.0

    def start(self, metrics: list[str], epochs: int) -> None:
        """Empties every column for a run of `epochs` epochs reporting `metrics`."""
        self._epoch_count = epochs
        for column in (self.batch_x, self.batch_loss, self.batch_smooth, self.batch_lr):
            column.clear()
        self._ema = self._ema_weight = 0.0
        self._decay = 0.0
        self.epochs = {name: GrowingArray(max(epochs, 16)) for name in
                       ("epoch", "train_loss", "val_loss", *metrics, "lr")}

    def add_batch(self, x: float, loss: float, lr: float | None = None) -> bool:
        """Stores one batch and updates the moving average; False (and nothing stored) for
        a loss that is not finite."""
        if not math.isfinite(loss):
            return False
        if len(self.batch_x):
            step = x - self.batch_x.values[-1]
            if step > 0:
                self._decay = math.exp(-step / (SMOOTHING_SPAN * self._epoch_count))
        # debiased: the average of what has been seen, not pulled towards 0 at the start
        self._ema = self._decay * self._ema + (1.0 - self._decay) * loss
        self._ema_weight = self._decay * self._ema_weight + (1.0 - self._decay)
        self.batch_x.append(x)
        self.batch_loss.append(loss)
        self.batch_smooth.append(self._ema / self._ema_weight)
        self.batch_lr.append(math.nan if lr is None else float(lr))
        return True

    def add_epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        """Stores one epoch's figures, NaN for the missing ones; a missing 'train_loss' is
        the mean of the epoch's stored batch losses."""
        train_loss = number(metrics.get("train_loss"))
        if not math.isfinite(train_loss):
            train_loss = self.mean_batch_loss(epoch)
        values = {"epoch": float(epoch), "train_loss": train_loss}
        for name, column in self.epochs.items():
            column.append(values[name] if name in values else number(metrics.get(name)))

    def mean_batch_loss(self, epoch: int) -> float:
        xs = self.batch_x.values
        lo, hi = np.searchsorted(xs, [epoch - 1, epoch], side="right")
        return float(self.batch_loss.values[lo:hi].mean()) if hi > lo else math.nan

    def learning_rates(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, learning rate): per batch when the batches brought it, else per epoch."""
        batch_rates = self.batch_lr.values
        if len(batch_rates) and np.isfinite(batch_rates).any():
            return self.batch_x.values, batch_rates
        return self.epochs["epoch"].values, self.epochs["lr"].values

    def last_epoch(self) -> int:
        """The epoch the latest figure belongs to, rounded up (0 before any)."""
        last = 0
        if len(self.batch_x):
            last = max(last, math.ceil(self.batch_x.values[-1]))
        if len(self.epochs.get("epoch", ())):
            last = max(last, math.ceil(self.epochs["epoch"].values[-1]))
        return last
