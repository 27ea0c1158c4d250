"""Refusals that more than one reader of the user's files makes, worded the same in each."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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


def refuse_irregular(path: Path, name: str) -> os.stat_result:
    """Refuse anything but a regular file (reading a FIFO waits forever, a device such as
    /dev/zero never ends); symbolic links are followed to what they name."""
    try:
        info = path.stat()
    except OSError as error:
        raise DataError(f"{name} cannot be opened ({error.strerror or reason(error)})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise DataError(f"{name} is {kind}, which never ends or waits for a writer; expected "
                        "a regular file")
    return info
