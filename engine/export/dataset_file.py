"""data.npz: the project's dataset as Netdesigner trains on it (adapted to the loss and
split into training and validation), in arrays numpy reads without pickle, kept small:
whole numbers in the narrowest integer type, and samples with few distinct values as
uint8 codes into a table of those values. Nothing is rounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.data import Dataset
from engine.export import ExportError

MAX_LEVELS = 256
PROBE = 65_536
"""Values looked at before counting all distinct values of a large array."""
INTEGER_TYPES = (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64)


def _narrowest(values: np.ndarray) -> np.ndarray:
    if values.size == 0 or not np.issubdtype(values.dtype, np.integer):
        return values
    low, high = values.min(), values.max()
    for kind in INTEGER_TYPES:
        limits = np.iinfo(kind)
        if limits.min <= low and high <= limits.max:
            return values.astype(kind)
    return values


def _levels(*arrays: np.ndarray) -> np.ndarray | None:
    """The sorted distinct values of float `arrays` when there are at most 256 of them
    (pixels scaled from 0..255 or 0..16, say), else None."""
    flat = [a.ravel() for a in arrays]
    if len(np.unique(flat[0][:PROBE])) > MAX_LEVELS:
        return None
    levels = np.unique(np.concatenate(flat))
    if len(levels) > MAX_LEVELS or not np.isfinite(levels).all():
        return None
    return levels


def dataset_arrays(dataset: Dataset) -> dict[str, np.ndarray]:
    """x, y, x_val, y_val (and x_levels when x holds codes), as train.py reads them."""
    if dataset.x_val is None or dataset.y_val is None:
        raise ExportError("the project has no validation data: set validation_split above 0 "
                          "(Netdesigner's trainer needs a validation set too)")
    x, x_val = dataset.x.numpy(), dataset.x_val.numpy()
    arrays: dict[str, np.ndarray] = {}
    levels = _levels(x, x_val) if np.issubdtype(x.dtype, np.floating) else None
    if levels is not None:
        arrays["x"] = np.searchsorted(levels, x).astype(np.uint8)
        arrays["x_val"] = np.searchsorted(levels, x_val).astype(np.uint8)
        arrays["x_levels"] = levels
    else:
        arrays["x"], arrays["x_val"] = _narrowest(x), _narrowest(x_val)
    arrays["y"] = _narrowest(dataset.y.numpy())
    arrays["y_val"] = _narrowest(dataset.y_val.numpy())
    return arrays


def write_dataset(dataset: Dataset, path: Path) -> None:
    with open(path, "wb") as file:
        np.savez_compressed(file, **dataset_arrays(dataset))
