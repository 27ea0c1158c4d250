"""The preview of a dataset of DNA (engine.data.preview): how many sequences per class and
split, a few of them as the letters the Input will take, and what reaches the Input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError
from engine.data.files.dna.loading import load_dna
from engine.data.preview import DataPreview, Example
from engine.data.samples import FileSamples
from engine.data.standalone.dna_reading import is_bed

SHOWN_PER_CLASS = 1


def preview_dna(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                cache_dir: Path | None, count: int, base_dir: Path | None = None
                ) -> DataPreview:
    suggested = None
    options = {**options, "cache": False}  # a look needs no cache of every sequence
    try:
        data = load_dna(path, sample, options, cache_dir, base_dir)
    except DataError as error:
        if error.suggested_input is None:
            return DataPreview("DNA sequences", problem=str(error))
        suggested = error.suggested_input
        try:
            data = load_dna(path, TensorInfo(tuple(suggested)), options, cache_dir, base_dir)
        except DataError:
            return DataPreview("DNA sequences", problem=str(error),
                               suggested_input=suggested)
        problem = str(error)
    else:
        problem = ""
    parts = [("train", data.x, data.y), ("validation", data.x_val, data.y_val),
             ("test", data.x_test, data.y_test)]
    splits = [(name, len(x)) for name, x, _ in parts if x is not None]
    index = data.x.index
    bad = index.known_bad
    multi = data.kind == "values"
    counted: Counter = Counter()
    for _, x, y in parts:
        if x is None:
            continue
        for record, target in zip(x.records.tolist(), y.tolist(), strict=True):
            if record in bad:
                continue
            if multi:
                counted.update(c for c, on in zip(data.classes, target, strict=True) if on)
            else:
                counted[data.classes[int(target)]] += 1
    classes = [(name, counted.get(name, 0)) for name in data.classes]
    layout = "BED intervals over a genome" if is_bed(path) else "FASTA records"
    total = sum(n for _, n in splits)
    split_text = (" (" + ", ".join(f"{n:,} {part}" for part, n in splits) + ")"
                  if len(splits) > 1 else "")
    what = "labels" if multi else "classes"
    summary = (f"{layout}: {total:,} sequences{split_text}, {len(data.classes)} {what} "
               f"({'sequences with each label' if multi else 'sequences per class'} below)")
    length = index.decoder.length
    reaches = (f"[4, {length}] one-hot A, C, G, T: "
               + (f"the {length} bases around each interval's middle, from "
                  f"{Path(index.decoder.fasta).name}" if is_bed(path)
                  else f"each record cut around its middle or padded with N to {length}"))
    return DataPreview("DNA sequences", layout, summary, classes, splits, reaches,
                       _examples(data.x, data.y, data.classes, multi, count),
                       [f"{index.describe(r)} {why}" for r, why in sorted(bad.items())][:20],
                       problem, suggested)


def _examples(x: FileSamples, y, classes: list[str], multi: bool,
              count: int) -> list[Example]:
    found, seen = [], Counter()
    index = x.index
    for position, (record, target) in enumerate(zip(x.records.tolist(), y.tolist(),
                                                    strict=True)):
        if len(found) >= count:
            break
        label = ", ".join(c for c, on in zip(classes, target, strict=True) if on) or "none" \
            if multi else classes[int(target)]
        if record in index.known_bad or seen[label] >= SHOWN_PER_CLASS:
            continue
        codes, _, _ = index.load(record)
        if codes is None:
            continue
        seen[label] += 1
        found.append(Example(codes, x.describe(position), label=label, kind="dna"))
    return found
