"""How a run read its data's files: decoding progress during the first epoch, and at the
end which samples could not be read (skipped, with why) and which were shorter than the
Input."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from engine.data.dataset import Dataset
from engine.data.samples import FileSamples

PROGRESS_EVERY_S = 0.5
LISTED = 10


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


class DataReport:
    def __init__(self, data: Dataset):
        parts = [p for p in (data.x, data.x_val, data.x_test) if isinstance(p, FileSamples)]
        self.index = parts[0].index if parts else None
        self.records = np.concatenate([p.records for p in parts]) if parts else None
        watched = [p for p in (data.x, data.x_val) if isinstance(p, FileSamples)]
        self.watched = np.concatenate([p.records for p in watched]) if watched else None
        self.noun = getattr(self.index.decoder, "noun", "sample") if self.index else "sample"
        self._said_at = 0.0
        # nothing to say when everything was decoded by an earlier run
        self._finished = self.index is None or self.watched is None or (
            self.index.decoded(self.watched) >= len(self.watched))

    def decoding(self, final: bool = False) -> tuple[int, int, int, str, bool] | None:
        """(decoded, total, unreadable, noun, finished) while the first epoch decodes, at
        most twice a second, and once when it is done; None otherwise."""
        if self._finished or self.index is None or self.watched is None:
            return None
        now = time.monotonic()
        if not final and now - self._said_at < PROGRESS_EVERY_S:
            return None
        self._said_at = now
        done = self.index.decoded(self.watched)
        total = len(self.watched)
        if final or done >= total:
            self._finished = True
        return done, total, self.index.bad_count(self.watched), self.noun, self._finished

    def skipped(self) -> dict[int, str]:
        if self.index is None or self.records is None:
            return {}
        return self.index.bad(self.records)

    def short(self) -> int:
        if self.index is None or self.records is None:
            return 0
        return self.index.short(self.records)

    def summary(self) -> str:
        """A sentence on what could not be read and what was too short ("" when all was
        well)."""
        if self.index is None or self.records is None:
            return ""
        parts = []
        skipped = self.skipped()
        if skipped:
            named = [f"{self.index.describe(r)} {why}" for r, why in
                     sorted(skipped.items())[:LISTED]]
            more = len(skipped) - LISTED
            parts.append(f"skipped {_plural(len(skipped), self.noun)} of "
                         f"{len(self.records):,} that could not be read: " + "; ".join(named)
                         + (f"; and {more} more" if more > 0 else ""))
        short = self.short()
        if short:
            parts.append(self.index.decoder.short_note(short))
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        if self.index is None or self.records is None:
            return {}
        cache = self.index.cache
        statistics = getattr(self.index.decoder, "statistics", lambda: None)()
        return {"samples": len(self.records),
                **({"standardisation": statistics} if statistics else {}),
                "skipped": [{"sample": self.index.describe(r), "why": why}
                            for r, why in sorted(self.skipped().items())],
                "short": self.short(),
                "cache": str(cache.folder) if cache is not None and cache.writable else None}
