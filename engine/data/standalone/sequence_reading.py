"""Sequences read from files, one matrix [time, features] per sample (the Sony Neural
Network Console convention): a .npy array, or a .csv / .tsv / .txt table with or without
a header row (found by whether its first row holds numbers). Fitted to the Input's
number of steps: padded with zeros at the end and cropped at the end by default, or both
centred; with the default the true length is kept, so that recurrent layers see only the
real steps.

Copied as it is beside an exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEQUENCE_SUFFIXES = frozenset({".npy", ".csv", ".tsv", ".txt"})
FITS = ("end", "centre")


class SequenceError(Exception):
    """A sequence file that cannot be read; the message says why (not its name)."""


def is_sequence_file(path: Path) -> bool:
    try:
        return (
            path.suffix.lower() in SEQUENCE_SUFFIXES
            and not path.name.startswith(".")
            and path.is_file()
        )
    except OSError:
        return False


def _numbers(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row if cell.strip()]
    except ValueError:
        return False
    return any(cell.strip() for cell in row)


def read_matrix(path: Path) -> np.ndarray:
    """[time, features] float32; a single column or a 1-D array is one feature."""
    if path.suffix.lower() == ".npy":
        try:
            matrix = np.load(path, allow_pickle=False)
        except Exception as error:  # ValueError for pickles, OSError, ...
            raise SequenceError(
                f"cannot be read as a NumPy array ({_reason(error)})"
            ) from None
        if matrix.dtype.kind not in "biuf":
            raise SequenceError(f"holds {matrix.dtype} values; expected numbers")
        if matrix.ndim == 1:
            matrix = matrix[:, None]
        if matrix.ndim != 2:
            raise SequenceError(
                f"has shape {list(matrix.shape)}; expected [time, features]"
            )
        values = matrix.astype(np.float32)
        _refuse_non_finite(values, first_line=0)
        return values
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SequenceError(f"cannot be read ({_reason(error)})") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SequenceError("holds no rows")
    try:
        dialect: object = csv.Sniffer().sniff(lines[0], delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel_tab if "\t" in lines[0] else csv.excel
    rows = [
        [cell for cell in row if cell.strip() != "" or len(row) == 1]
        for row in csv.reader(lines, dialect)
    ]
    header = 0 if _numbers(rows[0]) else 1
    body = rows[header:]
    if not body:
        raise SequenceError("has a header row but no values")
    width = len(body[0])
    for number, row in enumerate(body, start=header + 1):
        if len(row) != width:
            raise SequenceError(
                f"line {number} has {len(row)} values where the first has {width}"
            )
    try:
        values = np.array(body, dtype=np.float32)
    except ValueError:
        for number, row in enumerate(body, start=header + 1):
            for column, cell in enumerate(row, start=1):
                try:
                    float(cell)
                except ValueError:
                    raise SequenceError(
                        f"line {number}, column {column}: {_shown(cell)} is not a "
                        "number"
                    ) from None
        raise
    _refuse_non_finite(values, first_line=header + 1)
    return values


def _refuse_non_finite(values: np.ndarray, first_line: int) -> None:
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        row, column = (int(i) for i in bad[0])
        where = (
            f"line {first_line + row}, column {column + 1}"
            if first_line
            else f"step {row + 1}, feature {column + 1}"
        )
        raise SequenceError(
            f"has a value that is not a number (NaN or infinite) at "
            f"{where}; fill in or drop missing values first"
        )


def _reason(error: BaseException) -> str:
    text = (
        str(getattr(error, "strerror", None) or error).strip() or type(error).__name__
    )
    return text.splitlines()[0][:200]


def fit(matrix: np.ndarray, steps: int, where: str = "end") -> tuple[np.ndarray, int]:
    """[steps, features], and how many of its steps are the sequence's own (the rest is
    zeros): cropped or padded at the end (`where` 'end'), or around the middle
    ('centre', whose padding lies on both sides)."""
    length = len(matrix)
    fitted = np.zeros((steps, matrix.shape[1]), np.float32)
    if where == "centre":
        if length >= steps:
            start = (length - steps) // 2
            fitted[:] = matrix[start : start + steps]
        else:
            start = (steps - length) // 2
            fitted[start : start + length] = matrix
        return fitted, min(length, steps)
    kept = min(length, steps)
    fitted[:kept] = matrix[:kept]
    return fitted, kept


def _shown(cell: str) -> str:
    """A cell as a message quotes it: its start and length when it is long (a DNA
    sequence of 200 letters would fill the message)."""
    if len(cell) <= 40:
        return repr(cell)
    return f"{cell[:40]!r}… ({len(cell):,} characters)"
