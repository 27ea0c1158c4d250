"""train.py's loss and metrics for BCEWithLogitsLoss: 0/1 targets, one logit each."""
# LOSS is defined in train.py's generated settings
# ruff: noqa: F821

import torch

# ---- copied into train.py from here ----
TOTALS = ("correct", "count")
"""What measure() adds up over validation batches (and processes)."""


def prepare_targets(y: torch.Tensor) -> torch.Tensor:
    return y.float()


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return LOSS(outputs.reshape(targets.shape), targets)


def measure(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    predicted = outputs.reshape(targets.shape) > 0  # logit > 0: probability > 0.5
    correct = (predicted == (targets > 0.5)).sum()
    return {"correct": float(correct), "count": float(targets.numel())}


def summarise(totals: dict[str, float]) -> dict[str, float]:
    return {"val_accuracy": totals["correct"] / max(totals["count"], 1)}
