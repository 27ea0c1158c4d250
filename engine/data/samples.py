"""Samples that live in files: an index in memory (where each sample lies) and a decoder
that turns one sample into the tensor the network's Input takes, on demand.

A Dataset's `x`, `x_val` and `x_test` are either tensors in memory or FileSamples. Both
have a length, a shape and a dtype; indexing FileSamples decodes (through the cache of
decoded samples), and `subset` makes another view of the same index without decoding.
The trainer reads them in batches through engine.data.feeding, which decodes in worker
processes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from engine.data.cache import BAD, CACHED, SHORT, SampleCache
from engine.data.dataset import DataError


class SampleError(Exception):
    """One sample cannot be decoded; the message says why (without its name)."""


class Decoder(Protocol):
    """Turns an index entry into a sample, [*sample_shape] of `stored_dtype`."""

    sample_shape: tuple[int, ...]
    stored_dtype: str
    """Compact, for the cache: 'uint8' for pictures."""

    def decode(self, entry: Any) -> tuple[np.ndarray, int]:
        """The sample and its flags (SHORT); raises SampleError."""

    def group(self, entry: Any) -> Hashable | None:
        """Samples of one group (the clips of one video) decode cheaper together."""

    def decode_group(self, entries: Sequence[tuple[int, Any]]
                     ) -> Iterator[tuple[int, np.ndarray, int]]:
        """(record, sample, flags) for each of `entries` (records of one group)."""

    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        """A batch as stored ([B, *sample_shape]) as the float tensor the Input takes."""

    def name(self, entry: Any) -> str:
        """The sample as the user knows it (its path in the dataset folder)."""

    def short_note(self, count: int) -> str:
        """A sentence on `count` samples shorter than the Input (flagged SHORT)."""


class EachAlone:
    """For decoders whose samples decode one by one (every kind but clips, whose clips of
    one video decode together): no groups, and a group decoded sample by sample."""

    def group(self, entry: Any) -> Hashable | None:
        return None

    def decode_group(self, entries: Sequence[tuple[int, Any]]
                     ) -> Iterator[tuple[int, np.ndarray, int]]:
        for record, entry in entries:
            values, flags = self.decode(entry)  # type: ignore[attr-defined]
            yield record, values, flags


@dataclass
class BadSamples:
    """What to do with a sample that cannot be read."""

    strict: bool = False
    """Stop the run at the first one (else it is skipped, counted and listed)."""
    limit: float = 0.1
    """Stop the run when more than this share of the samples cannot be read."""


@dataclass
class SampleIndex:
    """Every sample of a dataset (all splits): its entry, its decoder and its cache."""

    name: str
    entries: list[Any]
    decoder: Any
    cache: SampleCache | None
    known_bad: dict[int, str] = field(default_factory=dict)
    """Samples found unusable while indexing (a missing file, a label file that does not
    fit), by record, with why."""
    policy: BadSamples = field(default_factory=BadSamples)
    workers: int | None = None
    """Decoding processes; None: as many as the cores allow (engine.data.feeding)."""
    root: str = ""
    """The folder the samples' names are relative to."""
    _groups: dict[Hashable, list[int]] | None = field(default=None, repr=False)
    _decoded: np.ndarray | None = field(default=None, repr=False)
    """Without a cache: which samples this process has decoded (for progress)."""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_groups": None, "_decoded": None}

    def group_records(self, record: int) -> list[int]:
        if self._groups is None:
            groups: dict[Hashable, list[int]] = {}
            for number, entry in enumerate(self.entries):
                key = self.decoder.group(entry)
                if key is not None:
                    groups.setdefault(key, []).append(number)
            self._groups = groups
        key = self.decoder.group(self.entries[record])
        return self._groups.get(key, [record]) if key is not None else [record]

    def load(self, record: int) -> tuple[np.ndarray | None, int, str]:
        """One sample as stored, from the cache or decoded (and cached): (values, flags,
        ""), or (None, BAD, why) for a sample that cannot be read."""
        if record in self.known_bad:
            return None, BAD, self.known_bad[record]
        cache = self.cache if self.cache is not None and self.cache.writable else None
        if cache is not None:
            state = int(cache.state[record])
            if state & BAD:
                return None, BAD, ""
            if state & CACHED:
                return cache.read(np.array([record]))[0], state, ""
        try:
            group = self.group_records(record)
            if cache is not None and len(group) > 1:
                return self._load_group(cache, record, group)
            values, flags = self.decoder.decode(self.entries[record])
        except SampleError as error:
            return None, BAD, str(error)
        except Exception as error:  # a decoder meeting a file it did not expect
            return None, BAD, f"cannot be decoded ({type(error).__name__}: {error})"
        if cache is not None:
            cache.write(record, values, flags)
        self._mark_decoded(record)
        return values, flags, ""

    def ensure(self, record: int) -> tuple[np.ndarray | None, int, str]:
        """Make sure a sample is in the cache (decoding it if it is not): (None, flags
        with CACHED, "") once it is there; its values when it cannot be cached (no cache,
        a full disk); (None, BAD, why) when it cannot be read."""
        cache = self.cache if self.cache is not None and self.cache.writable else None
        if cache is None or record in self.known_bad:
            return self.load(record)
        state = int(cache.state[record])
        if state & (CACHED | BAD):
            return None, state, ""
        values, flags, why = self.load(record)
        if values is not None and cache.writable and cache.state[record] & CACHED:
            return None, int(cache.state[record]), ""
        return values, flags, why

    def _load_group(self, cache: SampleCache, record: int,
                    group: list[int]) -> tuple[np.ndarray | None, int, str]:
        state = cache.state
        todo = [(r, self.entries[r]) for r in group if not state[r] & (CACHED | BAD)
                and r not in self.known_bad]
        found: tuple[np.ndarray | None, int, str] | None = None
        try:
            for number, values, flags in self.decoder.decode_group(todo):
                cache.write(number, values, flags)
                self._mark_decoded(number)
                if number == record:
                    found = (values, flags, "")
        except SampleError as error:
            if found is None:
                return None, BAD, str(error)
        if found is None:
            return None, BAD, "was not among the clips its file gave"
        return found

    def _mark_decoded(self, record: int) -> None:
        if self.cache is None or not self.cache.writable:
            if self._decoded is None:
                self._decoded = np.zeros(len(self.entries), bool)
            self._decoded[record] = True

    def mark_bad(self, record: int, why: str) -> None:
        if self.cache is not None:
            self.cache.mark_bad(record, why)
        self.known_bad.setdefault(record, why)

    def pending(self, records: np.ndarray) -> bool:
        """Whether any of `records` still has to be decoded."""
        if self.cache is None or not self.cache.writable:
            return True
        state = self.cache.state[records]
        known = np.isin(records, list(self.known_bad)) if self.known_bad else False
        return bool(np.any((state & (CACHED | BAD) == 0) & ~known))

    def bad(self, records: np.ndarray | None = None) -> dict[int, str]:
        """The unusable samples among `records` (all when None), with why."""
        found = dict(self.known_bad)
        if self.cache is not None:
            marked = np.flatnonzero(self.cache.state[:] & BAD)
            if len(marked):
                reasons = self.cache.reasons()
                for record in marked.tolist():
                    found.setdefault(record, reasons.get(record, "could not be read"))
        if records is not None:
            wanted = set(np.asarray(records).tolist())
            found = {r: why for r, why in found.items() if r in wanted}
        return found

    def bad_count(self, records: np.ndarray | None = None) -> int:
        """How many of `records` (all when None) cannot be read, without reading why."""
        chosen = np.arange(len(self.entries)) if records is None else np.asarray(records)
        unusable = (np.isin(chosen, list(self.known_bad)) if self.known_bad
                    else np.zeros(len(chosen), bool))
        if self.cache is not None:
            unusable |= (self.cache.state[chosen] & BAD) != 0
        return int(np.count_nonzero(unusable))

    def short(self, records: np.ndarray) -> int:
        """How many of `records` were shorter than the Input (their last frame repeated)."""
        if self.cache is None:
            return 0
        return int(np.count_nonzero(self.cache.state[records] & SHORT))

    def decoded(self, records: np.ndarray) -> int:
        """How many of `records` are decoded (or known unusable)."""
        records = np.asarray(records)
        known = np.isin(records, list(self.known_bad)) if self.known_bad else np.zeros(
            len(records), bool)
        if self.cache is not None and self.cache.writable:
            done = (self.cache.state[records] & (CACHED | BAD)) != 0
        elif self._decoded is not None:
            done = self._decoded[records]
        else:
            done = np.zeros(len(records), bool)
        return int(np.count_nonzero(done | known))

    def describe(self, record: int) -> str:
        return self.decoder.name(self.entries[record])


class FileSamples:
    """Some of an index's samples, in an order: what a Dataset holds as x, x_val or x_test
    for data that lives in files. Indexing decodes; `subset` does not."""

    def __init__(self, index: SampleIndex, records: np.ndarray | Sequence[int]):
        self.index = index
        self.records = np.asarray(records, dtype=np.int64)

    # -- what the trainer and the checks ask of a tensor ------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self.records), *self.index.decoder.sample_shape))

    @property
    def dtype(self) -> torch.dtype:
        return torch.float32

    def is_floating_point(self) -> bool:
        return True

    def dim(self) -> int:
        return len(self.shape)

    def subset(self, positions: Any) -> FileSamples:
        """These samples at `positions` (an index tensor, array, list or slice)."""
        if isinstance(positions, torch.Tensor):
            positions = positions.cpu().numpy()
        return FileSamples(self.index, self.records[positions])

    def __getitem__(self, positions: Any) -> torch.Tensor:
        """Decoded: one sample for an int, else a batch. An unreadable sample is a
        DataError naming it."""
        if isinstance(positions, (int, np.integer)):
            return self.read(np.array([int(positions)]), skip_bad=False)[0][0]
        if isinstance(positions, torch.Tensor):
            positions = positions.cpu().numpy()
        chosen = np.arange(len(self.records))[positions]
        return self.read(chosen, skip_bad=False)[0]

    def read(self, positions: np.ndarray, skip_bad: bool = True
             ) -> tuple[torch.Tensor, np.ndarray]:
        """The samples at `positions`, decoded here (not in worker processes), as the
        Input takes them, and the positions they came from (the readable ones)."""
        inputs, kept = self.read_inputs(positions, skip_bad)
        return inputs[0], kept

    def read_inputs(self, positions: np.ndarray, skip_bad: bool = True
                    ) -> tuple[tuple[torch.Tensor, ...], np.ndarray]:
        """As `read`, but as the network's forward() takes them: with their true lengths
        for sequences that carry them."""
        values, kept = [], []
        for position in np.asarray(positions).tolist():
            record = int(self.records[position])
            stored, _, why = self.index.load(record)
            if stored is None:
                why = why or self.index.bad(np.array([record])).get(record, "")
                if not skip_bad:
                    raise DataError(f"{self.index.describe(record)} {why}".strip())
                continue
            values.append(stored)
            kept.append(position)
        if not values:
            empty = torch.zeros((0, *self.index.decoder.sample_shape))
            return (empty,), np.array(kept, dtype=np.int64)
        batch = torch.from_numpy(np.stack(values))
        to_inputs = getattr(self.index.decoder, "to_inputs", None)
        inputs = (to_inputs(batch) if to_inputs is not None
                  else (self.index.decoder.to_tensor(batch),))
        return inputs, np.array(kept, dtype=np.int64)

    def describe(self, position: int) -> str:
        return self.index.describe(int(self.records[position]))


Samples = torch.Tensor | FileSamples
"""What a Dataset's x, x_val and x_test hold."""
