"""Datasets built from the digit images scikit-learn ships inside its package: nothing is
downloaded."""

from __future__ import annotations

import gzip
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.data.dataset import PAD, DataError, Dataset

DIGITS = [str(d) for d in range(10)]
STRIP_HEIGHT, STRIP_WIDTH = 8, 64
MIN_DIGITS, MAX_DIGITS = 3, 6


DIGITS_TABLE = Path("datasets", "data", "digits.csv.gz")
"""Inside scikit-learn's package: one row per image, 64 pixel values (0 to 16) and the
label, the table its load_digits reads."""


def _digits_table() -> np.ndarray:
    """Read straight from the file: importing scikit-learn (with SciPy) takes a second and
    more, longer than the reading itself."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    folders = spec.submodule_search_locations if spec is not None else None
    for folder in folders or []:
        path = Path(folder) / DIGITS_TABLE
        if path.is_file():
            with gzip.open(path) as table:
                return np.loadtxt(table, delimiter=",", dtype=np.int64)
    try:  # a scikit-learn that keeps its data elsewhere
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise DataError("the built-in datasets need scikit-learn; pip install "
                        "scikit-learn") from None
    digits = load_digits()
    return np.column_stack([digits.data.astype(np.int64), digits.target])


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 images scaled to [0, 1], and their labels."""
    table = _digits_table()
    images = table[:, :64].reshape(-1, 8, 8)
    return (images / 16.0).astype(np.float32), table[:, 64].copy()


def digits(seed: int = 0) -> Dataset:
    images, labels = _digit_images()
    return Dataset("digits", torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels),
                   "classes", DIGITS)


def digit_rows(seed: int = 0) -> Dataset:
    images, labels = _digit_images()
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
    images, labels = _digit_images()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    test_sources = order[: len(images) // 5]
    train_sources = order[len(images) // 5:]
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
)}
