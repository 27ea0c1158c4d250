"""The losses of a run's batches, read back from the device only when someone needs them.

Reading a loss (`loss.item()`) makes the CPU wait for the GPU to finish every step queued
so far, so a GPU that gets a readback after every batch idles while the next batch is
prepared. On CUDA the trainer keeps the batches' losses on the device and reads them all
at once, at most every READ_EVERY_S seconds and at the end of each epoch (the progress line
and the curves need no more); on a CPU, where a readback costs nothing, after every batch.
A loss that is not finite is found when it is read, and the run then ends as it does for
any such batch, with the weights of the last good epoch.
"""

from __future__ import annotations

import time

import torch

READ_EVERY_S = 0.25
"""How stale the progress line's loss may be on a GPU: four readbacks a second at most."""


class LossReadback:
    def __init__(self, every_s: float):
        self.every_s = every_s
        self._pending: list[tuple[torch.Tensor | float, int]] = []
        self._read_at = time.monotonic()

    @classmethod
    def for_device(cls, device: torch.device) -> LossReadback:
        return cls(READ_EVERY_S if device.type == "cuda" else 0.0)

    @property
    def immediate(self) -> bool:
        """Whether every batch's loss is read at once (checked before its step)."""
        return self.every_s <= 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, loss: torch.Tensor | float, samples: int) -> None:
        """A batch's mean loss (a 0-d tensor, detached, or a number) over `samples`."""
        self._pending.append((loss, samples))

    def due(self, end_of_epoch: bool) -> bool:
        return bool(self._pending) and (
            end_of_epoch or self.immediate
            or time.monotonic() - self._read_at >= self.every_s)

    def read(self) -> tuple[list[float], list[int]]:
        """The losses added since the last read, in order, with their sample counts: one
        wait for the device for all of them."""
        tensors = [loss for loss, _ in self._pending if isinstance(loss, torch.Tensor)]
        read = iter(torch.stack(tensors).float().tolist() if tensors else [])
        values = [next(read) if isinstance(loss, torch.Tensor) else float(loss)
                  for loss, _ in self._pending]
        counts = [samples for _, samples in self._pending]
        self._pending = []
        self._read_at = time.monotonic()
        return values, counts
