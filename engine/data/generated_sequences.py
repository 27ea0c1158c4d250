"""Built-in sequence data, generated: DNA with planted motifs (sequence prediction),
waves drawn from their parameters (one-to-many) and pulses tagged step by step
(many-to-many)."""

from __future__ import annotations

import numpy as np
import torch

from engine.data.dataset import Dataset

BASES = "ACGT"
DNA_LENGTH = 200
MOTIFS = ("CGTAGGCA", "TTGACCAT")
"""Motif A and motif B, planted once each in every sequence."""
MOTIF_ORDERS = ["A before B", "B before A"]


def one_hot(codes: np.ndarray) -> np.ndarray:
    """Base codes [N, L] (0..3 for A, C, G, T) as one-hot DNA [N, 4, L]."""
    return np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1).copy()


def read_bases(one_hot_dna: np.ndarray) -> str:
    """One-hot DNA [4, L] back as letters."""
    return "".join(BASES[i] for i in np.asarray(one_hot_dna).argmax(0))


def _scrub(sequence: np.ndarray, motifs: list[np.ndarray], rng: np.random.Generator) -> None:
    """Change the random bases wherever they spell a motif by chance."""
    width = len(motifs[0])
    found = True
    while found:
        windows = np.lib.stride_tricks.sliding_window_view(sequence, width)
        hits = [start for motif in motifs
                for start in np.flatnonzero((windows == motif).all(1))]
        for start in hits:
            sequence[start + rng.integers(width)] = rng.integers(4)
        found = bool(hits)


def _dna(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    codes = rng.integers(0, 4, (count, DNA_LENGTH))
    motifs = [np.array([BASES.index(b) for b in motif]) for motif in MOTIFS]
    width = len(MOTIFS[0])
    labels = rng.integers(0, 2, count)
    for sequence, label in zip(codes, labels, strict=True):
        _scrub(sequence, motifs, rng)  # a motif by chance would contradict the label
        first, second = sorted(rng.choice(DNA_LENGTH - width, 2, replace=False))
        while second - first < width + 2:
            first, second = sorted(rng.choice(DNA_LENGTH - width, 2, replace=False))
        order = motifs if label == 0 else motifs[::-1]
        for start, motif in zip((first, second), order, strict=True):
            planted = motif.copy()
            if rng.random() < 0.3:  # motifs in real DNA are rarely exact
                planted[rng.integers(width)] = rng.integers(4)
            sequence[start:start + width] = planted
    return one_hot(codes), labels.astype(np.int64)


def dna_motifs(seed: int = 0, train_count: int = 4000, test_count: int = 1000) -> Dataset:
    """One-hot DNA [4, 200] of random bases with motif A and motif B planted once each
    (sometimes with one base changed), labelled with their order: a convolution finds each
    motif, but which came first takes a layer that reads the sequence in order."""
    rng = np.random.default_rng(seed)
    x, y = _dna(train_count, rng)
    x_val, y_val = _dna(test_count, rng)
    return Dataset("dna_motifs", torch.from_numpy(x), torch.from_numpy(y), "classes",
                   list(MOTIF_ORDERS), torch.from_numpy(x_val), torch.from_numpy(y_val))


WAVE_STEPS = 32


def _waves(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    frequency = rng.uniform(0.5, 2.0, count)  # cycles over the whole wave
    phase = rng.uniform(0.0, 2 * np.pi, count)
    amplitude = rng.uniform(0.5, 1.0, count)
    time = np.arange(WAVE_STEPS) / WAVE_STEPS
    waves = amplitude[:, None] * np.sin(2 * np.pi * frequency[:, None] * time + phase[:, None])
    params = np.stack([frequency, np.cos(phase), np.sin(phase), amplitude], 1)
    return params.astype(np.float32), waves[:, :, None].astype(np.float32)


def sine_from_params(seed: int = 0, train_count: int = 4000, test_count: int = 1000
                     ) -> Dataset:
    """Vectors [4] (frequency, cos and sin of the phase, amplitude), each with the wave
    [32, 1] they describe as target: one vector in, a whole sequence out."""
    rng = np.random.default_rng(seed)
    x, y = _waves(train_count, rng)
    x_val, y_val = _waves(test_count, rng)
    return Dataset("sine_from_params", torch.from_numpy(x), torch.from_numpy(y), "values",
                   [], torch.from_numpy(x_val), torch.from_numpy(y_val))


PULSE_STEPS = 64
PULSES = ["none", "plateau", "ramp", "wobble"]
"""What each time step of a signal is part of. A single step rarely tells: a plateau, the
top of a ramp and a wobble's crest all read about 1."""


def _pulse(kind: int, length: int, rng: np.random.Generator) -> np.ndarray:
    steps = np.arange(length)
    height = rng.uniform(0.8, 1.2)
    if kind == 1:
        return np.full(length, height)
    if kind == 2:
        return height * steps / (length - 1)
    return height * np.sin(2 * np.pi * steps / rng.uniform(3.5, 5.0))


def _pulses(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    signals = rng.normal(0.0, 0.15, (count, PULSE_STEPS)).astype(np.float32)
    tags = np.zeros((count, PULSE_STEPS), np.int64)
    for signal, tag in zip(signals, tags, strict=True):
        start = int(rng.integers(0, 6))
        while True:
            length = int(rng.integers(6, 13))
            if start + length > PULSE_STEPS:
                break
            kind = int(rng.integers(1, len(PULSES)))
            signal[start:start + length] += _pulse(kind, length, rng)
            tag[start:start + length] = kind
            start += length + int(rng.integers(2, 10))
    return signals[:, :, None], tags


def pulse_tags(seed: int = 0, train_count: int = 3000, test_count: int = 600) -> Dataset:
    """Noisy signals [64, 1] carrying plateaus, ramps and wobbles of random lengths, each
    time step tagged with the pulse it is part of (or none)."""
    rng = np.random.default_rng(seed)
    x, y = _pulses(train_count, rng)
    x_val, y_val = _pulses(test_count, rng)
    return Dataset("pulse_tags", torch.from_numpy(x), torch.from_numpy(y), "classes",
                   list(PULSES), torch.from_numpy(x_val), torch.from_numpy(y_val))
