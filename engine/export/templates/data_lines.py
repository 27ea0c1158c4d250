"""train.py's data when the project reads text lines in files: data.json beside train.py
lists each line image (its file, its transcript as label ids over the alphabet, its split)
as Netdesigner indexed them, and line_reading.py (engine.data.standalone's, copied beside
train.py) fits them as Netdesigner does. Needs Pillow."""
# prepare_targets comes from the task's part of train.py
# ruff: noqa: F821

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from engine.data.standalone.line_reading import LineError, read_line

# ---- copied into train.py from here ----
DATA_FILE = "data.json"
EVAL_BATCH = 128
WORKERS = min(4, max(1, (os.cpu_count() or 2) // 2))
"""Processes that read line images while the network trains."""


class LineFiles(Dataset):
    """Line images read from their files on demand, fitted as [C, H, W] uint8."""

    def __init__(self, root: Path, lines: list[dict[str, Any]],
                 fitting: dict[str, Any]):
        self.root, self.lines, self.fitting = root, lines, fitting

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None]:
        line = self.lines[position]
        fitting = self.fitting
        try:
            values, _ = read_line(self.root / line["file"], fitting["channels"],
                                  fitting["height"], fitting["width"],
                                  fitting["resize"])
        except LineError as error:
            print(f"skipped {line['file']}: {error}", flush=True)
            return position, None
        return position, values


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training), x_val, y_val (validation) and, when the data has one, x_test,
    y_test: label strings padded with -1. The images' folder is data.json's "root", or
    NETDESIGNER_DATA_ROOT when it is set (the same files elsewhere)."""
    about = json.loads(path.read_text(encoding="utf-8"))
    root = Path(os.environ.get("NETDESIGNER_DATA_ROOT") or about["root"])
    if not root.is_absolute():
        root = path.parent / root
    if not root.is_dir():
        raise SystemExit(f"the line images' folder {root} is not here; set "
                         "NETDESIGNER_DATA_ROOT to where the same files are")
    fitting = {key: about[key] for key in ("channels", "height", "width", "resize")}
    return file_parts(about, lambda entries: LineFiles(root, entries, fitting))



def feed(x: LineFiles, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((line images as floats in [0, 1],), label strings) on the device, one batch of
    positions at a time, read by WORKERS processes; unreadable images are left out."""
    return feed_files(x, y, batches, device, lambda values: values.float().div_(255.0))
