"""Where a dataset's samples lie on disk and how they are labelled.

A sample is a file or a folder that `is_sample` says is one (a video, a folder of
frames). The layouts, recognised from what is there:

- class folders: DIR/CLASS/... samples (at any depth below the class folder); - split
folders: DIR/train/, DIR/validation/, DIR/test/, each laid out as above; - labelled
samples: NAME.mp4 beside NAME.txt holding one label per line, one line per frame; -
segments: a CSV of `video,start_frame,end_frame,label` rows (frames from 0, end
exclusive), as the dataset path or beside the videos; - a manifest CSV: a column naming
each sample's file (relative to the CSV), a `label` column (a class name, or a file of
per-frame labels) and an optional `split` column.

Labels are names as written, also when they look like numbers. Copied as it is beside an
exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
}
"""Folder names and `split` values, as Hugging Face's folder builders read them."""
FILE_COLUMNS = ("file", "file_name", "filename", "path", "filepath", "video", "clip")
LABEL_COLUMNS = ("label", "labels", "class")
SPLIT_COLUMNS = ("split", "subset")
SEGMENT_COLUMNS = ("video", "start_frame", "end_frame", "label")
LABEL_FILE_SUFFIX = ".txt"
CSV_PREVIEW_BYTES = 1 << 16


class LayoutError(Exception):
    """The folder or CSV is not laid out as any layout reads; the message says what was
    found and what would be read."""


@dataclass(slots=True)
class Source:
    """One sample file (or folder) and its labels."""

    path: Path
    label: str | None = None
    """The class of the whole sample."""
    frame_labels: list[str | None] | None = None
    """One label per frame (None: that frame is not scored), for per-frame labelling."""
    split: str | None = None
    """'train', 'validation' or 'test'; None when the layout has no splits."""
    problem: str | None = None
    """Why this sample cannot be used, found while indexing (it is skipped and listed).
    """
    labels_from: Path | None = None
    """The file its per-frame labels come from, for messages."""


@dataclass
class Layout:
    kind: str
    """'class folders', 'labelled samples', 'segments' or 'manifest', with ', split'
    added when the samples are split into train / validation / test."""
    root: Path
    sources: list[Source]
    per_frame: bool
    """Labels per frame rather than one per sample."""
    classes: list[str] = field(default_factory=list)

    @property
    def splits(self) -> list[str]:
        return sorted(
            {s.split for s in self.sources if s.split},
            key=list(dict.fromkeys(SPLITS.values())).index,
        )

    def name(self, source: Source) -> str:
        """The sample's path as the user knows it: relative to the dataset's folder."""
        try:
            return source.path.relative_to(self.root).as_posix()
        except ValueError:
            return str(source.path)


def natural_key(text: str) -> list:
    """'2' before '10', 'clip9' before 'clip10'."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    ]


def hidden(name: str) -> bool:
    return name.startswith(".") or name in ("__MACOSX", "__pycache__")


def _visible(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(
                (Path(e.path) for e in entries if not hidden(e.name)),
                key=lambda p: natural_key(p.name),
            )
    except OSError as error:
        raise LayoutError(
            f"{folder.name}/ cannot be listed ({error.strerror or error})"
        ) from None


def find_layout(path: Path, is_sample: Callable[[Path], bool]) -> Layout:
    """The layout of a dataset folder or CSV, with every sample and its labels."""
    layout = (
        _folder_layout(path, is_sample)
        if path.is_dir()
        else csv_layout(path, is_sample)
    )
    layout.classes = _classes(layout)
    if len(layout.classes) < 2 and any(s.problem is None for s in layout.sources):
        found = (
            f"only the class {layout.classes[0]!r}" if layout.classes else "no labels"
        )
        raise LayoutError(f"{_shown(path)} has {found}; expected at least two classes")
    return layout


def _shown(path: Path) -> str:
    return f"{path.name}/" if path.is_dir() else path.name


def _classes(layout: Layout) -> list[str]:
    names: set[str] = set()
    for source in layout.sources:
        if source.problem:
            continue
        if source.label is not None:
            names.add(source.label)
        if source.frame_labels is not None:
            names.update(label for label in source.frame_labels if label is not None)
    return sorted(names, key=natural_key)


# -- folders
# -------------------------------------------------------------------------------


def _folder_layout(root: Path, is_sample: Callable[[Path], bool]) -> Layout:
    entries = _visible(root)
    order = list(dict.fromkeys(SPLITS.values()))
    split_folders = sorted(
        (
            (SPLITS[p.name.lower()], p)
            for p in entries
            if p.is_dir() and p.name.lower() in SPLITS and not is_sample(p)
        ),
        key=lambda found: order.index(found[0]),
    )
    if split_folders and any(split == "train" for split, _ in split_folders):
        parts = []
        for split, folder in split_folders:
            part = _unsplit_layout(folder, is_sample, root)
            for source in part.sources:
                source.split = split
            parts.append(part)
        kinds = {part.per_frame for part in parts}
        if len(kinds) > 1:
            raise LayoutError(
                f"{root.name}/: some split folders label whole samples and "
                "others label frames; label them all one way"
            )
        sources = [s for part in parts for s in part.sources]
        return Layout(parts[0].kind + ", split", root, sources, parts[0].per_frame)
    if split_folders:
        names = ", ".join(f"{folder.name}/" for _, folder in split_folders)
        raise LayoutError(
            f"{root.name}/ has {names} but no train/ folder; split folders "
            "are train/, validation/ and test/"
        )
    return _unsplit_layout(root, is_sample, root)


def _unsplit_layout(
    folder: Path, is_sample: Callable[[Path], bool], root: Path
) -> Layout:
    entries = _visible(folder)
    samples = [p for p in entries if is_sample(p)]
    tables = [p for p in entries if p.suffix.lower() == ".csv" and p.is_file()]
    for table in tables:
        columns = {c.lower() for c in csv_header(table)}
        if set(SEGMENT_COLUMNS) <= columns:
            return _segments(table, is_sample, root)
        if samples and columns & set(FILE_COLUMNS):
            return _manifest(table, is_sample, root)
    if samples:
        return _labelled_samples(folder, samples, root)
    class_folders = [p for p in entries if p.is_dir()]
    if not class_folders:
        raise LayoutError(
            f"{folder.name}/ holds no samples; expected class subfolders of "
            "samples, or samples with a label file beside each"
        )
    sources = []
    for class_folder in class_folders:
        found = _samples_below(class_folder, is_sample)
        if not found:
            raise LayoutError(
                f"{_relative(class_folder, root)}/: the class folder "
                f"{class_folder.name!r} holds no samples"
            )
        sources += [Source(path, label=class_folder.name) for path in found]
    return Layout("class folders", root, sources, per_frame=False)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return str(path)


def _samples_below(
    folder: Path,
    is_sample: Callable[[Path], bool],
    seen: set[tuple[int, int]] | None = None,
) -> list[Path]:
    """Every sample in the folder and below it; a folder reached twice (a link back up
    the tree) is looked into once."""
    seen = set() if seen is None else seen
    try:
        info = folder.stat()
    except OSError:
        return []
    if (info.st_dev, info.st_ino) in seen:
        return []
    seen.add((info.st_dev, info.st_ino))
    found = []
    for entry in _visible(folder):
        if is_sample(entry):
            found.append(entry)
        elif entry.is_dir():
            found += _samples_below(entry, is_sample, seen)
    return found


def label_file_of(sample: Path) -> Path:
    """NAME.txt beside NAME.mp4, or beside the frame folder NAME/."""
    if sample.is_dir():
        return sample.parent / (sample.name + LABEL_FILE_SUFFIX)
    return sample.with_suffix(LABEL_FILE_SUFFIX)


def _labelled_samples(folder: Path, samples: list[Path], root: Path) -> Layout:
    labelled = [s for s in samples if label_file_of(s).is_file()]
    if not labelled:
        raise LayoutError(
            f"{folder.name}/ holds {len(samples)} samples but no labels: "
            "expected one subfolder per class, a NAME.txt of per-frame labels "
            "beside each sample, or a CSV naming the samples"
        )
    sources = []
    for sample in samples:
        label_file = label_file_of(sample)
        if not label_file.is_file():
            sources.append(
                Source(sample, problem=f"has no label file {label_file.name} beside it")
            )
            continue
        sources.append(_with_label_file(Source(sample), label_file))
    return Layout("labelled samples", root, sources, per_frame=True)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LayoutError(f"{path.name} is not UTF-8 text") from None
    except OSError as error:
        raise LayoutError(
            f"{path.name} cannot be read ({error.strerror or error})"
        ) from None


def read_label_file(path: Path) -> list[str]:
    """One label per line; blank lines at the end are ignored, one in the middle is an
    error."""
    lines = [line.strip() for line in _text(path).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise LayoutError(f"{path.name} holds no labels")
    if "" in lines:
        raise LayoutError(
            f"{path.name}: line {lines.index('') + 1} is empty; expected one "
            "label per frame, one per line"
        )
    return lines


def _with_label_file(source: Source, label_file: Path) -> Source:
    source.labels_from = label_file
    try:
        source.frame_labels = list(read_label_file(label_file))
    except LayoutError as error:
        source.problem = str(error)
    return source


# -- CSV files
# -----------------------------------------------------------------------------


def csv_header(path: Path) -> list[str]:
    """The names in a CSV file's first row ([] when it cannot be read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(CSV_PREVIEW_BYTES)
        first = head.split(b"\n", 1)[0].decode("utf-8-sig").rstrip("\r")
    except (OSError, UnicodeDecodeError):
        return []
    return [name.strip() for name in next(csv.reader([first], _dialect(first)), [])]


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = _text(path).splitlines()
    if not lines:
        raise LayoutError(
            f"{path.name} is empty; expected a header row and one row per sample"
        )
    rows = [
        row
        for row in csv.reader(lines, _dialect(lines[0]))
        if any(c.strip() for c in row)
    ]
    header = [name.strip() for name in rows[0]]
    return header, [[cell.strip() for cell in row] for row in rows[1:]]


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [name.lower() for name in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    # Sony Neural Network Console writes "x:image,y:label"
    for index, name in enumerate(lowered):
        if names is FILE_COLUMNS and name.startswith("x:"):
            return index
        if names is LABEL_COLUMNS and name.startswith("y:"):
            return index
    return None


def csv_sample_names(path: Path, rows: int = 50) -> list[str]:
    """The file names the first rows of a manifest give (for telling what it holds)."""
    header = csv_header(path)
    column = _column(header, FILE_COLUMNS)
    if column is None:
        return []
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            lines = [line for _, line in zip(range(rows + 1), handle, strict=False)]
    except OSError:
        return []
    found = csv.reader(lines[1:], _dialect(lines[0]) if lines else csv.excel)
    return [row[column] for row in found if len(row) > column]


def is_manifest(path: Path) -> bool:
    header = csv_header(path)
    return _column(header, FILE_COLUMNS) is not None and not set(SEGMENT_COLUMNS) <= {
        name.lower() for name in header
    }


def is_segments(path: Path) -> bool:
    return set(SEGMENT_COLUMNS) <= {name.lower() for name in csv_header(path)}


def csv_layout(path: Path, is_sample: Callable[[Path], bool]) -> Layout:
    if is_segments(path):
        return _segments(path, is_sample, path.parent)
    if is_manifest(path):
        return _manifest(path, is_sample, path.parent)
    raise LayoutError(
        f"{path.name} names no sample files: expected a column "
        f"{' / '.join(FILE_COLUMNS[:3])} of files and a label column, or "
        f"{','.join(SEGMENT_COLUMNS)} rows"
    )


def _beside(table: Path, name: str) -> Path:
    """A file a CSV names, relative to the CSV (written on Windows, with backslashes,
    too)."""
    found = table.parent / name
    if "\\" in name and not found.exists():
        found = table.parent / name.replace("\\", "/")
    return found


def _split_of(value: str, where: str) -> str | None:
    if not value:
        return None
    split = SPLITS.get(value.lower())
    if split is None:
        raise LayoutError(
            f"{where}: the split {value!r} is not one of train, validation, test"
        )
    return split


def _manifest(path: Path, is_sample: Callable[[Path], bool], root: Path) -> Layout:
    header, rows = _rows(path)
    file_column = _column(header, FILE_COLUMNS)
    label_column = _column(header, LABEL_COLUMNS)
    split_column = _column(header, SPLIT_COLUMNS)
    if file_column is None:
        raise LayoutError(
            f"{path.name} has no column naming the files "
            f"({' / '.join(FILE_COLUMNS[:3])}); its columns are " + ", ".join(header)
        )
    if label_column is None:
        raise LayoutError(
            f"{path.name} has no label column; its columns are " + ", ".join(header)
        )
    sources = []
    per_frame = set()
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, line {number}"
        if len(row) <= max(file_column, label_column):
            raise LayoutError(
                f"{where} has {len(row)} values for {len(header)} columns"
            )
        name, label = row[file_column], row[label_column]
        split = (
            _split_of(row[split_column], where)
            if split_column is not None and len(row) > split_column
            else None
        )
        sample = _beside(path, name)
        source = Source(sample, split=split)
        if not name:
            source.problem = f"{where} names no file"
        elif not sample.exists():
            source.problem = f"does not exist ({where})"
        elif not is_sample(sample):
            source.problem = f"is not a sample this dataset reads ({where})"
        if label.lower().endswith(LABEL_FILE_SUFFIX):
            per_frame.add(True)
            label_path = path.parent / label
            if source.problem is None and not label_path.is_file():
                source.problem = f"has no label file {label} ({where})"
            elif source.problem is None:
                _with_label_file(source, label_path)
        else:
            per_frame.add(False)
            if not label and source.problem is None:
                source.problem = f"has no label ({where})"
            source.label = label or None
        sources.append(source)
    if not sources:
        raise LayoutError(f"{path.name} has a header row but no samples")
    if len(per_frame) > 1:
        raise LayoutError(
            f"{path.name}: some rows name a class and others a file of "
            "per-frame labels; label every sample one way"
        )
    split = ", split" if any(s.split for s in sources) else ""
    return Layout("manifest" + split, root, sources, per_frame=per_frame == {True})


def _segments(path: Path, is_sample: Callable[[Path], bool], root: Path) -> Layout:
    header, rows = _rows(path)
    columns = {name.lower(): index for index, name in enumerate(header)}
    split_column = _column(header, SPLIT_COLUMNS)
    by_video: dict[str, Source] = {}
    segments: dict[str, list[tuple[int, int, str]]] = {}
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, line {number}"
        try:
            video, start, end, label = (row[columns[c]] for c in SEGMENT_COLUMNS)
        except IndexError:
            raise LayoutError(
                f"{where} has {len(row)} values for {len(header)} columns"
            ) from None
        try:
            first, last = int(start), int(end)
        except ValueError:
            raise LayoutError(
                f"{where}: start_frame and end_frame must be whole numbers, "
                f"not {start!r} and {end!r}"
            ) from None
        if first < 0 or last <= first:
            raise LayoutError(
                f"{where}: the segment {first}..{last} is empty or negative "
                "(frames count from 0, end_frame is exclusive)"
            )
        if not label:
            raise LayoutError(f"{where} has no label")
        if video not in by_video:
            sample = _beside(path, video)
            source = Source(sample, labels_from=path)
            if split_column is not None and len(row) > split_column:
                source.split = _split_of(row[split_column], where)
            if not sample.exists():
                source.problem = f"does not exist ({where})"
            elif not is_sample(sample):
                source.problem = f"is not a sample this dataset reads ({where})"
            by_video[video] = source
        segments.setdefault(video, []).append((first, last, label))
    if not by_video:
        raise LayoutError(f"{path.name} has a header row but no segments")
    for video, source in by_video.items():
        source.frame_labels = segment_labels(segments[video])
    split = ", split" if any(s.split for s in by_video.values()) else ""
    return Layout("segments" + split, root, list(by_video.values()), per_frame=True)


def segment_labels(segments: list[tuple[int, int, str]]) -> list[str | None]:
    """Per-frame labels from (start, end exclusive, label) segments; frames no segment
    covers are None (not scored)."""
    frames: list[str | None] = [None] * max(end for _, end, _ in segments)
    for start, end, label in segments:
        frames[start:end] = [label] * (end - start)
    return frames
