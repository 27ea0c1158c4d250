"""The 1,797 handwritten 8×8 digit images that scikit-learn ships inside its package, read
without importing scikit-learn: every built-in dataset is made from them."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from engine.data.dataset import DataError

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


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 images scaled to [0, 1], and their labels."""
    table = _digits_table()
    images = table[:, :64].reshape(-1, 8, 8)
    return (images / 16.0).astype(np.float32), table[:, 64].copy()


def split_sources(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the images a dataset's training samples are made from and, apart from
    them, those its held-out samples are made from (a fifth)."""
    order = rng.permutation(count)
    return order[count // 5:], order[: count // 5]
