"""Loss and metric curves of a run as a PNG, for the command line (the designer draws its
own live curves)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from engine.storage import write_atomically


def save_curves(history: list[dict[str, Any]], metric: str, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: never look for a display
    from matplotlib.figure import Figure

    epochs = [row["epoch"] for row in history]
    figure = Figure(figsize=(9, 3.6), dpi=110, layout="constrained")
    losses, metrics = figure.subplots(1, 2)
    losses.plot(epochs, [r["train_loss"] for r in history], "o-", label="training loss",
                color="#3b6fb6", markersize=3)
    losses.plot(epochs, [r["val_loss"] for r in history], "o-", label="validation loss",
                color="#d9822b", markersize=3)
    losses.set_xlabel("epoch")
    losses.set_ylabel("loss")
    losses.set_yscale("log")
    losses.legend(frameon=False)
    losses.grid(alpha=0.3)
    names = [metric] + (["val_cer"] if metric == "val_sequence_accuracy" else [])
    for name, colour in zip(names, ("#2e8b57", "#a23b72"), strict=False):
        metrics.plot(epochs, [r.get(name) for r in history], "o-", color=colour,
                     label=name.removeprefix("val_").replace("_", " "), markersize=3)
    metrics.set_xlabel("epoch")
    metrics.set_ylabel("validation")
    metrics.legend(frameon=False)
    metrics.grid(alpha=0.3)
    figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomically(path, buffer.getvalue())
