"""Arrays from a NumPy .npz archive, opened without ever unpickling."""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from engine.capacity import memory_problem
from engine.data.dataset import PAD, DataError, Dataset, TargetKind
from engine.data.files.checks import (
    reason,
    refuse_irregular,
    refuse_non_finite,
    refuse_too_many_classes,
)

NPZ_ARRAYS = ("x", "y", "x_val", "y_val", "x_test", "y_test")
CLASS_NAMES = "classes"
"""An optional array of class names: class id i is named classes[i]."""
NUMERIC_KINDS = "biuf"
"""NumPy dtype kinds a network can take: bool, signed and unsigned integers, floats."""

SAVEZ_HINT = "numpy.savez(file, x=samples, y=targets)"
NPY_MAGIC = b"\x93NUMPY"


def load_npz(path: Path) -> Dataset:
    """Arrays `x` and `y`, and optionally `x_val` and `y_val` (a validation split),
    `x_test` and `y_test` (a test split, measured at the end of a run) and `classes` (the
    class names), from a NumPy archive."""
    name = path.name
    arrays = _read_npz_arrays(path)
    x, y = arrays["x"], arrays["y"]
    for key, array in arrays.items():
        if array.size == 0 and key != CLASS_NAMES:
            raise DataError(f"{name}: array {key} is empty (shape {list(array.shape)}); "
                            "expected at least one sample holding at least one number")
    if x.ndim < 2:
        raise DataError(f"{name}: x has shape {list(x.shape)}, a single number per sample; "
                        "expected [samples, ...] with each sample an array, e.g. save "
                        "x.reshape(-1, 1) for one feature per sample")
    _check_pairing(name, "x", x, "y", y)
    parts = [("", x, y)]
    for suffix in ("_val", "_test"):
        x_part, y_part = arrays.get("x" + suffix), arrays.get("y" + suffix)
        if x_part is None or y_part is None:
            continue
        _check_pairing(name, "x" + suffix, x_part, "y" + suffix, y_part)
        if x_part.shape[1:] != x.shape[1:]:
            raise DataError(f"{name}: x{suffix}'s samples have shape "
                            f"{list(x_part.shape[1:])} but x's have shape "
                            f"{list(x.shape[1:])}; expected them shaped like the training "
                            "samples")
        if _is_integer(x_part) != _is_integer(x):
            raise DataError(f"{name}: x holds {_number_kind(x)} but x{suffix} holds "
                            f"{_number_kind(x_part)}; expected both to hold the same kind")
        parts.append((suffix, x_part, y_part))
    samples = [_npz_samples(name, "x" + suffix, part) for suffix, part, _ in parts]
    kind, classes, targets = _npz_targets(name, [("y" + suffix, part)
                                                 for suffix, _, part in parts],
                                          arrays.get(CLASS_NAMES))
    by_suffix = {suffix: (sample, target) for (suffix, _, _), sample, target in zip(
        parts, samples, targets, strict=True)}
    x_val, y_val = by_suffix.get("_val", (None, None))
    x_test, y_test = by_suffix.get("_test", (None, None))
    return Dataset(name, samples[0], targets[0], kind, classes, x_val, y_val, x_test, y_test)


def _read_npz_arrays(path: Path) -> dict[str, np.ndarray]:
    name = path.name
    not_npz = (f"{name} is not a valid .npz file; expected a NumPy archive of arrays x and "
               f"y, as {SAVEZ_HINT} writes it")
    refuse_irregular(path, name)
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
        raise DataError(f"{not_npz} ({reason(error)})") from None


def _read_npz_archive(archive: np.lib.npyio.NpzFile, name: str) -> dict[str, np.ndarray]:
    found = list(archive.files)
    missing = [key for key in ("x", "y") if key not in found]
    if missing:
        listing = ", ".join(found) if found else "no arrays at all"
        raise DataError(f"{name} has no array {' or '.join(missing)}: it holds {listing}; "
                        "expected arrays x (the samples) and y (the targets), as "
                        f"{SAVEZ_HINT} writes them")
    for suffix, what in (("_val", "a validation"), ("_test", "a test")):
        if ("x" + suffix in found) != ("y" + suffix in found):
            present, absent = (("x", "y") if "x" + suffix in found else ("y", "x"))
            raise DataError(f"{name} has {present}{suffix} but no {absent}{suffix}; expected "
                            f"both ({what} set of samples and their targets) or neither")
    wanted = [key for key in NPZ_ARRAYS if key in found]
    declared = sum(_check_member(archive, name, key) for key in wanted)
    too_large = memory_problem(f"{name}: its arrays together ({declared:,} bytes once "
                               "unpacked)", declared)
    if too_large:
        raise DataError(too_large)
    arrays = {key: _read_npz_array(archive, name, key) for key in wanted}
    if CLASS_NAMES in found:
        arrays[CLASS_NAMES] = _read_class_names(archive, name)
    return arrays


def _read_class_names(archive: np.lib.npyio.NpzFile, name: str) -> np.ndarray:
    _check_member(archive, name, CLASS_NAMES)
    try:
        names = archive[CLASS_NAMES]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{name}: array {CLASS_NAMES} cannot be read ({reason(error)})") \
            from None
    if names.ndim != 1 or names.dtype.kind not in "USiuf":
        raise DataError(f"{name}: array {CLASS_NAMES} must be a list of class names (text), "
                        f"not {names.dtype} of shape {list(names.shape)}")
    return names


def _check_member(archive: np.lib.npyio.NpzFile, name: str, key: str) -> int:
    """Read what a member says of itself before reading it: a bare pickle, an object array
    (which only unpickling reads) and a size larger than the member or than memory are
    refused here, so a lying header or a zip bomb never allocates or unpickles. Returns
    the bytes it unpacks to."""
    zip_file = archive.zip
    member = f"{key}.npy"
    if member not in zip_file.namelist():
        raise DataError(f"{name}: the member {key!r} is not a NumPy array (no {member} in the "
                        f"archive, only raw bytes); expected arrays saved with {SAVEZ_HINT}")
    info = zip_file.getinfo(member)
    with zip_file.open(info) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            shape, _, dtype = (np.lib.format.read_array_header_1_0(stream) if version == (1, 0)
                               else np.lib.format.read_array_header_2_0(stream))
        except ValueError as error:
            raise DataError(f"{name}: the member {key!r} is not a NumPy array "
                            f"({reason(error)}); expected arrays saved with {SAVEZ_HINT}"
                            ) from None
    if dtype.hasobject:
        raise DataError(f"{name}: array {key} holds Python objects, which only unpickling "
                        "could read and Netdesigner never unpickles data; expected an array "
                        "of numbers")
    declared = math.prod(shape) * dtype.itemsize
    if declared > info.file_size:
        raise DataError(f"{name}: array {key} claims shape {list(shape)} ({declared:,} bytes) "
                        f"but its member holds only {info.file_size:,} bytes; the file is "
                        "damaged or was not written by NumPy")
    too_large = memory_problem(f"{name}: array {key} ({list(shape)} of {dtype})", declared)
    if too_large:
        raise DataError(too_large)
    return declared


def _read_npz_array(archive: np.lib.npyio.NpzFile, name: str, key: str) -> np.ndarray:
    _check_member(archive, name, key)
    try:
        array = archive[key]
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(f"{name}: array {key} holds Python objects, which only unpickling "
                            "could read and Netdesigner never unpickles data; expected an "
                            "array of numbers") from None
        raise DataError(f"{name}: array {key} cannot be read, the file is damaged "
                        f"({reason(error)}); expected an archive as {SAVEZ_HINT} writes it"
                        ) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"{name}: array {key} cannot be read, the file is damaged or cut "
                        f"short ({reason(error)}); expected an archive as {SAVEZ_HINT} "
                        "writes it") from None
    if not isinstance(array, np.ndarray):
        raise DataError(f"{name}: the member {key!r} is not a NumPy array; expected arrays "
                        f"saved with {SAVEZ_HINT}")
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
    refuse_non_finite(name, key, samples)
    return torch.from_numpy(samples)


def _npz_targets(name: str, parts: list[tuple[str, np.ndarray]], names: np.ndarray | None
                 ) -> tuple[TargetKind, list[str], list[torch.Tensor]]:
    """The targets of every part (y, y_val, y_test) and what they are. Integer class labels
    are names as the data has them: labels 1 and 2 are two classes (not three with an empty
    0), unless a `classes` array names the classes by id."""
    y = parts[0][1]
    for key, array in parts[1:]:
        if _is_integer(array) != _is_integer(y):
            raise DataError(f"{name}: y holds {_number_kind(y)} but {key} holds "
                            f"{_number_kind(array)}; expected both to hold the same kind")
        if array.shape[1:] != y.shape[1:] and not (y.ndim == 2 and array.ndim == 2):
            raise DataError(f"{name}: {key}'s targets have shape {list(array.shape[1:])} but "
                            f"y's have shape {list(y.shape[1:])}; expected them shaped like "
                            "the training targets")
    if not _is_integer(y):
        values = [array.astype(np.float32) for _, array in parts]
        for (key, _), array in zip(parts, values, strict=True):
            refuse_non_finite(name, key, array)
        _refuse_different_target_shapes(name, parts)
        return "values", [], [torch.from_numpy(v) for v in values]
    padded = all(array.ndim == 2 for _, array in parts) and any(
        np.any(array == PAD) for _, array in parts)
    if padded:
        classes, tensors = _label_strings(name, parts)
        return "strings", classes, tensors
    _refuse_different_target_shapes(name, parts)
    for key, array in parts:
        lowest = int(array.min())
        if lowest < 0:
            raise DataError(f"{name}: {key} holds class id {lowest}; expected class ids "
                            f"counting from 0 ({PAD} pads label strings, and only in a 2-D "
                            "y)")
    if names is not None:
        top = max(int(array.max()) for _, array in parts)
        if top >= len(names):
            raise DataError(f"{name}: y holds class id {top} but {CLASS_NAMES} names only "
                            f"{len(names)} classes; expected an id below {len(names)} for "
                            "every sample")
        return "classes", [str(n) for n in names.tolist()], [
            torch.from_numpy(array.astype(np.int64)) for _, array in parts]
    top = max(int(array.max()) for _, array in parts)
    refuse_too_many_classes(name, "y", top, "save y as floats")
    present = np.unique(np.concatenate([array.reshape(-1) for _, array in parts]))
    ids = np.zeros(top + 1, np.int64)
    ids[present] = np.arange(len(present))
    return "classes", [str(int(label)) for label in present], [
        torch.from_numpy(ids[array.astype(np.int64)]) for _, array in parts]


def _label_strings(name: str, both: list[tuple[str, np.ndarray]]
                   ) -> tuple[list[str], list[torch.Tensor]]:
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
    refuse_too_many_classes(name, "y", top, "save y as floats")
    classes = [str(i) for i in range(1, top + 1)]
    return classes, [torch.from_numpy(array.astype(np.int64)) for _, array in both]


def _refuse_different_target_shapes(name: str, parts: list[tuple[str, np.ndarray]]) -> None:
    y = parts[0][1]
    for key, array in parts[1:]:
        if array.shape[1:] != y.shape[1:]:
            raise DataError(f"{name}: {key}'s targets have shape {list(array.shape[1:])} but "
                            f"y's have shape {list(y.shape[1:])}; expected them shaped like "
                            "the training targets")


def _is_integer(array: np.ndarray) -> bool:
    return array.dtype.kind in "iu"


def _number_kind(array: np.ndarray) -> str:
    kind = {"b": "booleans", "f": "floats"}.get(array.dtype.kind, "integers")
    return f"{kind} ({array.dtype})"
