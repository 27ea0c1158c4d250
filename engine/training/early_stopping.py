"""Early stopping's memory over a run: the best value of the monitored metric so far, the
epoch it came from (and its weights, to restore), and how long since it improved. A
checkpoint keeps it, so a resumed run waits as long as the one it goes on with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from engine.training.config import EarlyStopping, TrainingError


@dataclass
class Monitor:
    settings: EarlyStopping
    best: float | None = None
    best_epoch: int = 0
    waited: int = 0
    best_state: dict[str, torch.Tensor] | None = None

    def lower_is_better(self) -> bool:
        return not self.settings.monitor.endswith("accuracy")

    def improved(self, value: float) -> bool:
        if self.best is None:
            return True
        delta = self.settings.min_delta
        return (value < self.best - delta) if self.lower_is_better() else (
            value > self.best + delta)

    def watch(self, row: dict[str, Any], epoch: int, model: nn.Module) -> bool:
        """Take an epoch's figures; whether the run should stop now."""
        name = self.settings.monitor
        if name not in row:
            raise TrainingError(f"early_stopping monitors {name!r}, which this run does not "
                                f"measure; choose one of {', '.join(sorted(row))}")
        value = float(row[name])
        if self.improved(value):
            self.best, self.best_epoch, self.waited = value, epoch, 0
            if self.settings.restore_best:
                self.best_state = snapshot(model)
            return False
        self.waited += 1
        return self.waited >= self.settings.patience

    def stop(self, epoch: int, model: nn.Module) -> tuple[str, bool]:
        """The run's closing sentence, and whether the best epoch's weights were put back
        into `model`."""
        name = self.settings.monitor
        message = (f"stopped early after epoch {epoch}: {name} has not improved for "
                   f"{self.settings.patience} epochs")
        if self.best_state is None:
            return message, False
        model.load_state_dict(self.best_state)
        return (message + f"; the weights of epoch {self.best_epoch} (best {name} "
                f"{self.best:.4g}) are kept"), True


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's weights as they are now."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
