"""train.py's loss and metrics for MSELoss and L1Loss: numeric targets."""
# LOSS is defined in train.py's generated settings
# ruff: noqa: F821

import torch

# ---- copied into train.py from here ----
TOTALS = ("absolute_error", "count")
"""What measure() adds up over validation batches (and processes)."""


def prepare_targets(y: torch.Tensor) -> torch.Tensor:
    return y.float()


def compute_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return LOSS(outputs.reshape(targets.shape), targets)


def measure(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    error = (outputs.reshape(targets.shape) - targets).abs().sum()
    return {"absolute_error": float(error), "count": float(targets.numel())}


def summarise(totals: dict[str, float]) -> dict[str, float]:
    return {"val_mae": totals["absolute_error"] / max(totals["count"], 1)}
