"""Autosave to recovery files, so that a crash loses at most a minute of work."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from engine.storage import write_atomically


@dataclass(frozen=True)
class Recovered:
    file: Path
    original: Path | None
    saved_at: float


class RecoveryStore:
    """One recovery file per open document, removed when the document is saved or closed
    cleanly; what is left at start-up was left by a crash."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _key(self, original: Path | None, session: str) -> str:
        text = str(original.resolve()) if original else f"untitled-{session}"
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def write(self, text: str, original: Path | None, session: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        key = self._key(original, session)
        target = self.directory / f"{key}.ndproj"
        write_atomically(target, text)
        meta = {"original": str(original) if original else None, "saved_at": time.time()}
        write_atomically(self.directory / f"{key}.json", json.dumps(meta))
        return target

    def discard(self, original: Path | None, session: str) -> None:
        key = self._key(original, session)
        for suffix in (".ndproj", ".json"):
            (self.directory / f"{key}{suffix}").unlink(missing_ok=True)

    def remove(self, entry: Recovered) -> None:
        entry.file.unlink(missing_ok=True)
        entry.file.with_suffix(".json").unlink(missing_ok=True)

    def left_over(self) -> list[Recovered]:
        if not self.directory.is_dir():
            return []
        found = []
        for meta_file in sorted(self.directory.glob("*.json")):
            file = meta_file.with_suffix(".ndproj")
            try:
                meta = json.loads(meta_file.read_text())
            except (OSError, ValueError):
                continue
            if file.exists():
                original = Path(meta["original"]) if meta.get("original") else None
                found.append(Recovered(file, original, float(meta.get("saved_at", 0))))
        return found


def session_id() -> str:
    return f"{os.getpid()}-{int(time.time())}"
