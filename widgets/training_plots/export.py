"""The curves leave the widget: as a PNG of the plots, and as CSV files of the figures."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QIODevice

from engine.storage import write_atomically
from widgets.training_plots.columns import RunColumns


def write_png(plots: pg.GraphicsLayout, path: Path, width: int | None = None) -> Path:
    """`plots` as a PNG, `width` pixels wide (their size on screen by default)."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(plots)
    if width is not None:
        exporter.parameters()["width"] = int(width)
    image = exporter.export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    write_atomically(path, bytes(buffer.data()))
    return path


def write_csv(columns: RunColumns, path: Path) -> tuple[Path, Path]:
    """Writes `columns` as two CSV files and returns their paths:

    `path`: one row per epoch, columns epoch,train_loss,val_loss,<metric>[,val_cer],lr;
    `<stem>_batches.csv` beside it: one row per batch, columns epoch,loss,smoothed_loss,lr,
    where epoch is the fractional x of the plot (epoch - 1 + batch / batches).
    Missing figures are empty cells."""
    batches_path = path.with_name(f"{path.stem}_batches{path.suffix or '.csv'}")
    epochs = columns.epochs
    names = list(epochs)
    rows = np.column_stack([epochs[n].values for n in names]) \
        if len(epochs["epoch"]) else np.empty((0, len(names)))

    def cell(name: str, value: float) -> str:
        if not math.isfinite(value):
            return ""
        return str(int(value)) if name == "epoch" else repr(float(value))

    epoch_rows = io.StringIO(newline="")
    writer = csv.writer(epoch_rows)
    writer.writerow(names)
    writer.writerows([cell(n, v) for n, v in zip(names, row, strict=True)] for row in rows)
    batch_rows = io.StringIO(newline="")
    writer = csv.writer(batch_rows)
    writer.writerow(["epoch", "loss", "smoothed_loss", "lr"])
    writer.writerows(zip(columns.batch_x.values.tolist(),
                         columns.batch_loss.values.tolist(),
                         columns.batch_smooth.values.tolist(),
                         ["" if math.isnan(r) else r
                          for r in columns.batch_lr.values.tolist()], strict=True))
    write_atomically(path, epoch_rows.getvalue())
    write_atomically(batches_path, batch_rows.getvalue())
    return path, batches_path
