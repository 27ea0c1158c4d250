"""Datasets built from the digit images scikit-learn ships inside its package: nothing is
downloaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from engine.data import generated_clips as clips
from engine.data import generated_sequences as sequences
from engine.data import generated_sounds
from engine.data.dataset import PAD, Dataset
from engine.data.digit_images import digit_images, split_sources

DIGITS = [str(d) for d in range(10)]
STRIP_HEIGHT, STRIP_WIDTH = 8, 64
MIN_DIGITS, MAX_DIGITS = 3, 6


def digits(seed: int = 0) -> Dataset:
    images, labels = digit_images()
    return Dataset("digits", torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels),
                   "classes", DIGITS)


def digit_rows(seed: int = 0) -> Dataset:
    images, labels = digit_images()
    return Dataset("digit_rows", torch.from_numpy(images), torch.from_numpy(labels),
                   "classes", DIGITS)


def _strips(images: np.ndarray, labels: np.ndarray, count: int,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    strips = np.zeros((count, 1, STRIP_HEIGHT, STRIP_WIDTH), np.float32)
    targets = np.full((count, MAX_DIGITS), PAD, np.int64)
    for index in range(count):
        length = rng.integers(MIN_DIGITS, MAX_DIGITS + 1)
        string = rng.integers(0, 10, length)
        gaps = rng.integers(0, 3, length - 1)
        width = 8 * length + gaps.sum()
        x = rng.integers(0, STRIP_WIDTH - width + 1)
        for position, digit in enumerate(string):
            image = images[rng.choice(by_digit[digit])]
            strips[index, 0, :, x:x + 8] = np.maximum(strips[index, 0, :, x:x + 8], image)
            x += 8 + (gaps[position] if position < length - 1 else 0)
        targets[index, :length] = string + 1  # label ids start at 1: 0 is CTC's blank
    strips += rng.normal(0.0, 0.05, strips.shape).astype(np.float32)
    return np.clip(strips, 0.0, 1.0), targets


def digit_strings(seed: int = 0, train_count: int = 8000, test_count: int = 1000) -> Dataset:
    """Strips of 3 to 6 digit images side by side with random gaps, position and noise,
    labelled with their digit string. The test strings are drawn only from source images
    that no training string uses."""
    images, labels = digit_images()
    rng = np.random.default_rng(seed)
    train_sources, test_sources = split_sources(len(images), rng)
    x, y = _strips(images[train_sources], labels[train_sources], train_count, rng)
    x_val, y_val = _strips(images[test_sources], labels[test_sources], test_count, rng)
    return Dataset("digit_strings", torch.from_numpy(x), torch.from_numpy(y), "strings",
                   DIGITS, torch.from_numpy(x_val), torch.from_numpy(y_val))


@dataclass(frozen=True)
class Builtin:
    name: str
    description: str
    sample_shape: tuple[int, ...]
    kind: str
    classes: tuple[str, ...]
    make: Callable[[int], Dataset]


BUILTINS = {b.name: b for b in (
    Builtin("digits", "1,797 handwritten digits, 8×8 images [1, 8, 8], 10 classes",
            (1, 8, 8), "classes", tuple(DIGITS), digits),
    Builtin("digit_rows", "the digits read row by row: sequences of 8 rows × 8 features, "
            "10 classes", (8, 8), "classes", tuple(DIGITS), digit_rows),
    Builtin("digit_strings", "strips of 3–6 digits [1, 8, 64] labelled with their string, "
            "for CTC; 8,000 training and 1,000 held-out test strings", (1, STRIP_HEIGHT,
            STRIP_WIDTH), "strings", tuple(DIGITS), digit_strings),
    Builtin("gestures", "clips of 12 frames [12, 1, 16, 16] of a digit moving left, right, "
            "up, down or round either way, labelled with the gesture: 6 classes; 2,400 "
            "training and 600 held-out clips", (clips.GESTURE_FRAMES, 1, clips.FRAME,
            clips.FRAME), "classes", tuple(clips.GESTURES), clips.gestures),
    Builtin("video_labels", "clips of 10 frames [10, 1, 16, 16] cutting between digits, "
            "labelled frame by frame with the digit in view: 10 classes per frame; 2,000 "
            "training and 500 held-out clips", (clips.LABELLED_FRAMES, 1, clips.FRAME,
            clips.FRAME), "classes", tuple(DIGITS), clips.video_labels),
    Builtin("dna_motifs", "one-hot DNA [4, 200] with two motifs planted, labelled with "
            "their order: 2 classes; 4,000 training and 1,000 held-out sequences",
            (4, sequences.DNA_LENGTH), "classes", tuple(sequences.MOTIF_ORDERS),
            sequences.dna_motifs),
    Builtin("sine_from_params", "vectors [4] of a wave's frequency, phase (cos, sin) and "
            "amplitude, with the wave [32, 1] as target: one-to-many regression; 4,000 "
            "training and 1,000 held-out", (4,), "values", (), sequences.sine_from_params),
    Builtin("sounds", "one second of a tone, a rising or falling chirp, a noise burst or "
            "beeps, as log-mel spectrograms [1, 40, 98] (40 mel bands, 10 ms frames): 5 "
            "classes; 2,000 training and 500 held-out", (1, generated_sounds.SPECTROGRAM.n_mels,
            generated_sounds.SPECTROGRAM.frames), "classes", tuple(generated_sounds.SOUNDS),
            generated_sounds.sounds),
    Builtin("pulse_tags", "noisy signals [64, 1] with plateaus, ramps and wobbles, each step "
            "tagged with its pulse: 4 classes per step; 3,000 training and 600 held-out",
            (sequences.PULSE_STEPS, 1), "classes", tuple(sequences.PULSES),
            sequences.pulse_tags),
)}
