"""The preview of a dataset of text lines (engine.data.preview): how many lines per split,
the alphabet, a few lines as the Input will take them with their transcripts, and what
reaches the Input."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import PAD, DataError
from engine.data.files.lines.loading import load_lines
from engine.data.preview import DataPreview, Example


def preview_lines(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                  cache_dir: Path | None, count: int) -> DataPreview:
    options = {**options, "cache": False}  # a look needs no cache of every line
    problem, suggested = "", None
    try:
        data = load_lines(path, sample, options, cache_dir)
    except DataError as error:
        if error.suggested_input is None:
            return DataPreview("text lines", problem=str(error))
        problem, suggested = str(error), error.suggested_input
        data = load_lines(path, TensorInfo(tuple(suggested)), options, cache_dir)
    parts = [("train", data.x), ("validation", data.x_val), ("test", data.x_test)]
    splits = [(name, len(x)) for name, x in parts if x is not None]
    index = data.x.index
    total = sum(n for _, n in splits)
    split_text = (" (" + ", ".join(f"{n:,} {part}" for part, n in splits) + ")"
                  if len(splits) > 1 else "")
    alphabet = "".join(data.classes)
    summary = (f"line images with transcripts: {total:,} lines{split_text}, an alphabet of "
               f"{len(alphabet)} characters: {alphabet!r}")
    decoder = index.decoder
    how = ("scaled to its height with the aspect kept, squeezed to its width when wider, "
           "padded at the right with the line's background" if decoder.resize == "height"
           else "scaled to the whole of it")
    reaches = (f"[{decoder.channels}, {decoder.height}, {decoder.width}] "
               f"{'grey' if decoder.channels == 1 else 'colour'}: each line {how}")
    examples = []
    for position, (record, labels) in enumerate(zip(data.x.records.tolist(), data.y,
                                                    strict=True)):
        if len(examples) >= count:
            break
        if record in index.known_bad:
            continue
        values, _, _ = index.load(record)
        if values is None:
            continue
        text = "".join(alphabet[i - 1] for i in labels.tolist() if i != PAD)
        examples.append(Example(values.astype(np.float32) / 255.0, data.x.describe(position),
                                label=text, kind="image"))
    return DataPreview("text lines", "line images with transcripts", summary, [], splits,
                       reaches, examples,
                       [f"{index.describe(r)} {why}" for r, why in sorted(
                           index.known_bad.items())][:20], problem, suggested)
