"""A CSV table: one column to predict from the others, optionally in windows of rows."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from engine.capacity import memory_problem
from engine.catalogue import closest
from engine.data.dataset import DataError, Dataset, TargetKind, quoted
from engine.data.files.checks import (
    reason,
    refuse_irregular,
    refuse_non_finite,
    refuse_too_many_classes,
)

INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def load_csv(path: Path, target: str | None = None, features: list[str] | None = None,
             window: int | None = None) -> Dataset:
    """A table with a header row: the `target` column is predicted from the `features`
    columns (default: all the others). With `window` = W, each sample is W consecutive rows
    [W, features], labelled with its last row's target."""
    name = path.name
    header, rows, lines = _read_table(path)
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window < 1):
        raise DataError(f"{name}: \"window\" is {window!r}; expected a positive whole number "
                        "of consecutive rows per sample")
    target_index = _target_column(name, header, target)
    feature_indices = _feature_columns(name, header, target_index, features)

    x = np.empty((len(rows), len(feature_indices)), np.float32)
    for position, column in enumerate(feature_indices):
        x[:, position] = _numeric_feature(name, header[column],
                                          [row[column] for row in rows], lines)
    kind, classes, y = _csv_targets(name, header[target_index],
                                    [row[target_index] for row in rows], lines)
    if window is not None:
        if window > len(rows):
            raise DataError(f"{name}: a window of {window} rows is longer than the file's "
                            f"{len(rows)} rows; expected a window of at most {len(rows)}")
        # [N, F] -> [N - W + 1, F, W] read-only views -> [N - W + 1, W, F] own copies
        windows = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)
        x = windows.transpose(0, 2, 1).copy()
        y = y[window - 1:]
    return Dataset(name, torch.from_numpy(x), torch.from_numpy(y.copy()), kind,
                   classes)


def _read_table(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """The stripped column names, the data rows, and each row's line number in the file."""
    name = path.name
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    size = refuse_irregular(path, name).st_size
    # Python's rows of strings take several times the bytes of the text
    too_large = memory_problem(f"{name} ({size:,} bytes of text, read into rows)", 8 * size)
    if too_large:
        raise DataError(too_large)
    try:
        # utf-8-sig: spreadsheets often start their CSV files with a byte order mark
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            for row in reader:
                if not row:
                    continue  # blank lines, often at the end, carry nothing
                if header is None:
                    header = _checked_header(name, row)
                    continue
                if len(row) != len(header):
                    raise DataError(f"{name}: line {reader.line_num} has {len(row)} fields "
                                    f"but the header names {len(header)} columns; expected "
                                    "one value per column on every line")
                rows.append(row)
                lines.append(reader.line_num)
    except UnicodeDecodeError as error:
        raise DataError(f"{name} is not UTF-8 text (byte {error.start} cannot be decoded); "
                        "expected a CSV text file saved as UTF-8") from None
    except csv.Error as error:
        raise DataError(f"{name} cannot be read as CSV ({error}); expected comma-separated "
                        "text") from None
    except OSError as error:
        raise DataError(f"{name} cannot be read ({error.strerror or reason(error)})") from None
    if header is None:
        raise DataError(f"{name} is empty; expected a header row of column names, then one "
                        "row per sample")
    if not rows:
        raise DataError(f"{name} has column names but no rows of data; expected one row per "
                        "sample after the header")
    return header, rows, lines


def _checked_header(name: str, row: list[str]) -> list[str]:
    header = [field.strip() for field in row]
    if len(header) == 1 and any(separator in header[0] for separator in ";\t"):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise DataError(f"{name} separates its columns with {separator}; expected "
                        "comma-separated values")
    if all(_is_number(field) for field in header):
        raise DataError(f"{name}: the first row holds numbers ({', '.join(row[:4])}"
                        f"{', ...' if len(row) > 4 else ''}) rather than column names; "
                        "expected a header row naming the columns")
    for column in header:
        if column and header.count(column) > 1:
            raise DataError(f"{name}: the header names column {column!r} "
                            f"{header.count(column)} times; expected each name once")
    return header


def _target_column(name: str, header: list[str], target: object) -> int:
    if target is None:
        raise DataError(f"{name}: no \"target\" column was given; expected the name of the "
                        f"column to predict, one of {_listing(header)}")
    if not isinstance(target, str):
        raise DataError(f"{name}: \"target\" is {target!r}; expected the name of one column, "
                        f"one of {_listing(header)}")
    return _column_index(name, header, target, "target")


def _feature_columns(name: str, header: list[str], target_index: int,
                     features: object) -> list[int]:
    if features is None:
        indices = [i for i in range(len(header)) if i != target_index]
        unnamed = [i for i in indices if not header[i]]
        if unnamed:
            raise DataError(f"{name}: column {unnamed[0] + 1} has no name, and by default "
                            "every column but the target is a feature; expected a name for "
                            "it, or \"features\" listing the columns to use (pandas writes "
                            "its index this way: save with index=False)")
        if not indices:
            raise DataError(f"{name} has only the target column {header[target_index]!r}; "
                            "expected at least one more column to predict it from")
        return indices
    if (not isinstance(features, Sequence) or isinstance(features, str)
            or not all(isinstance(feature, str) for feature in features) or not features):
        raise DataError(f"{name}: \"features\" is {features!r}; expected a list of column "
                        f"names from {_listing(header)}")
    indices = []
    for feature in features:
        if feature == header[target_index]:
            raise DataError(f"{name}: {feature!r} is both the target and a feature; expected "
                            "the target to be predicted from other columns")
        if features.count(feature) > 1:
            raise DataError(f"{name}: \"features\" lists {feature!r} "
                            f"{features.count(feature)} times; expected each column once")
        indices.append(_column_index(name, header, feature, "feature"))
    return indices


def _column_index(name: str, header: list[str], column: str, role: str) -> int:
    if column.strip() in header and column.strip():
        return header.index(column.strip())
    guess = closest(column, [c for c in header if c])
    hint = f"; did you mean {guess!r}?" if guess else ""
    raise DataError(f"{name} has no column {column!r} (the {role}){hint} The columns are "
                    f"{_listing(header)}")


def _numeric_feature(name: str, column: str, texts: list[str],
                     lines: list[int]) -> np.ndarray:
    try:
        numbers = np.array(texts, dtype=np.float64)  # parses in C: fast for large files
    except ValueError:
        for row, text in enumerate(texts):
            if not _is_number(text):
                shown = "an empty cell" if not text.strip() else quoted(text)
                raise DataError(f"{name}: feature column {column!r} has {shown} in row "
                                f"{row + 1} (line {lines[row]}); expected a number in every "
                                "row of a feature column") from None
        numbers = np.array([float(text) for text in texts])  # NumPy stricter than Python
    finite = np.isfinite(numbers.astype(np.float32))
    if not finite.all():
        bad = int(np.count_nonzero(~finite))
        first = lines[int(np.flatnonzero(~finite)[0])]
        raise DataError(f"{name}: feature column {column!r} holds {bad:,} NaN or infinite "
                        f"value{'s' if bad > 1 else ''} (the first on line {first}); expected "
                        "finite numbers (fill in or drop missing values first)")
    return numbers


def _csv_targets(name: str, column: str, texts: list[str], lines: list[int]
                 ) -> tuple[TargetKind, list[str], np.ndarray]:
    labels = [text.strip() for text in texts]
    for row, label in enumerate(labels):
        if not label:
            raise DataError(f"{name}: the target column {column!r} is empty in row {row + 1} "
                            f"(line {lines[row]}); expected a target in every row")
    if all(INTEGER_TEXT.fullmatch(label) for label in labels):
        try:
            ids = np.array(labels, dtype=np.int64)
        except OverflowError:
            huge = max(labels, key=lambda label: abs(int(label)))
            raise DataError(f"{name}: the target column {column!r} holds the whole number "
                            f"{huge[:30]}{'...' if len(huge) > 30 else ''}, far too large "
                            "for a class id; expected class ids counting from 0 (write "
                            "numbers to predict with a decimal point)") from None
        lowest, top = int(ids.min()), int(ids.max())
        if lowest < 0:
            raise DataError(f"{name}: the target column {column!r} holds whole numbers, read "
                            f"as class ids, but one is {lowest}; expected class ids counting "
                            "from 0 (write numbers to predict with a decimal point, e.g. "
                            f"{lowest}.0)")
        refuse_too_many_classes(name, f"the target column {column!r}", top,
                                 "write them with a decimal point")
        return "classes", [str(i) for i in range(top + 1)], ids
    if all(_is_number(label) for label in labels):
        values = np.array([float(label) for label in labels], np.float32)
        refuse_non_finite(name, f"the target column {column!r}", values)
        return "values", [], values
    classes = sorted(set(labels))
    index_of = {label: index for index, label in enumerate(classes)}
    return "classes", classes, np.array([index_of[label] for label in labels], np.int64)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _listing(header: list[str]) -> str:
    return ", ".join(repr(c) for c in header if c) or "(no named columns)"
