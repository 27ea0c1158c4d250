"""Optimisers and learning-rate schedules from the project's settings."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from engine.training.config import Choice, TrainingError


def build_optimizer(choice: Choice, parameters: Iterable[torch.nn.Parameter]):
    parameters = list(parameters)
    if not parameters:
        raise TrainingError("the network has no trainable parameters; add a layer that "
                            "learns (Linear, Conv2d, LSTM, ...)")
    try:
        return getattr(torch.optim, choice.type)(parameters, **choice.args)
    except (TypeError, ValueError) as error:
        raise TrainingError(f"optimizer {choice.type}: {error}") from None


def steps_per_batch(choice: Choice | None) -> bool:
    """OneCycleLR moves every batch; the others every epoch."""
    return choice is not None and choice.type == "OneCycleLR"


def build_scheduler(choice: Choice | None, optimizer, epochs: int, batches: int):
    if choice is None:
        return None
    args = dict(choice.args)
    if choice.type == "OneCycleLR":
        args.setdefault("max_lr", optimizer.param_groups[0]["lr"])
        args.update(epochs=epochs, steps_per_epoch=batches)
    elif choice.type == "CosineAnnealingLR":
        args.setdefault("T_max", epochs)
    elif choice.type == "StepLR":
        args.setdefault("step_size", max(1, epochs // 3))
    try:
        return getattr(torch.optim.lr_scheduler, choice.type)(optimizer, **args)
    except (TypeError, ValueError) as error:
        raise TrainingError(f"scheduler {choice.type}: {error}") from None
