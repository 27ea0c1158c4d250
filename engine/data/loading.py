"""From a project's `training.dataset` entry to a Dataset in memory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.catalogue import TensorInfo, closest
from engine.data import files
from engine.data.builtin import BUILTINS
from engine.data.dataset import DataError, Dataset
from engine.data.files.checks import refuse_irregular
from engine.data.files.kinds import csv_kind, folder_kind
from engine.data.standalone.clip_reading import VIDEO_SUFFIXES
from engine.data.standalone.dna_reading import is_bed, is_fasta
from engine.data.standalone.sound_reading import SOUND_SUFFIXES


def load_dataset(entry: Any, base_dir: Path | None = None, sample: TensorInfo | None = None,
                 seed: int = 0, cache_dir: Path | None = None,
                 consumer: str | None = None) -> Dataset:
    """`entry` is {"name": builtin} or {"path": file or folder, ...options}; relative paths
    start at `base_dir` (the project's folder). `sample` is what the network's Input takes:
    images, clips, sounds, DNA, lines and sequences are fitted to it; `consumer` is the type
    of the layer the Input feeds (sequences are read features first for a Conv1d). Samples
    in files are indexed, not decoded: their decoded samples are kept in `cache_dir` (None:
    none kept)."""
    if not isinstance(entry, Mapping):
        raise DataError("\"dataset\" must be an object: {\"name\": \"digits\"} for a built-in "
                        "or {\"path\": \"file.npz\"} for your own data")
    if "name" in entry:
        name = entry["name"]
        if name not in BUILTINS:
            guess = closest(str(name), list(BUILTINS))
            hint = f"; did you mean '{guess}'?" if guess else ""
            raise DataError(f"there is no built-in dataset {name!r}{hint} The built-ins are "
                            + ", ".join(BUILTINS))
        extra = sorted(set(entry) - {"name"})
        if extra:
            raise DataError(f"a built-in dataset takes only \"name\", not {', '.join(extra)}")
        return BUILTINS[name].make(seed)
    if "path" not in entry or not isinstance(entry["path"], str):
        raise DataError("\"dataset\" needs \"name\" (a built-in) or \"path\" (your data)")
    try:
        path = Path(entry["path"]).expanduser()
    except RuntimeError:  # '~someone' who has no home here
        path = Path(entry["path"])
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    options = {k: v for k, v in entry.items() if k != "path"}
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError) as error:
        shown = entry["path"] if len(entry["path"]) <= 80 else entry["path"][:77] + "..."
        why = getattr(error, "strerror", None) or str(error)
        raise DataError(f"the dataset path {shown!r} ({len(entry['path']):,} characters) "
                        f"cannot be used: {why}") from None
    if is_dir:
        kind = folder_kind(path, sample)
        if kind == "sequences":
            return files.load_sequences(path, sample, options, cache_dir, consumer)
        if kind == "lines":
            return files.load_lines(path, sample, options, cache_dir)
        if kind == "sounds":
            return files.load_sounds(path, sample, options, cache_dir)
        if kind == "clips":
            return files.load_clips(path, sample, options, cache_dir)
        return files.load_image_folder(path, sample, **_options(options, set(), path))
    if not exists:
        raise DataError(f"the dataset {entry['path']!r} does not exist (looked for {path})")
    refuse_irregular(path, path.name)
    if is_fasta(path) or is_bed(path):
        return files.load_dna(path, sample, options, cache_dir, base_dir)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return files.load_npz(path, **_options(options, set(), path))
    if suffix == ".csv":
        kind = csv_kind(path)
        if kind == "sequences":
            return files.load_sequences(path, sample, options, cache_dir, consumer)
        if kind == "lines":
            return files.load_lines(path, sample, options, cache_dir)
        if kind == "sounds":
            return files.load_sounds(path, sample, options, cache_dir)
        if kind == "clips":
            return files.load_clips(path, sample, options, cache_dir)
        return files.load_csv(path, **_options(options, {"target", "features", "window"},
                                               path))
    if suffix in VIDEO_SUFFIXES or suffix in SOUND_SUFFIXES:
        what = "video" if suffix in VIDEO_SUFFIXES else "sound"
        raise DataError(f"{path.name} is one {what}; a dataset is a folder of them (one "
                        "subfolder per class) or a CSV that names them")
    raise DataError(f"{path.name}: Netdesigner reads .npz and .csv files, FASTA and BED files, "
                    "folders of images and folders of video clips or sounds; convert the "
                    "data to one of them")


def _options(options: dict[str, Any], allowed: set[str], path: Path) -> dict[str, Any]:
    unknown = sorted(set(options) - allowed)
    if unknown:
        takes = f"takes {', '.join(sorted(allowed))}" if allowed else "takes only \"path\""
        raise DataError(f"{path.name}: unknown dataset option(s) {', '.join(unknown)}; this "
                        f"kind of data {takes}")
    return options
