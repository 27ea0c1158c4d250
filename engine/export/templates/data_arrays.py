"""train.py's data when the project's data is arrays: data.npz beside train.py, the dataset
as Netdesigner trains on it, split as Netdesigner splits it."""
# INPUT_DTYPE comes from model.py, prepare_targets from the task's part of train.py
# ruff: noqa: F821

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

# ---- copied into train.py from here ----
DATA_FILE = "data.npz"
EVAL_BATCH = 512


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training, on the device), x_val, y_val (validation) and, when the data has
    one, x_test, y_test. Samples with few distinct values are stored as uint8 codes into
    x_levels."""
    with np.load(path) as arrays:
        data = {name: arrays[name] for name in arrays.files}
    levels = data.pop("x_levels", None)
    for name in ("x", "x_val", "x_test"):
        if name in data:
            values = data[name] if levels is None else levels[data[name]]
            data[name] = torch.from_numpy(values).to(INPUT_DTYPE)
    for name in ("y", "y_val", "y_test"):
        if name in data:
            data[name] = prepare_targets(torch.from_numpy(data[name]))
    data["x"], data["y"] = data["x"].to(device), data["y"].to(device)
    return data


def feed(x: torch.Tensor, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((samples,), targets) on the device, one batch of positions at a time."""
    for positions in batches:
        index = torch.as_tensor(positions)
        yield ((x[index.to(x.device)].to(device, non_blocking=True),),
               y[index.to(y.device)].to(device, non_blocking=True))
