"""A dataset of sequences in files: the layout found (class folders, split folders, a
manifest CSV), the Input's steps and features (and which of them is time), and the
samples decoded on demand."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset
from engine.data.files.file_options import check_options, choice, flag, reading
from engine.data.files.on_demand import Indexed, files_digest, on_demand_dataset
from engine.data.files.sequences.decoder import (
    DECODER_VERSION,
    SequenceDecoder,
    SequenceEntry,
)
from engine.data.standalone.layout import Layout, LayoutError, find_layout
from engine.data.standalone.sequence_reading import (
    FITS,
    SequenceError,
    is_sequence_file,
    read_matrix,
)

OPTIONS = {
    "fit": "'end' (pad with zeros and crop at the end, the true lengths carried to the "
           "recurrent layers: the default) or 'centre' (crop or pad around the middle)",
    "standardise": "false: leave each feature's values as they are (default true: "
                   "standardised with the training split's mean and deviation)",
}
CONV_FIRST = ("Conv1d", "MaxPool1d", "AvgPool1d", "MinPool1d", "BatchNorm1d",
              "AdaptiveAvgPool1d", "AdaptiveMaxPool1d")
"""Layers that read [channels, length]: a network that starts with one of them takes
sequences as [features, steps]."""


def sequence_layout(path: Path) -> Layout:
    try:
        layout = find_layout(path, is_sequence_file)
    except LayoutError as error:
        raise DataError(str(error)) from None
    if layout.per_frame:
        raise DataError(f"{path.name}: sequences are labelled one class per sequence (class "
                        "folders or a manifest's label column); labels per frame are read "
                        "for video clips only")
    return layout


LENGTHS_READ = 200
"""Sequence files read to tell how long the sequences are."""


def sampled_lengths(layout: Layout, limit: int = LENGTHS_READ) -> list[int]:
    """The steps of the first `limit` readable sequence files."""
    lengths = []
    for source in layout.sources[:limit]:
        if source.problem:
            continue
        try:
            lengths.append(len(read_matrix(source.path)))
        except (SequenceError, OSError):
            continue
    return lengths


def first_matrix(layout: Layout) -> np.ndarray | None:
    for source in layout.sources:
        if source.problem:
            continue
        try:
            return read_matrix(source.path)
        except SequenceError:
            continue
    return None


def decoder_for(sample: TensorInfo | None, options: Mapping[str, Any], name: str,
                layout: Layout, consumer: str | None) -> SequenceDecoder:
    """How the sequences meet the Input: [steps, features] for a network that reads time
    first, [features, steps] for one that starts with Conv1d (or when only that fits)."""
    where = choice(options, "fit", FITS, name)
    first = first_matrix(layout)
    if first is None:
        raise DataError(f"{name}: none of its sequence files can be read")
    features = first.shape[1]
    shape = tuple(sample.shape) if sample is not None else ()
    conv_first = consumer in CONV_FIRST
    if len(shape) == 2 and sample is not None and sample.dtype == "float32":
        steps_first = shape[1] == features
        features_first = shape[0] == features
        if steps_first and features_first:  # [F, F]: the first layer decides
            steps_first = not conv_first
        if steps_first:
            return SequenceDecoder(int(shape[0]), features, False, where)
        if features_first:
            return SequenceDecoder(int(shape[1]), features, True, where)
    given = f"the network's Input is {sample}" if sample is not None else \
        "no Input shape was given"
    steps = min(max(sampled_lengths(layout), default=len(first)), 100_000)  # the longest
    suggested = [features, steps] if conv_first else [steps, features]
    raise DataError(f"{name} holds sequences of {features} feature"
                    f"{'s' * (features != 1)}, read as [steps, features] (or [features, "
                    f"steps] for a network that starts with Conv1d) of float32, but {given}; "
                    "set the Input to [" + ", ".join(map(str, suggested)) + "]", suggested)


def load_sequences(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                   cache_dir: Path | None, consumer: str | None = None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name, OPTIONS, "sequences")
    layout = sequence_layout(path)
    decoder = decoder_for(sample, options, name, layout, consumer)
    settings = reading(options, name)
    class_ids = {label: number for number, label in enumerate(layout.classes)}
    entries = [SequenceEntry(str(source.path), layout.name(source))
               for source in layout.sources]
    bad = {record: source.problem for record, source in enumerate(layout.sources)
           if source.problem}
    targets = np.array([class_ids.get(source.label or "", 0) for source in layout.sources],
                       dtype=np.int64)
    indexed = Indexed(entries, targets, [s.split or "train" for s in layout.sources], bad)
    key = files_digest([DECODER_VERSION, decoder.steps, decoder.features, decoder.where],
                       ((entry.path, "") for entry in entries))
    return on_demand_dataset(path, layout.root, indexed, decoder, "classes", layout.classes,
                             settings, cache_dir, key,
                             standardise=flag(options, "standardise", True, name))
