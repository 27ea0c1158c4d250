"""What the previews of sample files laid out on disk (sounds, sequences) share: the counts
per class and split of a Layout, the line that sums them up, and the list of samples that
cannot be read (kept short)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from engine.data.preview import Example
from engine.data.samples import SampleError
from engine.data.standalone.layout import Layout, Source

UNREADABLE_SHOWN = 20


@dataclass(frozen=True)
class LayoutCounts:
    classes: list[tuple[str, int]]
    splits: list[tuple[str, int]]
    summary: str


def layout_counts(layout: Layout, noun: str) -> LayoutCounts:
    """Per class and per split, the samples found readable while indexing; `noun`: what a
    sample is, in the plural ('sounds')."""
    usable = [s for s in layout.sources if not s.problem]
    counted = Counter(s.label for s in usable)
    classes = [(label, counted.get(label, 0)) for label in layout.classes]
    split_counts = Counter(s.split or "train" for s in usable)
    splits = [(part, split_counts[part]) for part in ("train", "validation", "test")
              if split_counts.get(part)]
    split_text = (" (" + ", ".join(f"{n:,} {part}" for part, n in splits) + ")"
                  if len(splits) > 1 else "")
    summary = (f"{layout.kind}: {len(usable):,} {noun}{split_text}, {len(layout.classes)} "
               f"classes ({noun} per class below)")
    return LayoutCounts(classes, splits, summary)


def unreadable_lines(layout: Layout, found: list[str]) -> list[str]:
    """The samples indexing found unusable, then those `found` while decoding examples,
    each with why; past UNREADABLE_SHOWN, how many more."""
    unreadable = [f"{layout.name(s)} {s.problem}" for s in layout.sources if s.problem]
    unreadable += found
    more = ([f"and {len(unreadable) - UNREADABLE_SHOWN:,} more"]
            if len(unreadable) > UNREADABLE_SHOWN else [])
    return unreadable[:UNREADABLE_SHOWN] + more


def class_examples(layout: Layout, count: int, example: Callable[[Source], Example]
                   ) -> tuple[list[Example], list[str], Source | None]:
    """Up to `count` decoded examples, one per class; the samples that failed to decode on
    the way, each with why; the first one shown."""
    shown, unreadable, first = [], [], None
    seen: set[str] = set()
    for source in layout.sources:
        if source.problem or source.label in seen or len(shown) >= count:
            continue
        try:
            shown.append(example(source))
        except SampleError as error:
            unreadable.append(f"{layout.name(source)} {error}")
            continue
        seen.add(source.label or "")
        first = first or source
    return shown, unreadable, first
