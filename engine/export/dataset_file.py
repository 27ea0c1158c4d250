"""The project's dataset as Netdesigner trains on it (adapted to the loss and split into
training, validation and test), beside the exported train.py.

Data in memory goes into data.npz, in arrays numpy reads without pickle, kept small: whole
numbers in the narrowest integer type, and samples with few distinct values as uint8 codes
into a table of those values. Nothing is rounded.

Data in files stays where it is: data.json lists each sample (its file relative to the
dataset's folder, what of it to take, its target) and the fitting, and the decoding
module Netdesigner reads them with (engine.data.standalone) is copied beside it."""

from __future__ import annotations

import json
import os
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

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
    """x, y, x_val, y_val, x_test and y_test when the data has a test split (and x_levels
    when the x arrays hold codes), as train.py reads them."""
    if dataset.x_val is None or dataset.y_val is None:
        raise ExportError("the project has no validation data: set validation_split above 0 "
                          "(Netdesigner's trainer needs a validation set too)")
    parts = {"": (dataset.x, dataset.y), "_val": (dataset.x_val, dataset.y_val)}
    if dataset.x_test is not None and dataset.y_test is not None:
        parts["_test"] = (dataset.x_test, dataset.y_test)
    samples = {suffix: x.numpy() for suffix, (x, _) in parts.items()}
    arrays: dict[str, np.ndarray] = {}
    levels = _levels(*samples.values()) if np.issubdtype(samples[""].dtype, np.floating) \
        else None
    for suffix, values in samples.items():
        arrays["x" + suffix] = (np.searchsorted(levels, values).astype(np.uint8)
                                if levels is not None else _narrowest(values))
        arrays["y" + suffix] = _narrowest(parts[suffix][1].numpy())
    if levels is not None:
        arrays["x_levels"] = levels
    return arrays


def file_listing(dataset: Dataset, takes_lengths: bool = False) -> dict[str, Any]:
    """What data.json holds for data in files: the dataset's folder, how samples are
    decoded, whether the model is given their true lengths, and per part each readable
    sample with its target."""
    index = dataset.x.index
    decoder = index.decoder
    unreadable = set(index.bad())
    parts: dict[str, list[dict[str, Any]]] = {}
    for part, x, y in (("train", dataset.x, dataset.y), ("validation", dataset.x_val,
                                                         dataset.y_val),
                       ("test", dataset.x_test, dataset.y_test)):
        if x is None or y is None:
            continue
        parts[part] = [{**decoder.export_entry(index.entries[record]), "target": target}
                       for record, target in zip(x.records.tolist(), y.tolist(), strict=True)
                       if record not in unreadable]
    lengths = takes_lengths and getattr(decoder, "carries_lengths", False)
    return {"root": index.root, **decoder.export_settings(), "classes": dataset.classes,
            **({"lengths": True} if lengths else {}), "parts": parts}


def write_dataset(dataset: Dataset, folder: Path, takes_lengths: bool = False) -> list[str]:
    """The dataset's files in the export folder: data.npz, or data.json and the modules
    that decode the files it lists (`takes_lengths`: the model is given the sequences'
    true lengths). Returns their names."""
    if not dataset.on_demand:
        with open(folder / "data.npz", "wb") as file:
            np.savez_compressed(file, **dataset_arrays(dataset))
        return ["data.npz"]
    (folder / "data.json").write_text(json.dumps(file_listing(dataset, takes_lengths), indent=1),
                                      encoding="utf-8")
    names = ["data.json"]
    for module in dataset.x.index.decoder.exported_modules:
        source = resources.files("engine.data.standalone").joinpath(f"{module}.py")
        with resources.as_file(source) as path:
            shutil.copyfile(path, folder / f"{module}.py")
            os.chmod(folder / f"{module}.py", 0o644)
        names.append(f"{module}.py")
    return names
