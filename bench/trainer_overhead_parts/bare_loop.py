"""The hand-written side: an ordinary PyTorch training loop over the same tensors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

EVAL_BATCH = 512
"""Validation batch size of the hand-written loop (what the trainer uses too)."""


def bare_train(model: nn.Module, data: dict[str, torch.Tensor], loss_name: str,
               optimizer_settings: dict[str, Any], batch_size: int, epochs: int,
               seed: int) -> list[dict[str, float]]:
    """An ordinary PyTorch training loop, as one would write it by hand."""
    x, y, x_val, y_val = data["x"], data["y"], data["x_val"], data["y_val"]
    classify = loss_name == "CrossEntropyLoss"
    loss_fn = getattr(nn, loss_name)()
    settings = {k: v for k, v in optimizer_settings.items() if k != "type"}
    optimizer = getattr(torch.optim, optimizer_settings["type"])(model.parameters(), **settings)
    shuffle = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    count = len(x)
    batch_size = min(batch_size, count)
    # like the trainer, leave out a last batch of a single sample (BatchNorm needs two)
    batches = count // batch_size + (1 if count % batch_size > 1 else 0)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(count, generator=shuffle)
        loss_sum, seen = 0.0, 0
        for batch in range(batches):
            index = order[batch * batch_size:(batch + 1) * batch_size]
            xb, yb = x[index], y[index]
            out = model(xb)
            loss = loss_fn(out if classify else out.reshape(yb.shape), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            seen += len(index)
        model.eval()
        val_loss, score = 0.0, 0.0
        with torch.no_grad():
            for start in range(0, len(x_val), EVAL_BATCH):
                xb, yb = x_val[start:start + EVAL_BATCH], y_val[start:start + EVAL_BATCH]
                out = model(xb)
                if classify:
                    val_loss += loss_fn(out, yb).item() * len(xb)
                    score += (out.argmax(-1) == yb).sum().item()
                else:
                    out = out.reshape(yb.shape)
                    val_loss += loss_fn(out, yb).item() * len(xb)
                    score += (out - yb).abs().sum().item()
        history.append({"epoch": epoch, "train_loss": loss_sum / seen,
                        "val_loss": val_loss / len(x_val),
                        ("val_accuracy" if classify else "val_mae"): score / y_val.numel()})
    return history


def read_npz(path: Path) -> dict[str, torch.Tensor]:
    with np.load(path) as archive:
        return {key: torch.from_numpy(np.ascontiguousarray(archive[key]))
                for key in ("x", "y", "x_val", "y_val")}
