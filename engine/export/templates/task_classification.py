"""train.py's loss and metrics for CrossEntropyLoss: one class per sample, or one per time
step."""
# LOSS is defined in train.py's generated settings
# ruff: noqa: F821

import torch

# ---- copied into train.py from here ----
TOTALS = ("correct", "count")
"""What measure() adds up over validation batches (and processes)."""


def prepare_targets(y: torch.Tensor) -> torch.Tensor:
    return y.long()


UNSCORED = -100
"""A time step whose class is not known or not real (a clip's padded end): not counted
(CrossEntropyLoss's ignore_index)."""


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    if outputs.dim() == 3:  # a class per step: CrossEntropyLoss wants classes on dim 1
        outputs = outputs.transpose(1, 2)
        if not bool((targets != UNSCORED).any()):  # the mean of nothing would be NaN
            return outputs.sum() * 0.0
    return LOSS(outputs, targets)


def measure(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    scored = targets != UNSCORED
    correct = ((outputs.argmax(-1) == targets) & scored).sum()
    return {"correct": float(correct), "count": float(scored.sum())}


def summarise(totals: dict[str, float]) -> dict[str, float]:
    return {"val_accuracy": totals["correct"] / max(totals["count"], 1)}
