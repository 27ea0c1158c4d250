"""The preview of a dataset of clips (engine.data.preview): its layout and counts, a few
clips decoded as the Input will take them, and what reaches the Input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import UNSCORED, DataError
from engine.data.files.clips import decoder as clip_decoder
from engine.data.files.clips import index as clip_index
from engine.data.files.clips import options as clip_options
from engine.data.files.file_options import check_options
from engine.data.preview import DataPreview, Example
from engine.data.samples import SampleError
from engine.data.standalone import clip_reading

UNREADABLE_SHOWN = 20


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


def preview_clips(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
                  cache_dir: Path | None, count: int) -> DataPreview:
    name = f"{path.name}/" if path.is_dir() else path.name
    try:
        check_options(options, name, clip_options.OPTIONS, "clips")
        layout = clip_index.clip_layout(path)
    except DataError as error:
        return DataPreview("clips", problem=str(error))
    problem, suggested = "", None
    try:
        fitting = clip_options.fitting_for(
            sample, options, name, lambda: clip_options.suggested_input(layout))
    except DataError as error:
        problem, suggested = str(error), error.suggested_input
        if suggested is None:
            return DataPreview("clips", layout.kind, problem=problem)
        fitting = clip_options.fitting_for(TensorInfo(tuple(suggested)), {}, name, lambda: None)
    index = clip_index.index_clips(layout, fitting, cache_dir)
    targets = index.targets
    readable = np.array([i not in index.bad for i in range(len(index.entries))], bool)
    if layout.per_frame:
        scored = targets[readable]
        counted = Counter(scored[scored != UNSCORED].tolist())
        classes = [(name_, counted.get(i, 0)) for i, name_ in enumerate(layout.classes)]
        per_class = "frames"
    else:
        counted = Counter(targets[readable].tolist())
        classes = [(name_, counted.get(i, 0)) for i, name_ in enumerate(layout.classes)]
        per_class = "clips"
    split_counts = Counter(np.array(index.splits)[readable].tolist())
    splits = [(part, split_counts[part]) for part in ("train", "validation", "test")
              if split_counts.get(part)]
    clips_text = _plural(int(readable.sum()), "clip")
    split_text = (" (" + ", ".join(f"{n:,} {part}" for part, n in splits) + ")"
                  if len(splits) > 1 else "")
    summary = (f"{layout.kind}: {clips_text}{split_text}, {len(layout.classes)} classes "
               f"({per_class} per class below)")
    unreadable = [f"{index.entries[r].name} {why}" for r, why in sorted(index.bad.items())]
    decoder = clip_decoder.ClipDecoder(fitting)
    shown, records = _examples(index, decoder, readable, count)
    first = Path(index.entries[records[0]].path) if records else None
    return DataPreview("clips", layout.kind, summary, classes, splits,
                       _reaches(index, fitting, first), shown,
                       unreadable[:UNREADABLE_SHOWN] + (
                           [f"and {len(unreadable) - UNREADABLE_SHOWN:,} more"]
                           if len(unreadable) > UNREADABLE_SHOWN else []),
                       problem, suggested)


def _examples(index: clip_index.ClipIndex, decoder: clip_decoder.ClipDecoder, readable: np.ndarray,
              count: int) -> tuple[list[Example], list[int]]:
    """The first readable clip of each class (frame-labelled: of each video), decoded, and
    their records."""
    classes = index.layout.classes
    chosen: list[int] = []
    if index.layout.per_frame:  # a clip of each video first, then more of each
        usable = [i for i in range(len(index.entries)) if readable[i]]
        firsts = {}
        for record in usable:
            firsts.setdefault(index.sources[record], record)
        chosen = list(firsts.values())[:count]
        chosen += [r for r in usable if r not in chosen][:count - len(chosen)]
    else:
        seen: set[int] = set()
        for record, target in enumerate(index.targets.tolist()):
            if readable[record] and target not in seen:
                seen.add(target)
                chosen.append(record)
            if len(chosen) >= count:
                break
    found, records = [], []
    for record in chosen:
        entry = index.entries[record]
        try:
            values, _ = decoder.decode(entry)
        except SampleError as error:
            index.bad[record] = str(error)
            continue
        records.append(record)
        target = index.targets[record]
        if index.layout.per_frame:
            labels = [classes[t] if t != UNSCORED else "·" for t in target.tolist()]
            found.append(Example(values.astype(np.float32) / 255.0, decoder.name(entry),
                                 frame_labels=labels))
        else:
            found.append(Example(values.astype(np.float32) / 255.0, decoder.name(entry),
                                 label=classes[int(target)]))
    return found, records


def _reaches(index: clip_index.ClipIndex, fitting: clip_reading.Fitting,
             first: Path | None) -> str:
    """What reaches the Input, and from what: the first clip shown."""
    shape = f"[{fitting.frames}, {fitting.channels}, {fitting.height}, {fitting.width}]"
    if first is None:
        return shape
    try:
        facts = clip_reading.clip_facts(first)
    except clip_reading.ClipError:
        return shape
    source = f"{facts.width}×{facts.height}"
    rate = f" at {facts.fps:g} fps" if facts.fps else ""
    resize = ("the centre cut out" if fitting.resize == "crop" else "stretched")
    if index.layout.per_frame:
        span = fitting.frames * fitting.stride
        seconds = f" ({span / facts.fps:.1f} s)" if facts.fps else ""
        how = f"cut into clips of {span} frames{seconds}"
        if fitting.stride > 1:
            how += f", every {fitting.stride}th frame"
    elif fitting.sampling == "consecutive":
        how = f"{fitting.frames} frames {fitting.stride} apart from the middle"
    else:
        seconds = f", {facts.seconds:.1f} s sampled" if facts.seconds else ""
        how = f"{fitting.frames} of its {facts.frames} frames{seconds}"
    return f"{shape} from {source}{rate}: {how}, {resize}"
