"""The two tasks' data, generated (nothing is downloaded): noisy images of four shapes, and
the adding problem's sequences."""

from __future__ import annotations

import numpy as np

NOISE = 0.15
"""Standard deviation of the Gaussian noise on the shape images (shapes are 0.5 to 1)."""


def shapes_data(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy images [count, 1, size, size] of four shape classes, and their class ids."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, count)
    radius = rng.uniform(0.18 * size, 0.38 * size, count)[:, None, None]
    centre = rng.uniform(0, 1, (count, 2)) * (size - 2 * radius[:, 0]) + radius[:, 0]
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    dy = rows[None] - centre[:, 0, None, None]
    dx = cols[None] - centre[:, 1, None, None]
    square = (np.abs(dy) <= radius * 0.8) & (np.abs(dx) <= radius * 0.8)
    disk = dy ** 2 + dx ** 2 <= radius ** 2
    bar = radius / 3
    plus = ((np.abs(dy) <= bar) & (np.abs(dx) <= radius)) | (
        (np.abs(dx) <= bar) & (np.abs(dy) <= radius))
    triangle = (np.abs(dy) <= radius) & (np.abs(dx) <= (dy + radius) / 2)
    masks = np.stack([square, disk, plus, triangle])[y, np.arange(count)]
    brightness = rng.uniform(0.5, 1.0, (count, 1, 1))
    images = masks * brightness + rng.normal(0, NOISE, (count, size, size))
    return images[:, None].astype(np.float32), y.astype(np.int64)


def adding_data(count: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: x [count, steps, 2] of (value, marker), y [count] the sum of the
    two marked values (one marker in each half of the sequence)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (count, steps))
    first = rng.integers(0, steps // 2, count)
    second = rng.integers(steps // 2, steps, count)
    markers = np.zeros((count, steps))
    markers[np.arange(count), first] = 1
    markers[np.arange(count), second] = 1
    x = np.stack([values, markers], axis=-1)
    y = values[np.arange(count), first] + values[np.arange(count), second]
    return x.astype(np.float32), y.astype(np.float32)
