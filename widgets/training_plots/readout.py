"""The crosshair's read-out: the figures nearest to an epoch position, as one line of text."""

from __future__ import annotations

import math

import numpy as np

from widgets.training_plots.columns import RunColumns, metric_label


def format_figure(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1e-3 and value else f"{value:.4f}"


def nearest_index(sorted_x: np.ndarray, x: float) -> int:
    """The index of the value of `sorted_x` (ascending, not empty) closest to `x`."""
    i = int(np.searchsorted(sorted_x, x))
    if i >= len(sorted_x):
        return len(sorted_x) - 1
    if i > 0 and x - sorted_x[i - 1] < sorted_x[i] - x:
        return i - 1
    return i


def readout_text(columns: RunColumns, metrics: list[str], x: float) -> str:
    """At epoch position `x`: the nearest batch's loss (raw and smoothed) and the nearest
    epoch's validation loss, `metrics` and learning rate."""
    parts = [f"epoch {x:.2f}"]
    if len(columns.batch_x):
        i = nearest_index(columns.batch_x.values, x)
        parts.append(f"batch loss {format_figure(columns.batch_loss.values[i])} "
                     f"(smoothed {format_figure(columns.batch_smooth.values[i])})")
    epochs = columns.epochs["epoch"].values
    if len(epochs):
        i = nearest_index(epochs, x)
        figures = [f"val loss {format_figure(columns.epochs['val_loss'].values[i])}"]
        figures += [f"{metric_label(n)} {format_figure(columns.epochs[n].values[i])}"
                    for n in metrics]
        figures.append(f"lr {columns.epochs['lr'].values[i]:.3g}")
        parts.append(f"epoch {int(epochs[i])}: " + ", ".join(figures))
    return "  ·  ".join(parts)
