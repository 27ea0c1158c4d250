"""A dataset of samples read from files on demand, whatever their kind: the index a kind's
indexing made (entries, targets, splits, samples found unusable) with its decoder becomes a
Dataset whose parts are FileSamples sharing one cache of decoded samples."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.cache import open_cache
from engine.data.dataset import DataError, Dataset, TargetKind
from engine.data.files.file_options import Reading
from engine.data.files.standardising import channel_statistics
from engine.data.samples import FileSamples, SampleIndex

PARTS = ("train", "validation", "test")


@dataclass
class Indexed:
    """Every sample of a dataset in files, as a kind's indexing finds it."""

    entries: list[Any]
    targets: np.ndarray
    """[N] class ids, [N, K] 0/1 or values, [N, T] per step, [N, L] label strings."""
    splits: list[str]
    """'train', 'validation' or 'test' per sample."""
    bad: dict[int, str] = field(default_factory=dict)
    groups: Sequence[int] | None = None
    """Per sample, the file it was cut from, where several samples share one: validation
    is then split off by whole files."""


def file_stamp(path: str | Path) -> str:
    """A file's size and modification time: what changes when it is written."""
    try:
        info = os.stat(path)
    except OSError:
        return "missing"
    return f"{info.st_size}:{info.st_mtime_ns}"


def files_digest(settings: Any, files: Iterable[tuple[str, Any]], stamp: bool = True) -> str:
    """A digest of what decoding depends on: the settings, and every (path, detail) with
    (when `stamp`) the file's size and time, taken one by one (a list of them all would
    cost the process memory it keeps)."""
    key = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path, detail in files:
        key.update(f"{path}\0{detail}\0{file_stamp(path) if stamp else ''}\n".encode())
    return key.hexdigest()


def on_demand_dataset(source: Path, root: Path, indexed: Indexed, decoder: Any,
                      kind: TargetKind, classes: list[str], reading: Reading,
                      cache_dir: Path | None, cache_key: str,
                      notes: list[str] | None = None, standardise: bool = False) -> Dataset:
    """`source`: the dataset's path (its stale caches are removed); `root`: the folder the
    samples' names are relative to. With `standardise`, each channel is standardised with
    the training split's statistics (the decoder's `with_statistics`)."""
    name = source.name
    notes = list(notes or [])
    cache = None
    if reading.cache and cache_dir is not None:
        stored = getattr(decoder, "stored_shape", decoder.sample_shape)
        cache, why_not = open_cache(cache_dir, str(source.resolve()), decoder.noun + "s",
                                    cache_key, len(indexed.entries), stored,
                                    decoder.stored_dtype)
        if why_not:
            notes.append(why_not)
    samples = SampleIndex(name, indexed.entries, decoder, cache, dict(indexed.bad),
                          reading.policy, reading.workers, root=str(root))
    splits = np.array(indexed.splits)
    records = {part: np.flatnonzero(splits == part) for part in PARTS}
    if not len(records["train"]):
        raise DataError(f"{name}: no {decoder.noun}s are marked for training; expected a "
                        "train/ folder or rows whose split is train")
    if standardise:
        statistics = channel_statistics(samples, records["train"])
        if statistics is not None:
            samples.decoder = decoder.with_statistics(*statistics)
    targets = torch.from_numpy(indexed.targets)
    groups = None
    if indexed.groups is not None:
        groups = torch.tensor([-1 if record in indexed.bad else group
                               for record, group in enumerate(indexed.groups)])

    def part(which: str) -> tuple[FileSamples | None, torch.Tensor | None]:
        chosen = records[which]
        if not len(chosen):
            return None, None
        return FileSamples(samples, chosen), targets[chosen]

    x_val, y_val = part("validation")
    x_test, y_test = part("test")
    train = records["train"]
    return Dataset(name, FileSamples(samples, train), targets[train], kind, list(classes),
                   x_val, y_val, x_test, y_test,
                   groups=None if groups is None else groups[train], notes=notes)
