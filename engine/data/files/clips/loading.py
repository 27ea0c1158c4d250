"""A dataset of clips: indexed, split, and decoded on demand through the cache of decoded
samples."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.catalogue import TensorInfo
from engine.data.cache import open_cache
from engine.data.dataset import DataError, Dataset
from engine.data.files.clips.decoder import DECODER_VERSION, ClipDecoder
from engine.data.files.clips.index import ClipIndex, clip_layout, index_clips
from engine.data.files.clips.options import (
    bad_policy,
    check_options,
    fitting_for,
    flag,
    suggested_input,
    workers_option,
)
from engine.data.samples import FileSamples, SampleIndex
from engine.data.standalone.clip_reading import Fitting
from engine.data.standalone.layout import Layout


def _cache_key(index: ClipIndex, fitting: Fitting) -> str:
    """A digest of what decoding depends on: the decoder, the fitting, and every clip's
    file (its path, size and time) and cut, taken file by file (a list of them all would
    cost the process memory it keeps)."""
    key = hashlib.sha256(json.dumps([DECODER_VERSION, asdict(fitting)]).encode())
    for entry in index.entries:
        try:
            info = os.stat(entry.path)
            stamp = f"{info.st_size}:{info.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        key.update(f"{entry.path}\0{entry.cut}\0{stamp}\n".encode())
    return key.hexdigest()


# -- the dataset ---------------------------------------------------------------------------

def load_clips(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
               cache_dir: Path | None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name)
    layout = clip_layout(path)
    fitting = fitting_for(sample, options, name, lambda: suggested_input(layout))
    policy = bad_policy(options, name)
    workers = workers_option(options, name)
    use_cache = flag(options, "cache", True, name) and cache_dir is not None
    index = index_clips(layout, fitting, cache_dir)
    if not index.entries:
        raise DataError(f"{name} holds no clips")
    notes = []
    cache = None
    if use_cache:
        assert cache_dir is not None
        cache, why_not = open_cache(cache_dir, str(path.resolve()), "clips",
                                    _cache_key(index, fitting), len(index.entries),
                                    ClipDecoder(fitting).sample_shape, "uint8")
        if why_not:
            notes.append(why_not)
    samples = SampleIndex(path.name, index.entries, ClipDecoder(fitting), cache,
                          dict(index.bad), policy, workers, root=str(layout.root))
    return _split_dataset(path.name, samples, index, layout, notes)


def _split_dataset(name: str, samples: SampleIndex, index: ClipIndex, layout: Layout,
                   notes: list[str]) -> Dataset:
    splits = np.array(index.splits)
    records = {part: np.flatnonzero(splits == part) for part in ("train", "validation",
                                                                 "test")}
    if not len(records["train"]):
        raise DataError(f"{name}: no clips are marked for training; expected a train/ "
                        "folder or rows whose split is train")
    targets = torch.from_numpy(index.targets)
    sources = torch.tensor([-1 if record in index.bad else source
                            for record, source in enumerate(index.sources)])

    def part(which: str) -> tuple[FileSamples | None, torch.Tensor | None]:
        chosen = records[which]
        if not len(chosen):
            return None, None
        return FileSamples(samples, chosen), targets[chosen]

    x_val, y_val = part("validation")
    x_test, y_test = part("test")
    train = records["train"]
    return Dataset(name, FileSamples(samples, train), targets[train], "classes",
                   list(layout.classes), x_val, y_val, x_test, y_test,
                   groups=sources[train] if layout.per_frame else None, notes=notes)
