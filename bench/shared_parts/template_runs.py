"""What the speed benchmarks share: a template's run on part of its data, the headline
metric of a run's figures, and min / median / max of repeats."""

from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Any

from engine.data.dataset import take
from engine.training.run import RunPlan


def subset(plan: RunPlan, samples: int) -> RunPlan:
    """The plan on its first `samples` training samples and a quarter as many to
    validate on."""
    data = plan.dataset
    keep = list(range(min(samples, len(data.x))))
    held = list(range(min(max(samples // 4, 2), len(data.x_val))))
    return replace(plan, dataset=replace(data, x=take(data.x, keep), y=data.y[keep],
                                         x_val=take(data.x_val, held),
                                         y_val=data.y_val[held]))


def headline(figures: dict[str, Any]) -> float:
    for key in ("val_accuracy", "val_sequence_accuracy", "val_mae"):
        if key in figures:
            return float(figures[key])
    return float("nan")


def spread(values: list[float]) -> str:
    return f"{min(values):6.2f} / {statistics.median(values):6.2f} / {max(values):6.2f}"
