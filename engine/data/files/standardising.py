"""Per-channel standardisation of data read from files (sounds' mel bands, sequences'
features): the mean and standard deviation of each channel over the training split,
worked out once from up to SAMPLED training samples (decoded into the cache as they are
read, so the first epoch does not decode them again) and kept with the cache."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from engine.data.samples import SampleIndex

SAMPLED = 256
FLOOR = 1e-3
"""The smallest standard deviation divided by: a constant channel stays near 0."""
STATS_FILE = "standardisation.json"


def channel_statistics(samples: SampleIndex, records: np.ndarray
                       ) -> tuple[list[float], list[float]] | None:
    """Mean and standard deviation per channel over the training `records` (evenly chosen
    when there are more than SAMPLED; the decoder's `channels_of` gives a sample's values
    as [channels, n], padding left out); None when none can be read."""
    cached = _read(samples, records)
    if cached is not None:
        return cached
    chosen = records[np.linspace(0, len(records) - 1, min(len(records), SAMPLED)).astype(
        int)] if len(records) else records
    total = total_squares = None
    count = 0
    for record in chosen.tolist():
        values, _, _ = samples.load(record)
        if values is None:
            continue
        channels = samples.decoder.channels_of(values).astype(np.float64)
        total = channels.sum(1) if total is None else total + channels.sum(1)
        squares = (channels ** 2).sum(1)
        total_squares = squares if total_squares is None else total_squares + squares
        count += channels.shape[1]
    if total is None or count == 0:
        return None
    mean = total / count
    std = np.sqrt(np.maximum(total_squares / count - mean ** 2, 0.0))
    result = ([float(v) for v in mean], [float(max(v, FLOOR)) for v in std])
    _write(samples, records, result)
    return result


def _key(records: np.ndarray) -> str:
    return f"{len(records)}:{int(records.sum()) if len(records) else 0}"


def _file(samples: SampleIndex) -> Path | None:
    cache = samples.cache
    return None if cache is None or not cache.writable else cache.folder / STATS_FILE


def _read(samples: SampleIndex, records: np.ndarray
          ) -> tuple[list[float], list[float]] | None:
    path = _file(samples)
    if path is None:
        return None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(path.read_text())
        if saved["key"] == _key(records):
            return list(map(float, saved["mean"])), list(map(float, saved["std"]))
    return None


def _write(samples: SampleIndex, records: np.ndarray,
           result: tuple[list[float], list[float]]) -> None:
    path = _file(samples)
    if path is not None:
        with contextlib.suppress(OSError):
            path.write_text(json.dumps({"key": _key(records), "mean": result[0],
                                        "std": result[1]}))
