"""Refusals that more than one reader of the user's files makes, worded the same in each."""

from __future__ import annotations

import numpy as np

from engine.data.dataset import DataError

MAX_CLASSES = 1_000_000
"""More class ids than this are almost surely numbers to predict saved as integers; a list of
that many class names would only exhaust memory."""


def refuse_too_many_classes(name: str, where: str, top: int, floats: str) -> None:
    if top >= MAX_CLASSES:
        raise DataError(f"{name}: the largest class id in {where} is {top}, which would make "
                        f"{top + 1:,} classes; expected class ids below {MAX_CLASSES:,}. "
                        f"If they are numbers to predict, {floats}")


def refuse_non_finite(name: str, key: str, array: np.ndarray) -> None:
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise DataError(f"{name}: {key} holds {bad:,} NaN or infinite value"
                        f"{'s' if bad > 1 else ''}; expected finite numbers everywhere "
                        "(fill in or drop missing values first)")


def reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
