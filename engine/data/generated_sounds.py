"""Built-in sound data, generated with numpy: a second of a steady tone, a rising or a
falling chirp, a burst of noise or a few short beeps, at a random pitch, loudness and
moment, over a room's noise and a faint hum of its own; read as log-mel spectrograms
[1, 40, 98] exactly as sound files are (engine.data.standalone.sound_reading), each mel
band standardised with the training part's statistics."""

from __future__ import annotations

import numpy as np
import torch

from engine.data.dataset import Dataset
from engine.data.standalone.sound_reading import Spectrogram, log_mel

RATE = 16_000
SPECTROGRAM = Spectrogram(n_mels=40, frames=98, rate=RATE)
SOUNDS = ["tone", "rising chirp", "falling chirp", "noise burst", "beeps"]


def _sound(kind: int, rng: np.random.Generator) -> np.ndarray:
    """One second of the `kind`-th sound, as float32 samples at RATE."""
    length = SPECTROGRAM.samples
    t = np.arange(length) / RATE
    # a room: noise of its own level, and a faint hum at a pitch of its own
    wave = rng.normal(0.0, rng.uniform(0.01, 0.06), length)
    wave += rng.uniform(0.0, 0.08) * np.sin(2 * np.pi * rng.uniform(100, 4000) * t)
    start = int(rng.uniform(0.0, 0.4) * RATE)
    span = int(rng.uniform(0.3, 0.55) * RATE)
    loudness = rng.uniform(0.05, 0.4)
    part = slice(start, start + span)
    local = t[part] - t[start]
    if kind == 0:
        wave[part] += loudness * np.sin(2 * np.pi * rng.uniform(300, 3000) * local)
    elif kind in (1, 2):
        low, high = rng.uniform(300, 800), rng.uniform(2000, 4000)
        first, last = (low, high) if kind == 1 else (high, low)
        frequency = first + (last - first) * local / local[-1]
        phase = 2 * np.pi * np.cumsum(frequency) / RATE
        wave[part] += loudness * np.sin(phase)
    elif kind == 3:
        burst = int(rng.uniform(0.05, 0.2) * RATE)
        wave[start:start + burst] += loudness * rng.normal(0.0, 0.5, burst)
    else:
        pitch = rng.uniform(500, 2500)
        for beep in range(int(rng.integers(2, 5))):
            onset = start + beep * int(0.12 * RATE)
            beep_t = np.arange(int(0.05 * RATE)) / RATE
            wave[onset:onset + len(beep_t)] += loudness * np.sin(2 * np.pi * pitch * beep_t)
    return wave.astype(np.float32)


def sound_waves(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """[count, samples] float32 waves and their kinds."""
    kinds = rng.integers(0, len(SOUNDS), count)
    return np.stack([_sound(int(kind), rng) for kind in kinds]), kinds.astype(np.int64)


def _spectrograms(waves: np.ndarray) -> np.ndarray:
    return np.stack([log_mel(wave, SPECTROGRAM) for wave in waves])


def sounds(seed: int = 0, train_count: int = 2000, test_count: int = 500) -> Dataset:
    rng = np.random.default_rng(seed)
    waves, labels = sound_waves(train_count, rng)
    held_waves, held_labels = sound_waves(test_count, rng)
    x, x_val = _spectrograms(waves), _spectrograms(held_waves)
    mean = x.mean(axis=(0, 1, 3), keepdims=True)[0]
    std = np.maximum(x.std(axis=(0, 1, 3), keepdims=True)[0], 1e-3)
    x, x_val = (x - mean) / std, (x_val - mean) / std
    return Dataset("sounds", torch.from_numpy(x.astype(np.float32)), torch.from_numpy(labels),
                   "classes", list(SOUNDS), torch.from_numpy(x_val.astype(np.float32)),
                   torch.from_numpy(held_labels))
