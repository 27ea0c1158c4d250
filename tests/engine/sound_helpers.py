"""Sounds written in the tests with soundfile: tones of a pitch, at any rate, in WAV, FLAC
or Ogg Vorbis, mono or stereo."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tone(pitch: float, seconds: float = 1.0, rate: int = 16_000, loudness: float = 0.3,
         seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    return (loudness * np.sin(2 * np.pi * pitch * t) + rng.normal(0, 0.005, len(t))).astype(
        np.float32)


def write_sound(path: Path, samples: np.ndarray, rate: int = 16_000,
                stereo: bool = False) -> Path:
    import soundfile

    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), np.stack([samples, samples], 1) if stereo else samples, rate)
    return path


def pitch_classes(root: Path, per_class: int = 3, seconds: float = 0.6,
                  pitches: dict[str, float] | None = None, suffix: str = ".wav") -> Path:
    """CLASS/NAME.wav: tones whose pitch tells the class apart."""
    pitches = pitches or {"low": 300.0, "high": 3000.0}
    for label, pitch in pitches.items():
        for number in range(per_class):
            write_sound(root / label / f"{label}{number}{suffix}",
                        tone(pitch * (1 + 0.05 * number), seconds, seed=number))
    return root
