"""A dataset of clips: indexed, split, and decoded on demand through the cache of decoded
samples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset
from engine.data.files.clips.decoder import DECODER_VERSION, ClipDecoder
from engine.data.files.clips.index import ClipIndex, clip_layout, index_clips
from engine.data.files.clips.options import OPTIONS, fitting_for, suggested_input
from engine.data.files.file_options import check_options, reading
from engine.data.files.on_demand import Indexed, files_digest, on_demand_dataset
from engine.data.standalone.clip_reading import Fitting


def _cache_key(index: ClipIndex, fitting: Fitting) -> str:
    return files_digest([DECODER_VERSION, asdict(fitting)],
                        ((entry.path, entry.cut) for entry in index.entries))


def load_clips(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
               cache_dir: Path | None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name, OPTIONS, "clips")
    layout = clip_layout(path)
    fitting = fitting_for(sample, options, name, lambda: suggested_input(layout))
    settings = reading(options, name)
    index = index_clips(layout, fitting, cache_dir)
    if not index.entries:
        raise DataError(f"{name} holds no clips")
    indexed = Indexed(index.entries, index.targets, index.splits, index.bad,
                      index.sources if layout.per_frame else None)
    return on_demand_dataset(path, layout.root, indexed, ClipDecoder(fitting), "classes",
                             layout.classes, settings, cache_dir, _cache_key(index, fitting))
