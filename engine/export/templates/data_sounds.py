"""train.py's data when the project trains on sounds in files: data.json beside train.py
lists each sound (its file, its target and split) as Netdesigner indexed them, with the
spectrogram's settings and each mel band's standardisation, and sound_reading.py
(engine.data.standalone's, copied beside train.py) reads them as Netdesigner does. Needs
soundfile (`pip install soundfile`)."""
# prepare_targets comes from the task's part of train.py
# ruff: noqa: F821

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from engine.data.standalone.sound_reading import SoundError, Spectrogram, read_spectrogram

# ---- copied into train.py from here ----
DATA_FILE = "data.json"
EVAL_BATCH = 64
WORKERS = min(8, max(1, (os.cpu_count() or 2) // 2))
"""Processes that read sounds while the network trains."""


class SoundFiles(Dataset):
    """Sounds read from their files on demand, as standardised log-mel spectrograms."""

    def __init__(self, root: Path, sounds: list[dict[str, Any]],
                 spectrogram: Spectrogram, mean: np.ndarray | None,
                 std: np.ndarray | None):
        self.root, self.sounds, self.spectrogram = root, sounds, spectrogram
        self.mean, self.std = mean, std

    def __len__(self) -> int:
        return len(self.sounds)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None]:
        sound = self.sounds[position]
        try:
            values, _ = read_spectrogram(self.root / sound["file"], self.spectrogram)
        except SoundError as error:
            print(f"skipped {sound['file']}: {error}", flush=True)
            return position, None
        # the cache Netdesigner keeps holds half-precision values: the same here
        values = values.astype(np.float16).astype(np.float32)
        if self.mean is not None:
            values = (values - self.mean[:, None]) / self.std[:, None]
        return position, values


def load_data(path: Path, device: torch.device) -> dict[str, Any]:
    """x, y (training), x_val, y_val (validation) and, when the data has one, x_test,
    y_test. The sounds' folder is data.json's "root" (relative to train.py's folder), or
    NETDESIGNER_DATA_ROOT when it is set (the same files elsewhere)."""
    about = json.loads(path.read_text(encoding="utf-8"))
    root = Path(os.environ.get("NETDESIGNER_DATA_ROOT") or about["root"])
    if not root.is_absolute():
        root = path.parent / root
    if not root.is_dir():
        raise SystemExit(f"the sounds' folder {root} is not here; set "
                         "NETDESIGNER_DATA_ROOT to where the same files are")
    spectrogram = Spectrogram(**about["spectrogram"])
    standardisation = about.get("standardisation")
    mean = std = None
    if standardisation:
        mean = np.array(standardisation["mean"], np.float32)
        std = np.array(standardisation["std"], np.float32)
    return file_parts(about, lambda entries: SoundFiles(root, entries, spectrogram, mean, std))



def feed(x: SoundFiles, y: torch.Tensor, batches: Iterable[list[int]],
         device: torch.device
         ) -> Iterator[tuple[tuple[torch.Tensor, ...], torch.Tensor]]:
    """((spectrograms,), targets) on the device, one batch of positions at a time, read
    by WORKERS processes; sounds that cannot be read are left out."""
    return feed_files(x, y, batches, device, lambda values: values)
