"""The user's own data: an .npz of arrays, a CSV table, or a folder of class subfolders of
images. Every file is untrusted: nothing is unpickled, and anything unusable is refused with
a sentence that names the file, says what was found and what would fit."""

from __future__ import annotations

import csv
import os
import re
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from engine.catalogue import TensorInfo, closest
from engine.data.dataset import PAD, DataError, Dataset, TargetKind

NPZ_ARRAYS = ("x", "y", "x_val", "y_val")
NUMERIC_KINDS = "biuf"
"""NumPy dtype kinds a network can take: bool, signed and unsigned integers, floats."""

MAX_CLASSES = 1_000_000
"""More class ids than this are almost surely numbers to predict saved as integers; a list of
that many class names would only exhaust memory."""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})
SAVEZ_HINT = "numpy.savez(file, x=samples, y=targets)"
NPY_MAGIC = b"\x93NUMPY"
INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


# --- .npz -------------------------------------------------------------------------------

def load_npz(path: Path) -> Dataset:
    """Arrays `x` and `y`, and optionally `x_val` and `y_val`, from a NumPy archive."""
    name = path.name
    arrays = _read_npz_arrays(path)
    x, y = arrays["x"], arrays["y"]
    x_val, y_val = arrays.get("x_val"), arrays.get("y_val")

    for key, array in arrays.items():
        if array.size == 0:
            raise DataError(f"{name}: array {key} is empty (shape {list(array.shape)}); "
                            "expected at least one sample holding at least one number")
    if x.ndim < 2:
        raise DataError(f"{name}: x has shape {list(x.shape)}, a single number per sample; "
                        "expected [samples, ...] with each sample an array, e.g. save "
                        "x.reshape(-1, 1) for one feature per sample")
    _check_pairing(name, "x", x, "y", y)
    if x_val is not None and y_val is not None:
        _check_pairing(name, "x_val", x_val, "y_val", y_val)
        if x_val.shape[1:] != x.shape[1:]:
            raise DataError(f"{name}: x_val's samples have shape {list(x_val.shape[1:])} but "
                            f"x's have shape {list(x.shape[1:])}; expected validation samples "
                            "shaped like the training samples")
        if _is_integer(x_val) != _is_integer(x):
            raise DataError(f"{name}: x holds {_number_kind(x)} but x_val holds "
                            f"{_number_kind(x_val)}; expected both to hold the same kind")

    x_tensor = _npz_samples(name, "x", x)
    x_val_tensor = None if x_val is None else _npz_samples(name, "x_val", x_val)
    kind, classes, y_tensor, y_val_tensor = _npz_targets(name, y, y_val)
    return Dataset(name, x_tensor, y_tensor, kind, classes, x_val_tensor, y_val_tensor)


def _read_npz_arrays(path: Path) -> dict[str, np.ndarray]:
    name = path.name
    not_npz = (f"{name} is not a valid .npz file; expected a NumPy archive of arrays x and "
               f"y, as {SAVEZ_HINT} writes it")
    try:
        # our own handle: np.load leaves its handle open when it meets a damaged archive
        with path.open("rb") as handle:
            if handle.read(len(NPY_MAGIC)) == NPY_MAGIC:
                raise DataError(f"{name} holds one bare array (an .npy file), not an archive "
                                f"of named arrays; expected arrays x and y, as {SAVEZ_HINT} "
                                "writes them")
            handle.seek(0)
            # allow_pickle=False: a data file must never be able to run code when opened
            with np.load(handle, allow_pickle=False) as archive:
                return _read_npz_archive(archive, name)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{not_npz} ({_reason(error)})") from None


def _read_npz_archive(archive: np.lib.npyio.NpzFile, name: str) -> dict[str, np.ndarray]:
    found = list(archive.files)
    missing = [key for key in ("x", "y") if key not in found]
    if missing:
        listing = ", ".join(found) if found else "no arrays at all"
        raise DataError(f"{name} has no array {' or '.join(missing)}: it holds {listing}; "
                        "expected arrays x (the samples) and y (the targets), as "
                        f"{SAVEZ_HINT} writes them")
    if ("x_val" in found) != ("y_val" in found):
        present, absent = ("x_val", "y_val") if "x_val" in found else ("y_val", "x_val")
        raise DataError(f"{name} has {present} but no {absent}; expected both (a validation "
                        "set of samples and their targets) or neither")
    return {key: _read_npz_array(archive, name, key) for key in NPZ_ARRAYS if key in found}


def _read_npz_array(archive: np.lib.npyio.NpzFile, name: str, key: str) -> np.ndarray:
    try:
        array = archive[key]
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(f"{name}: array {key} holds Python objects, which only unpickling "
                            "could read and Netdesigner never unpickles data; expected an "
                            "array of numbers") from None
        raise DataError(f"{name}: array {key} cannot be read, the file is damaged "
                        f"({_reason(error)}); expected an archive as {SAVEZ_HINT} writes it"
                        ) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{name}: array {key} cannot be read, the file is damaged or cut "
                        f"short ({_reason(error)}); expected an archive as {SAVEZ_HINT} "
                        "writes it") from None
    if array.dtype.kind not in NUMERIC_KINDS:
        found = "text" if array.dtype.kind in "US" else f"values of type {array.dtype}"
        raise DataError(f"{name}: array {key} holds {found}; expected numbers (floats, or "
                        "integers for class ids and token ids)")
    return array


def _check_pairing(name: str, x_key: str, x: np.ndarray, y_key: str, y: np.ndarray) -> None:
    if y.ndim == 0:
        raise DataError(f"{name}: {y_key} is a single number; expected one target per "
                        f"sample of {x_key}")
    if len(x) != len(y):
        raise DataError(f"{name}: {x_key} holds {len(x)} samples but {y_key} holds {len(y)} "
                        "targets; expected one target per sample (the same first dimension)")


def _npz_samples(name: str, key: str, array: np.ndarray) -> torch.Tensor:
    if _is_integer(array):
        negative = int(np.count_nonzero(array < 0))
        if negative:
            raise DataError(f"{name}: {key} holds integers, which are read as token ids, but "
                            f"{negative} of them are negative; expected ids from 0, or floats "
                            "for measurements")
        return torch.from_numpy(array.astype(np.int64))
    samples = array.astype(np.float32)
    _refuse_non_finite(name, key, samples)
    return torch.from_numpy(samples)


def _npz_targets(name: str, y: np.ndarray, y_val: np.ndarray | None
                 ) -> tuple[TargetKind, list[str], torch.Tensor, torch.Tensor | None]:
    both = [("y", y)] + ([("y_val", y_val)] if y_val is not None else [])
    if y_val is not None and _is_integer(y_val) != _is_integer(y):
        raise DataError(f"{name}: y holds {_number_kind(y)} but y_val holds "
                        f"{_number_kind(y_val)}; expected both to hold the same kind")
    if not _is_integer(y):
        values = [array.astype(np.float32) for _, array in both]
        for (key, _), array in zip(both, values, strict=True):
            _refuse_non_finite(name, key, array)
        _refuse_different_target_shapes(name, y, y_val)
        return "values", [], *_tensors(values)

    padded = y.ndim == 2 and (y_val is None or y_val.ndim == 2) and any(
        np.any(array == PAD) for _, array in both)
    if padded:
        return "strings", *_label_strings(name, both)
    _refuse_different_target_shapes(name, y, y_val)
    for key, array in both:
        lowest = int(array.min())
        if lowest < 0:
            raise DataError(f"{name}: {key} holds class id {lowest}; expected class ids "
                            f"counting from 0 ({PAD} pads label strings, and only in a 2-D y)")
    top = max(int(array.max()) for _, array in both)
    _refuse_too_many_classes(name, "y", top, "save y as floats")
    classes = [str(i) for i in range(top + 1)]
    return "classes", classes, *_tensors([array.astype(np.int64) for _, array in both])


def _label_strings(name: str, both: list[tuple[str, np.ndarray]]
                   ) -> tuple[list[str], torch.Tensor, torch.Tensor | None]:
    """Rows of label ids from 1 (0 is CTC's blank) followed by PAD."""
    for key, array in both:
        lowest = int(array.min())
        if lowest < PAD:
            raise DataError(f"{name}: {key} holds label {lowest}; expected label ids from 1, "
                            f"with {PAD} only as padding after each string")
        if np.any(array == 0):
            raise DataError(f"{name}: {key} pads label strings with {PAD} but also holds "
                            "label 0, which CTC keeps for the blank; expected label ids "
                            "counting from 1")
        label_after_pad = np.any(np.diff((array == PAD).astype(np.int8), axis=1) < 0, axis=1)
        if label_after_pad.any():
            row = int(np.flatnonzero(label_after_pad)[0])
            raise DataError(f"{name}: row {row} of {key} has a label after {PAD} padding; "
                            "expected each string's labels first, then only padding")
    top = max(int(array.max()) for _, array in both)
    if top < 1:
        raise DataError(f"{name}: y holds only {PAD} padding; expected label strings of ids "
                        "from 1")
    _refuse_too_many_classes(name, "y", top, "save y as floats")
    classes = [str(i) for i in range(1, top + 1)]
    return classes, *_tensors([array.astype(np.int64) for _, array in both])


def _refuse_different_target_shapes(name: str, y: np.ndarray, y_val: np.ndarray | None) -> None:
    if y_val is not None and y_val.shape[1:] != y.shape[1:]:
        raise DataError(f"{name}: y_val's targets have shape {list(y_val.shape[1:])} but "
                        f"y's have shape {list(y.shape[1:])}; expected validation targets "
                        "shaped like the training targets")


def _refuse_too_many_classes(name: str, where: str, top: int, floats: str) -> None:
    if top >= MAX_CLASSES:
        raise DataError(f"{name}: the largest class id in {where} is {top}, which would make "
                        f"{top + 1:,} classes; expected class ids below {MAX_CLASSES:,}. "
                        f"If they are numbers to predict, {floats}")


def _tensors(arrays: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor | None]:
    tensors = [torch.from_numpy(array) for array in arrays]
    return tensors[0], tensors[1] if len(tensors) > 1 else None


def _is_integer(array: np.ndarray) -> bool:
    return array.dtype.kind in "iu"


def _number_kind(array: np.ndarray) -> str:
    kind = {"b": "booleans", "f": "floats"}.get(array.dtype.kind, "integers")
    return f"{kind} ({array.dtype})"


def _refuse_non_finite(name: str, key: str, array: np.ndarray) -> None:
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise DataError(f"{name}: {key} holds {bad:,} NaN or infinite value"
                        f"{'s' if bad > 1 else ''}; expected finite numbers everywhere "
                        "(fill in or drop missing values first)")


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


# --- CSV --------------------------------------------------------------------------------

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
                shown = "an empty cell" if not text.strip() else repr(text)
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
        ids = np.array(labels, dtype=np.int64)
        lowest, top = int(ids.min()), int(ids.max())
        if lowest < 0:
            raise DataError(f"{name}: the target column {column!r} holds whole numbers, read "
                            f"as class ids, but one is {lowest}; expected class ids counting "
                            "from 0 (write numbers to predict with a decimal point, e.g. "
                            f"{lowest}.0)")
        _refuse_too_many_classes(name, f"the target column {column!r}", top,
                                 "write them with a decimal point")
        return "classes", [str(i) for i in range(top + 1)], ids
    if all(_is_number(label) for label in labels):
        values = np.array([float(label) for label in labels], np.float32)
        _refuse_non_finite(name, f"the target column {column!r}", values)
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


# --- image folders ----------------------------------------------------------------------

def load_image_folder(path: Path, sample: TensorInfo | None) -> Dataset:
    """Images in class subfolders (sorted names are the classes), each converted and resized
    to the network Input's [C, H, W] and scaled to [0, 1]."""
    name = f"{path.name}/"
    channels, height, width = _image_input_shape(name, sample)
    if not path.is_dir():
        raise DataError(f"{name} is not a folder; expected a folder of class subfolders of "
                        "images")
    class_folders = sorted((entry for entry in path.iterdir()
                            if entry.is_dir() and not _hidden(entry.name)),
                           key=lambda folder: folder.name)
    images_by_class = [_images_under(folder) for folder in class_folders]
    loose = [entry for entry in path.iterdir() if entry.is_file() and _is_image(entry.name)]
    suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
    if not loose and not any(images_by_class):
        raise DataError(f"{name} holds no images at all; expected class subfolders of image "
                        f"files ({suffixes})")
    if len(class_folders) < 2:
        found = (f"only the subfolder {class_folders[0].name!r}" if class_folders
                 else "no subfolders")
        raise DataError(f"{name} has {found}; expected one subfolder per class, at least two, "
                        "each holding that class's images")
    for folder, images in zip(class_folders, images_by_class, strict=True):
        if not images:
            raise DataError(f"{name}: the class folder {folder.name!r} holds no images; "
                            f"expected image files ({suffixes}) in every class folder")

    files = [image for images in images_by_class for image in images]
    pixels = _read_images(path, files, channels, height, width)
    # [N, H, W, C] bytes -> [N, C, H, W] floats in [0, 1]
    x = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2), dtype=np.float32)
    x /= 255.0
    y = np.repeat(np.arange(len(class_folders), dtype=np.int64),
                  [len(images) for images in images_by_class])
    return Dataset(path.name, torch.from_numpy(x), torch.from_numpy(y), "classes",
                   [folder.name for folder in class_folders])


def _image_input_shape(name: str, sample: TensorInfo | None) -> tuple[int, int, int]:
    needs = ("expected an Input of [1, height, width] for greyscale images or "
             "[3, height, width] for colour, float32")
    if sample is None:
        raise DataError(f"{name}: images are resized to fit the network's Input, but no "
                        f"Input shape was given; {needs}")
    shape = tuple(sample.shape)
    if (len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1
            or sample.dtype != "float32"):
        raise DataError(f"{name}: the network's Input is {sample}, which images cannot "
                        f"fill; {needs}")
    channels, height, width = (int(size) for size in shape)
    return channels, height, width


def _images_under(folder: Path) -> list[Path]:
    """Every image in the folder and its subfolders, in a stable order, hidden ones left out
    (macOS and editors leave '.'-files that are not images or not the user's)."""
    found = []
    for root, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(sub for sub in subfolders if not _hidden(sub))
        found.extend(Path(root) / file for file in sorted(names) if _is_image(file))
    return found


def _hidden(file_name: str) -> bool:
    return file_name.startswith(".") or file_name == "__MACOSX"


def _is_image(file_name: str) -> bool:
    return not _hidden(file_name) and Path(file_name).suffix.lower() in IMAGE_SUFFIXES


def _read_images(folder: Path, files: list[Path], channels: int, height: int,
                 width: int) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        raise DataError("reading image folders needs Pillow; pip install Pillow") from None
    mode = "L" if channels == 1 else "RGB"
    pixels = np.empty((len(files), height, width, channels), np.uint8)
    for index, file in enumerate(files):
        try:
            with Image.open(file) as image:
                # lets the JPEG decoder shrink big photos while decoding: much faster
                image.draft(mode, (width, height))
                fitted = image.convert(mode).resize((width, height),
                                                    Image.Resampling.BILINEAR)
        # image decoders raise many kinds of error on damaged files (OSError, SyntaxError,
        # struct.error, DecompressionBombError, ...); each means this file is unusable
        except Exception as error:
            raise DataError(f"{folder.name}/: Pillow cannot read "
                            f"{file.relative_to(folder).as_posix()} ({_reason(error)}); "
                            "expected a readable .png, .jpg, .bmp or .gif image") from None
        pixels[index] = np.asarray(fitted).reshape(height, width, channels)
    return pixels
