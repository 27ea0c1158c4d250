"""Batches of samples for the trainer, from memory or from files.

Samples in memory are indexed on the device. Samples in files are read from the cache of
decoded samples once they are in it, by a thread that reads the next batch while the
network trains on this one; until then they are decoded by worker processes (torch's
DataLoader, started with 'spawn': the designer's process has Qt threads and must not be
forked), which write each decoded sample into the cache.

Cores are shared: while samples are being decoded, torch's own threads leave a core to
each decoding worker (on two cores: one worker, training on one thread); once everything
is cached no worker runs and torch has every core again.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset as TorchDataset

from engine.data.cache import BAD, CACHED
from engine.data.dataset import DataError
from engine.data.samples import FileSamples, SampleIndex

MAX_WORKERS = 8
PREFETCH_BATCHES = 2
BAD_LISTED = 10
"""Unreadable samples named in a message; the rest are counted."""


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(processes: int = 1) -> int:
    """Decoding processes for one training process of `processes`: one core in two left to
    decoding, at least one, at most MAX_WORKERS."""
    share = max(1, cores() // max(1, processes))
    return max(1, min(MAX_WORKERS, share // 2))


def decoding_workers(index: SampleIndex, processes: int = 1) -> int:
    """What the dataset's `workers` option says, else default_workers."""
    return index.workers if index.workers is not None else default_workers(processes)


class _Decoding(TorchDataset):
    """What a decoding worker runs: one record at a time, from the cache or decoded."""

    def __init__(self, index: SampleIndex):
        self.index = index

    def __len__(self) -> int:
        return len(self.index.entries)

    def __getitem__(self, record: int) -> tuple[int, np.ndarray | None, int, str]:
        values, flags, why = self.index.ensure(int(record))
        return int(record), values, flags, why


def _collate(items: list[tuple[int, np.ndarray | None, int, str]]) -> dict[str, Any]:
    """A worker's batch: the records it wrote into the cache (the trainer reads them from
    there, rather than through a pipe), those it could not cache with their values, and
    those that cannot be read, with why."""
    sent = [(record, values) for record, values, _, _ in items if values is not None]
    return {
        "cached": [record for record, values, flags, _ in items
                   if values is None and flags & CACHED],
        "records": [record for record, _ in sent],
        "values": torch.from_numpy(np.stack([values for _, values in sent])) if sent
        else None,
        "failed": [(record, why) for record, values, flags, why in items
                   if values is None and not flags & CACHED],
    }


class _Batches:
    """The DataLoader's batch sampler: the batches of records of the current pass."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


class Feeder:
    """Reads and decodes the samples of one SampleIndex for one training process."""

    def __init__(self, index: SampleIndex, processes: int = 1):
        self.index = index
        self.workers = decoding_workers(index, processes)
        self._sampler = _Batches()
        self._loader: DataLoader | None = None
        self.failures: dict[int, str] = {}
        """Samples found unreadable during this run, with why."""

    def close(self) -> None:
        loader, self._loader = self._loader, None
        iterator = getattr(loader, "_iterator", None)
        if iterator is not None and hasattr(iterator, "_shutdown_workers"):
            iterator._shutdown_workers()

    def _decoding_loader(self) -> DataLoader:
        if self._loader is None:
            extra: dict[str, Any] = {}
            if self.workers:
                extra = {"multiprocessing_context": "spawn", "persistent_workers": True,
                         "prefetch_factor": PREFETCH_BATCHES}
            self._loader = DataLoader(_Decoding(self.index), batch_sampler=self._sampler,
                                      num_workers=self.workers, collate_fn=_collate, **extra)
        return self._loader

    def batches(self, samples: FileSamples, positions: np.ndarray, batch_size: int,
                device: torch.device
                ) -> Iterator[tuple[tuple[torch.Tensor, ...], np.ndarray]]:
        """(the network's inputs for the samples at positions[i:i + batch_size], on the
        device; the positions they came from), unreadable samples left out."""
        records = samples.records[positions]
        chunks = [np.arange(start, min(start + batch_size, len(positions)))
                  for start in range(0, len(positions), batch_size)]
        if self.index.pending(records):
            yield from self._decoded(samples, positions, chunks, device)
        else:
            yield from self._cached(samples, positions, chunks, device)

    def _to_device(self, stored: torch.Tensor, device: torch.device
                   ) -> tuple[torch.Tensor, ...]:
        return model_inputs(self.index.decoder, stored.to(device, non_blocking=True))

    def _cached(self, samples: FileSamples, positions: np.ndarray, chunks: list[np.ndarray],
                device: torch.device
                ) -> Iterator[tuple[tuple[torch.Tensor, ...], np.ndarray]]:
        cache = self.index.cache
        assert cache is not None
        state = cache.state
        ahead: queue.Queue = queue.Queue(maxsize=PREFETCH_BATCHES)
        stop = threading.Event()

        def read() -> None:
            try:
                for chunk in chunks:
                    chosen = positions[chunk]
                    records = samples.records[chosen]
                    good = (state[records] & BAD) == 0
                    if self.index.known_bad:
                        good &= ~np.isin(records, list(self.index.known_bad))
                    values = torch.from_numpy(cache.read(records[good]))
                    while not stop.is_set():
                        try:
                            ahead.put((values, chosen[good]), timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                ahead.put(None)
            except BaseException as error:  # the reader's failure is the trainer's to say
                ahead.put(error)

        reader = threading.Thread(target=read, name="cached samples", daemon=True)
        reader.start()
        try:
            while True:
                item = ahead.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise DataError(f"{self.index.name}: the cache of decoded samples in "
                                    f"{cache.folder} cannot be read ({item}); delete it to "
                                    "decode the samples again") from None
                values, kept = item
                if len(kept):
                    yield self._to_device(values, device), kept
        finally:
            stop.set()
            reader.join()

    def _decoded(self, samples: FileSamples, positions: np.ndarray, chunks: list[np.ndarray],
                 device: torch.device
                 ) -> Iterator[tuple[tuple[torch.Tensor, ...], np.ndarray]]:
        record_batches = [samples.records[positions[chunk]].tolist() for chunk in chunks]
        self._sampler.batches = record_batches
        threads = torch.get_num_threads()
        if self.workers:  # leave the decoding workers their cores
            torch.set_num_threads(max(1, min(threads, cores() - self.workers)))
        position_of = {int(r): int(p) for r, p in zip(samples.records[positions].tolist(),
                                                      positions.tolist(), strict=True)}
        try:
            for batch in self._decoding_loader():
                for record, why in batch["failed"]:
                    self._failed(record, why)
                parts = []
                if batch["cached"]:
                    assert self.index.cache is not None
                    parts.append(torch.from_numpy(self.index.cache.read(
                        np.array(batch["cached"]))))
                if batch["values"] is not None:
                    parts.append(batch["values"])
                if not parts:
                    continue
                records = batch["cached"] + batch["records"]
                kept = np.array([position_of[int(r)] for r in records], dtype=np.int64)
                values = parts[0] if len(parts) == 1 else torch.cat(parts)
                yield self._to_device(values, device), kept
        finally:
            torch.set_num_threads(threads)

    def _failed(self, record: int, why: str) -> None:
        if record not in self.failures:
            why = why or self.index.bad(np.array([record])).get(record, "could not be read")
            self.failures[record] = why
            if record not in self.index.known_bad:
                self.index.mark_bad(record, why)
        if self.index.policy.strict:
            raise DataError(f"{self.index.name}: {self.index.describe(record)} {why} (the "
                            "dataset is strict: any sample that cannot be read stops the "
                            "run)")
        total = len(self.index.entries)
        if self.index.bad_count() > self.index.policy.limit * total:
            bad = self.index.bad()
            raise DataError(f"{self.index.name}: {len(bad)} of {total} samples cannot be "
                            f"read, more than the {self.index.policy.limit:.0%} the "
                            "dataset's max_bad allows: " + listing(self.index, bad))


def listing(index: SampleIndex, bad: dict[int, str], limit: int = BAD_LISTED) -> str:
    """The first unreadable samples by name, with why; the rest counted."""
    named = [f"{index.describe(record)} {why}" for record, why in sorted(bad.items())[:limit]]
    more = len(bad) - limit
    return "; ".join(named) + (f"; and {more} more" if more > 0 else "")


class Feeders:
    """The feeders of one run, one per index of samples in files (its training,
    validation and test samples share one), closed when the run ends."""

    def __init__(self, processes: int = 1):
        self.processes = processes
        self._feeders: dict[int, Feeder] = {}

    def batches(self, samples: Any, positions: torch.Tensor, batch_size: int,
                device: torch.device
                ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
        """(the network's inputs on the device — the samples, and their true lengths for
        sequences that carry them —, the positions they came from, on the positions'
        device), from `samples` in memory or FileSamples; unreadable samples are left
        out."""
        if not isinstance(samples, FileSamples):
            for start in range(0, len(positions), batch_size):
                index = positions[start:start + batch_size]
                yield (samples[index].to(device, non_blocking=True),), index
            return
        feeder = self.feeder(samples.index)
        for values, kept in feeder.batches(samples, positions.cpu().numpy(), batch_size,
                                           device):
            yield values, torch.from_numpy(kept).to(positions.device)

    def feeder(self, index: SampleIndex) -> Feeder:
        if id(index) not in self._feeders:
            self._feeders[id(index)] = Feeder(index, self.processes)
        return self._feeders[id(index)]

    def close(self) -> None:
        for feeder in self._feeders.values():
            feeder.close()
        self._feeders.clear()


EVAL_BATCH = 512
EVAL_BATCH_BYTES = 64 << 20
"""The most a batch of samples decoded from files may take while measuring."""


def model_inputs(decoder: Any, stored: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """A decoded batch as the network's forward() takes it: (samples,) or, from decoders
    that carry them, (samples, true lengths)."""
    to_inputs = getattr(decoder, "to_inputs", None)
    return to_inputs(stored) if to_inputs is not None else (decoder.to_tensor(stored),)


EVAL_CACHE_BYTES = 8 << 20
"""On a CPU, the most one layer's output for a batch should take while measuring: a batch
whose activations overflow the processor's caches runs slower per sample (the gesture
CRNN's 600 validation clips: 0.19 s at 64 a batch, 0.38 s at 512; the sound CRNN's 500:
0.23 s against 0.50 s), while small networks gain from many samples at once (the pulse
tagger: 0.072 s at 64, 0.037 s at 512)."""


def eval_batch(samples: Any, training_batch: int, largest_output_bytes: int | None = None,
               on_cpu: bool = True) -> int:
    """Samples per batch when measuring. For samples in memory: on a CPU as many as keep
    the largest layer output within EVAL_CACHE_BYTES, and no fewer than a training batch
    (at most EVAL_BATCH); elsewhere, or without the figure, EVAL_BATCH. For samples in
    files no more than a training batch (a batch of decoded clips and the network's
    activations for it stay as small as training's)."""
    if not isinstance(samples, FileSamples):
        if not on_cpu or not largest_output_bytes:
            return EVAL_BATCH
        fitting = EVAL_CACHE_BYTES // largest_output_bytes
        return max(min(training_batch, EVAL_BATCH), min(EVAL_BATCH, fitting))
    sample_bytes = 4 * int(np.prod(samples.shape[1:]))
    return max(1, min(training_batch, EVAL_BATCH_BYTES // max(sample_bytes, 1)))


def first_samples(samples: Any, count: int
                  ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """Up to `count` samples from the start as the network's inputs (the samples first),
    and their positions (samples in files that cannot be read are passed over)."""
    if not isinstance(samples, FileSamples):
        return (samples[:count],), torch.arange(min(count, len(samples)))
    inputs, kept = samples.read_inputs(np.arange(min(len(samples), count * 2)))
    return tuple(part[:count] for part in inputs), torch.from_numpy(kept[:count])
