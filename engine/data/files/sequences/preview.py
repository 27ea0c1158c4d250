"""The preview of a dataset of sequences in files (engine.data.preview): its layout and
counts, a few sequences as curves of their features over time (the padding shaded), how
long they are, and what reaches the Input."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError
from engine.data.files.file_options import check_options
from engine.data.files.layout_preview import class_examples, layout_counts, unreadable_lines
from engine.data.files.sequences.decoder import SequenceDecoder, SequenceEntry
from engine.data.files.sequences.loading import (
    OPTIONS,
    decoder_for,
    sampled_lengths,
    sequence_layout,
)
from engine.data.preview import DataPreview, Example
from engine.data.standalone.layout import Layout, Source


def preview_sequences(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                      cache_dir: Path | None, count: int,
                      consumer: str | None = None) -> DataPreview:
    name = f"{path.name}/" if path.is_dir() else path.name
    try:
        check_options(options, name, OPTIONS, "sequences")
        layout = sequence_layout(path)
    except DataError as error:
        return DataPreview("sequences", problem=str(error))
    problem, suggested = "", None
    try:
        decoder = decoder_for(sample, options, name, layout, consumer)
    except DataError as error:
        problem, suggested = str(error), error.suggested_input
        if suggested is None:
            return DataPreview("sequences", layout.kind, problem=problem)
        decoder = decoder_for(TensorInfo(tuple(suggested)), options, name, layout, consumer)
    counts = layout_counts(layout, "sequences")

    def example(source: Source) -> Example:
        stored, _ = decoder.decode(SequenceEntry(str(source.path), layout.name(source)))
        length = int(stored[decoder.steps, 0])
        return Example(stored[:decoder.steps], layout.name(source), label=source.label or "",
                       kind="sequence", length=length)

    shown, unreadable, _ = class_examples(layout, count, example)
    return DataPreview("sequences", layout.kind, counts.summary, counts.classes,
                       counts.splits, _reaches(decoder, layout), shown,
                       unreadable_lines(layout, unreadable), problem, suggested)


def _reaches(decoder: SequenceDecoder, layout: Layout) -> str:
    shape = ", ".join(map(str, decoder.sample_shape))
    lengths = sampled_lengths(layout)
    order = "[features, steps]" if decoder.features_first else "[steps, features]"
    fitted = (f"padded with zeros or cropped at the end to {decoder.steps} steps, each "
              "one's true length kept" if decoder.where == "end"
              else f"padded or cropped around the middle to {decoder.steps} steps")
    if not lengths:
        return f"[{shape}] as {order}: {fitted}"
    low, middle, high = np.percentile(lengths, [0, 50, 100]).round().astype(int).tolist()
    sampled = ("" if len(lengths) == len(layout.sources)
               else f" (of the first {len(lengths):,})")
    return (f"[{shape}] as {order}: sequences of {low} to {high} steps, {middle} in the "
            f"middle{sampled}, {fitted}")
