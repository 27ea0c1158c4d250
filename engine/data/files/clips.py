"""Video clips in files, for gesture recognition (a label per clip) and video labelling (a
label per frame): class folders of videos or of frame folders, train/validation/test split
folders, videos with a file of per-frame labels beside them or a CSV of segments, and
manifest CSVs (engine.data.standalone.layout). Indexed here; decoded on demand, fitted to
the network's Input [T, C, H, W] (engine.data.standalone.clip_reading), through the cache
of decoded samples."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.catalogue import TensorInfo
from engine.data.cache import SHORT, open_cache
from engine.data.dataset import UNSCORED, DataError, Dataset
from engine.data.samples import BadSamples, FileSamples, SampleError, SampleIndex
from engine.data.standalone import clip_reading
from engine.data.standalone.clip_reading import ClipError, Fitting
from engine.data.standalone.layout import Layout, LayoutError, Source, find_layout

OPTIONS = {
    "sampling": "'uniform' (frames spread evenly over the clip, the default) or "
                "'consecutive' (frames `stride` apart from the middle of the clip)",
    "stride": "frames between two sampled frames, for 'consecutive' sampling and for videos "
              "cut into clips (default 1)",
    "resize": "'crop' (the shorter side fits and the centre is cut out, the default) or "
              "'stretch' (the whole frame squeezed to the Input's size)",
    "short": "a clip with fewer frames than the Input takes: 'repeat' its last frame (the "
             "default) or 'refuse' it (skipped and listed)",
    "strict": "true: stop the run at the first clip that cannot be read (default false: "
              "skip it, count it and list it at the end)",
    "max_bad": "stop the run when more than this share of the clips cannot be read "
               "(default 0.1)",
    "workers": "processes that decode clips (default: as many as the cores allow)",
    "cache": "false: decode every epoch instead of keeping decoded clips in NAME.cache/ "
             "(default true)",
}
DECODER_VERSION = 1
"""Part of the cache's key: raise it when decoding changes what a clip decodes to."""
DEFAULT_FRAMES, DEFAULT_SIDE = 16, 64
"""The Input suggested for clips when the network's does not fit them."""


@dataclass(frozen=True, slots=True)
class ClipEntry:
    path: str
    name: str
    """As the user knows it: relative to the dataset folder."""
    cut: int | None = None
    """For a video cut into consecutive clips: which clip; None: the whole video sampled."""
    frames: int = 0
    """For a cut: the video's frame count."""


@dataclass(frozen=True)
class ClipDecoder:
    fitting: Fitting

    @property
    def sample_shape(self) -> tuple[int, ...]:
        f = self.fitting
        return (f.frames, f.channels, f.height, f.width)

    stored_dtype = "uint8"
    noun = "clip"
    export_template = "data_clips"
    """The part of an exported train.py that reads these clips (engine/export/templates)."""
    exported_modules = ("clip_reading",)
    """engine.data.standalone modules copied beside an exported train.py."""

    def export_entry(self, entry: ClipEntry) -> dict[str, Any]:
        return {"file": entry.name, "cut": entry.cut, "frames": entry.frames}

    def export_settings(self) -> dict[str, Any]:
        return {"fitting": asdict(self.fitting)}

    def decode(self, entry: ClipEntry) -> tuple[np.ndarray, int]:
        try:
            if entry.cut is None:
                values, short = clip_reading.read_clip(Path(entry.path), self.fitting)
                return values, SHORT if short else 0
            for _, values in clip_reading.read_cuts(Path(entry.path), self.fitting,
                                                    entry.frames, [entry.cut]):
                return values, 0
        except ClipError as error:
            raise SampleError(str(error)) from None
        raise SampleError("gave no clip")

    def group(self, entry: ClipEntry) -> str | None:
        return entry.path if entry.cut is not None else None

    def decode_group(self, entries: Sequence[tuple[int, ClipEntry]]
                     ) -> Iterator[tuple[int, np.ndarray, int]]:
        if not entries:
            return
        first = entries[0][1]
        record_of = {entry.cut: record for record, entry in entries}
        try:
            for cut, values in clip_reading.read_cuts(Path(first.path), self.fitting,
                                                      first.frames, list(record_of)):
                yield record_of[cut], values, 0
        except ClipError as error:
            raise SampleError(str(error)) from None

    def to_tensor(self, stored: torch.Tensor) -> torch.Tensor:
        return stored.float().div_(255.0)

    def short_note(self, count: int) -> str:
        fitting = self.fitting
        clips = f"{count:,} clip{'s' * (count != 1)}"
        if fitting.short == "refuse":
            return ""
        return (f"{clips} had fewer frames than the Input's {fitting.frames}: the last "
                "frame was repeated")

    def name(self, entry: ClipEntry) -> str:
        return entry.name if entry.cut is None else f"{entry.name} (clip {entry.cut + 1})"


# -- options and the Input ---------------------------------------------------------------

def _choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], name: str) -> str:
    value = options.get(key, allowed[0])
    if value not in allowed:
        raise DataError(f"{name}: the dataset option \"{key}\" is {value!r}; expected "
                        + " or ".join(repr(a) for a in allowed))
    return value


def _whole(options: Mapping[str, Any], key: str, default: int, name: str, low: int,
           high: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(f"{name}: the dataset option \"{key}\" must be a whole number from "
                        f"{low} to {high}, not {value!r}")
    return value


def _flag(options: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise DataError(f"{name}: the dataset option \"{key}\" must be true or false, not "
                        f"{value!r}")
    return value


def check_options(options: Mapping[str, Any], name: str) -> None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise DataError(f"{name}: unknown dataset option(s) {', '.join(unknown)}; clips take "
                        + ", ".join(OPTIONS))


def bad_policy(options: Mapping[str, Any], name: str) -> BadSamples:
    limit = options.get("max_bad", 0.1)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 <= limit <= 1:
        raise DataError(f"{name}: the dataset option \"max_bad\" must be a share from 0 to 1, "
                        f"not {limit!r}")
    return BadSamples(_flag(options, "strict", False, name), float(limit))


def workers_option(options: Mapping[str, Any], name: str) -> int | None:
    if options.get("workers") is None:
        return None
    return _whole(options, "workers", 0, name, 0, 64)


def fitting_for(sample: TensorInfo | None, options: Mapping[str, Any], name: str,
                suggest: Any) -> Fitting:
    """The fitting the network's Input asks for; a DataError suggesting an Input that
    fits when it is not [frames, 1 or 3 channels, height, width] of float32."""
    shape = tuple(sample.shape) if sample is not None else ()
    if (len(shape) != 4 or shape[1] not in (1, 3) or min(shape) < 1
            or (sample is not None and sample.dtype != "float32")):
        suggested = suggest()
        given = f"the network's Input is {sample}" if sample is not None else \
            "no Input shape was given"
        fits = ("; set the Input to [" + ", ".join(map(str, suggested)) + "]"
                if suggested else "")
        raise DataError(f"{name} holds video clips, which need an Input of [frames, "
                        f"channels, height, width] (1 channel for grey, 3 for colour), "
                        f"float32, but {given}{fits}", suggested)
    frames, channels, height, width = (int(size) for size in shape)
    return Fitting(frames, channels, height, width,
                   sampling=_choice(options, "sampling", clip_reading.SAMPLINGS, name),
                   stride=_whole(options, "stride", 1, name, 1, 10_000),
                   resize=_choice(options, "resize", clip_reading.RESIZES, name),
                   short=_choice(options, "short", clip_reading.SHORT_CLIPS, name))


def suggested_input(layout: Layout) -> list[int] | None:
    """An Input that fits the first readable clip: up to 16 frames, its colour, up to
    64 × 64."""
    for source in layout.sources:
        if source.problem:
            continue
        try:
            facts = clip_reading.clip_facts(source.path)
        except ClipError:
            continue
        frames = DEFAULT_FRAMES if layout.per_frame else max(1, min(DEFAULT_FRAMES,
                                                                    facts.frames))
        side = max(1, min(DEFAULT_SIDE, facts.width, facts.height))
        return [frames, facts.channels, side, side]
    return None


# -- recognising clips ---------------------------------------------------------------------

SCAN_LIMIT = 5000
"""Entries looked at to tell a folder of clips from a folder of images."""


def holds_videos(path: Path) -> bool:
    """Whether a video file lies in the folder or below it (a bounded look)."""
    seen = 0
    for _root, folders, names in os.walk(path):
        folders[:] = [f for f in folders if not clip_reading.hidden(f)]
        if any(clip_reading.is_video(Path(name)) for name in names):
            return True
        seen += len(names) + len(folders)
        if seen > SCAN_LIMIT:
            return False
    return False


def wants_clips(path: Path, sample: TensorInfo | None) -> bool:
    """A folder is read as clips when the Input is a clip [T, C, H, W] or when it holds
    videos; else as images."""
    return (sample is not None and len(sample.shape) == 4) or holds_videos(path)


# -- the index ---------------------------------------------------------------------------

def clip_layout(path: Path) -> Layout:
    try:
        return find_layout(path, clip_reading.is_clip)
    except LayoutError as error:
        raise DataError(str(error)) from None


@dataclass
class ClipIndex:
    """Every clip of the dataset with its targets and split."""

    layout: Layout
    entries: list[ClipEntry]
    targets: np.ndarray
    """[N] class ids, or [N, T] per frame (UNSCORED where not scored)."""
    splits: list[str]
    sources: list[int]
    """The source (video) each clip comes from."""
    bad: dict[int, str]


def index_clips(layout: Layout, fitting: Fitting, probe_cache: Path | None) -> ClipIndex:
    class_ids = {name: number for number, name in enumerate(layout.classes)}
    counts = _FrameCounts(probe_cache)
    entries: list[ClipEntry] = []
    targets: list[Any] = []
    splits: list[str] = []
    sources: list[int] = []
    bad: dict[int, str] = {}
    for number, source in enumerate(layout.sources):
        name = layout.name(source)
        split = source.split or "train"
        if not layout.per_frame:
            if source.problem:
                bad[len(entries)] = source.problem
            entries.append(ClipEntry(str(source.path), name))
            targets.append(class_ids.get(source.label or "", 0))
            splits.append(split)
            sources.append(number)
            continue
        frames, problem = _frames_for_labels(source, counts)
        if problem:
            bad[len(entries)] = problem
            entries.append(ClipEntry(str(source.path), name))
            targets.append(np.full(fitting.frames, UNSCORED))
            splits.append(split)
            sources.append(number)
            continue
        labels = source.frame_labels or []
        per_frame = np.array([class_ids[label] if label is not None else UNSCORED
                              for label in labels] + [UNSCORED] * (frames - len(labels)))
        for cut in range(clip_reading.cut_count(frames, fitting)):
            taken = np.array(clip_reading.cut_frames(cut, fitting, frames))
            target = per_frame[taken]
            target[clip_reading.cut_steps(cut, fitting, frames):] = UNSCORED
            entries.append(ClipEntry(str(source.path), name, cut, frames))
            targets.append(target)
            splits.append(split)
            sources.append(number)
    counts.save()
    stacked = np.array(targets, dtype=np.int64)
    return ClipIndex(layout, entries, stacked, splits, sources, bad)


def _frames_for_labels(source: Source, counts: _FrameCounts) -> tuple[int, str]:
    """The clip's frame count, and why its labels do not fit it ("" when they do)."""
    if source.problem:
        return 0, source.problem
    try:
        frames = counts.of(source.path)
    except ClipError as error:
        return 0, str(error)
    labels = source.frame_labels or []
    origin = source.labels_from.name if source.labels_from else "its labels"
    if source.labels_from is not None and source.labels_from.suffix.lower() == ".csv":
        if len(labels) > frames:
            return frames, (f"has {frames} frames but the segments in {origin} reach "
                            f"frame {len(labels)}")
        return frames, ""
    if len(labels) != frames:
        return frames, (f"has {frames} frames but {origin} has {len(labels)} labels; "
                        "expected one label per frame")
    return frames, ""


class _FrameCounts:
    """Frame counts of videos, remembered in the cache folder by path, size and time."""

    def __init__(self, folder: Path | None):
        self.file = None if folder is None else folder / "frame-counts.json"
        self.known: dict[str, list[int]] = {}
        self.changed = False
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(self.file.read_text())
                if isinstance(loaded, dict):
                    self.known = loaded

    def of(self, path: Path) -> int:
        info = path.stat()
        key, stamp = str(path.resolve()), [info.st_size, info.st_mtime_ns]
        remembered = self.known.get(key)
        if isinstance(remembered, list) and remembered[:2] == stamp and len(remembered) == 3:
            return int(remembered[2])
        frames = clip_reading.count_frames(path)
        self.known[key] = [*stamp, frames]
        self.changed = True
        return frames

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.known))
            os.replace(temporary, self.file)


def _cache_key(index: ClipIndex, fitting: Fitting) -> dict[str, Any]:
    files = []
    for entry in index.entries:
        try:
            info = os.stat(entry.path)
            files.append([entry.path, entry.cut, info.st_size, info.st_mtime_ns])
        except OSError:
            files.append([entry.path, entry.cut, None, None])
    return {"decoder": DECODER_VERSION, "fitting": asdict(fitting), "files": files}


# -- the dataset ---------------------------------------------------------------------------

def load_clips(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
               cache_dir: Path | None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name)
    layout = clip_layout(path)
    fitting = fitting_for(sample, options, name, lambda: suggested_input(layout))
    policy = bad_policy(options, name)
    workers = workers_option(options, name)
    use_cache = _flag(options, "cache", True, name) and cache_dir is not None
    index = index_clips(layout, fitting, cache_dir)
    if not index.entries:
        raise DataError(f"{name} holds no clips")
    notes = []
    cache = None
    if use_cache:
        assert cache_dir is not None
        cache, why_not = open_cache(cache_dir, str(path.resolve()), "clips",
                                    _cache_key(index, fitting), len(index.entries),
                                    ClipDecoder(fitting).sample_shape, "uint8")
        if why_not:
            notes.append(why_not)
    samples = SampleIndex(path.name, index.entries, ClipDecoder(fitting), cache,
                          dict(index.bad), policy, workers, root=str(layout.root))
    return _split_dataset(path.name, samples, index, layout, notes)


def _split_dataset(name: str, samples: SampleIndex, index: ClipIndex, layout: Layout,
                   notes: list[str]) -> Dataset:
    splits = np.array(index.splits)
    records = {part: np.flatnonzero(splits == part) for part in ("train", "validation",
                                                                 "test")}
    if not len(records["train"]):
        raise DataError(f"{name}: no clips are marked for training; expected a train/ "
                        "folder or rows whose split is train")
    targets = torch.from_numpy(index.targets)
    sources = torch.tensor([-1 if record in index.bad else source
                            for record, source in enumerate(index.sources)])

    def part(which: str) -> tuple[FileSamples | None, torch.Tensor | None]:
        chosen = records[which]
        if not len(chosen):
            return None, None
        return FileSamples(samples, chosen), targets[chosen]

    x_val, y_val = part("validation")
    x_test, y_test = part("test")
    train = records["train"]
    return Dataset(name, FileSamples(samples, train), targets[train], "classes",
                   list(layout.classes), x_val, y_val, x_test, y_test,
                   groups=sources[train] if layout.per_frame else None, notes=notes)
