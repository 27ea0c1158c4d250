"""train.py's data when the project trains on video clips in files: data.json beside
train.py lists each clip (its file, which frames, its target and split) as Netdesigner
indexed them, and clip_reading.py (engine.data.standalone's, copied beside train.py, which
imports it as `clip_reading`) decodes and fits them as Netdesigner does. Needs PyAV
(`pip install av`), and Pillow for folders of frames."""
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

from engine.data.standalone.clip_reading import ClipError, Fitting, read_clip, read_cuts

# ---- copied into train.py from here ----
DATA_FILE = "data.json"
EVAL_BATCH = 32
WORKERS = min(8, max(1, (os.cpu_count() or 2) // 2))
"""Processes that decode clips while the network trains."""


class ClipFiles(Dataset):
    """Clips decoded from their files on demand, as [T, C, H, W] uint8."""

    def __init__(self, root: Path, clips: list[dict[str, Any]], fitting: Fitting):
        self.root, self.clips, self.fitting = root, clips, fitting

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None]:
        clip = self.clips[position]
        path = self.root / clip["file"]
        try:
            if clip.get("cut") is None:
                return position, read_clip(path, self.fitting)[0]
            cuts = read_cuts(path, self.fitting, clip["frames"], [clip["cut"]])
            for _, values in cuts:
                return position, values
        except ClipError as error:
            print(f"skipped {clip['file']}: {error}", flush=True)
        return position, None


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training), x_val, y_val (validation) and, when the data has one, x_test,
    y_test. The clips' folder is data.json's "root" (relative to train.py's folder), or
    NETDESIGNER_DATA_ROOT when it is set (the same files elsewhere)."""
    about = json.loads(path.read_text(encoding="utf-8"))
    root = Path(os.environ.get("NETDESIGNER_DATA_ROOT") or about["root"])
    if not root.is_absolute():
        root = path.parent / root
    if not root.is_dir():
        raise SystemExit(f"the clips' folder {root} is not here; set "
                         "NETDESIGNER_DATA_ROOT to where the same files are")
    fitting = Fitting(**about["fitting"])
    return file_parts(about, lambda entries: ClipFiles(root, entries, fitting))



def feed(x: ClipFiles, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((clips as floats in [0, 1],), targets) on the device, one batch of positions at
    a time, decoded by WORKERS processes; clips that cannot be read are left out."""
    return feed_files(x, y, batches, device, lambda values: values.float().div_(255.0))
