"""A dataset of DNA: FASTA records with their labels (in the headers, `>id label`, or in a
CSV of the same name beside the FASTA: the record id first, then `label` or several 0/1
columns, and an optional `split`), or BED intervals (`chrom start end [name] [labels]`)
over the genome FASTA the `genome` option names."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset, TargetKind
from engine.data.files.dna.decoder import DECODER_VERSION, DnaDecoder, DnaEntry
from engine.data.files.file_options import check_options, flag, reading
from engine.data.files.on_demand import Indexed, file_stamp, files_digest, on_demand_dataset
from engine.data.standalone.dna_reading import (
    DnaError,
    fasta_headers,
    index_is_current,
    is_bed,
    open_fasta,
)
from engine.data.standalone.layout import SPLITS, natural_key

OPTIONS = {
    "genome": "the genome FASTA a BED file's intervals are read from (relative to the "
              "BED file or the project)",
    "reverse_complement": "true: also train on the reverse complement of every training "
                          "sequence (default false)",
    "validation_chromosomes": "BED: the chromosomes whose intervals are the validation "
                              "split, e.g. [\"chr8\"] (default: split off by "
                              "validation_split)",
    "test_chromosomes": "BED: the chromosomes whose intervals are the test split",
}
DEFAULT_LENGTH = 1000


class Labels:
    """Targets as the data gives them: class names (one per sequence), or several 0/1
    columns (multi-label, for BCEWithLogitsLoss)."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        """The names of the 0/1 columns; [] for one class per sequence."""

    @property
    def kind(self) -> TargetKind:
        return "values" if self.columns else "classes"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not UTF-8 text") from None
    except OSError as error:
        raise DataError(f"{path.name} cannot be read ({error.strerror or error})") from None


def _rows(path: Path) -> list[list[str]]:
    lines = [line for line in _text(path).splitlines() if line.strip()]
    if not lines:
        return []
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[cell.strip() for cell in row] for row in csv.reader(lines, dialect)]


def _split(value: str, where: str) -> str:
    if not value:
        return "train"
    split = SPLITS.get(value.lower())
    if split is None:
        raise DataError(f"{where}: the split {value!r} is not one of train, validation, test")
    return split


def _binary(values: Sequence[str], where: str) -> list[float]:
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise DataError(f"{where}: the label columns must hold 0 or 1, not "
                        f"{', '.join(map(repr, values))}") from None
    if any(n not in (0.0, 1.0) for n in numbers):
        raise DataError(f"{where}: the label columns must hold 0 or 1, not "
                        f"{', '.join(map(repr, values))}")
    return numbers


# -- FASTA records -------------------------------------------------------------------------

def _fasta_labels(path: Path) -> tuple[dict[str, Any], dict[str, str], Labels, list[str]]:
    """Per record id its label (a class name or 0/1 values) and split, what the labels are,
    and the problems of rows naming no record (found later)."""
    headers = fasta_headers(path)
    if not headers:
        raise DataError(f"{path.name} holds no records (no '>' header lines)")
    table = path.with_name(_stem(path) + ".csv")
    labelled = [rest.split()[0] for _, rest in headers if rest.split()]
    if labelled and not table.is_file():
        return ({record: rest.split()[0] if rest.split() else None
                 for record, rest in headers}, {}, Labels([]), [])
    if not table.is_file():
        raise DataError(f"{path.name} has no labels: expected them in the headers "
                        f"(>id label) or in {table.name} beside it (the record id first, "
                        "then a label column or several 0/1 columns)")
    rows = _rows(table)
    if len(rows) < 2:
        raise DataError(f"{table.name} has no rows of labels")
    header = rows[0]
    lowered = [name.lower() for name in header]
    split_column = next((i for i, n in enumerate(lowered) if n in ("split", "subset")), None)
    label_column = lowered.index("label") if "label" in lowered[1:] else None
    columns = [i for i in range(1, len(header)) if i not in (split_column, label_column)]
    if label_column is None and not columns:
        raise DataError(f"{table.name} has no label columns: expected the record id, then a "
                        "label column or several 0/1 columns")
    labels = Labels([] if label_column is not None else [header[i] for i in columns])
    found: dict[str, Any] = {}
    splits: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        where = f"{table.name}, line {number}"
        if len(row) < len(header):
            raise DataError(f"{where} has {len(row)} values for {len(header)} columns")
        record = row[0]
        found[record] = row[label_column] if label_column is not None else _binary(
            [row[i] for i in columns], where)
        if split_column is not None:
            splits[record] = _split(row[split_column], where)
    return found, splits, labels, []


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz",):
        name = name.removesuffix(suffix)
    return name.rsplit(".", 1)[0]


def _index_fasta(path: Path, cache_dir: Path | None) -> Path | None:
    """Where pyfaidx keeps the FASTA's index: beside it when one made since the file was
    last written is there already, else in the project's cache folder (the user's folder
    may be read-only)."""
    if cache_dir is None or index_is_current(path, f"{path}.fai"):
        return None
    folder = cache_dir / "fasta-index"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{path.resolve()}\0{file_stamp(path)}".encode()).hexdigest()
    return folder / f"{path.name}-{digest[:12]}.fai"


def _records(path: Path, cache_dir: Path | None) -> tuple[list[DnaEntry], list[Any],
                                                            list[str], dict[int, str],
                                                            Labels]:
    labels_of, splits_of, labels, _ = _fasta_labels(path)
    entries, targets, splits, bad = [], [], [], {}
    ids = [record for record, _ in fasta_headers(path)]
    known = set(ids)
    for record in ids:
        label = labels_of.get(record)
        if label is None:
            bad[len(entries)] = "has no label"
        entries.append(DnaEntry(record, record))
        targets.append(label)
        splits.append(splits_of.get(record, "train"))
    for record in labels_of:
        if record not in known:
            bad[len(entries)] = f"has a label but no record in {path.name}"
            entries.append(DnaEntry(record, record))
            targets.append(None)
            splits.append("train")
    return entries, targets, splits, bad, labels


# -- BED intervals -------------------------------------------------------------------------

def _genome(path: Path, options: Mapping[str, Any], name: str,
            base_dir: Path | None) -> Path:
    given = options.get("genome")
    if not isinstance(given, str) or not given:
        raise DataError(f"{name}: a BED file's intervals are read from a genome: add the "
                        "dataset option \"genome\": \"genome.fa\"")
    for folder in (path.parent, base_dir):
        if folder is not None and (folder / given).is_file():
            return folder / given
    raise DataError(f"{name}: the genome {given!r} does not exist (looked beside the BED "
                    "file and in the project's folder)")


def _chromosomes(options: Mapping[str, Any], key: str, name: str) -> set[str]:
    value = options.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{name}: the dataset option \"{key}\" must be a list of "
                        f"chromosome names, such as [\"chr8\"], not {value!r}")
    return set(value)


def _intervals(path: Path, options: Mapping[str, Any], name: str
               ) -> tuple[list[DnaEntry], list[Any], list[str], dict[int, str], Labels]:
    validation = _chromosomes(options, "validation_chromosomes", name)
    test = _chromosomes(options, "test_chromosomes", name)
    entries, targets, splits = [], [], []
    widths: set[int] = set()
    columns: int | None = None
    for number, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        where = f"{path.name}, line {number}"
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 4:
            raise DataError(f"{where} has {len(fields)} columns; expected chrom, start, end "
                            "and a label (or a name and labels)")
        try:
            start, end = int(fields[1]), int(fields[2])
        except ValueError:
            raise DataError(f"{where}: start and end must be whole numbers, not "
                            f"{fields[1]!r} and {fields[2]!r}") from None
        if start < 0 or end <= start:
            raise DataError(f"{where}: the interval {start}..{end} is empty or negative")
        values = fields[3:] if len(fields) == 4 else fields[4:]
        columns = len(values) if columns is None else columns
        if len(values) != columns:
            raise DataError(f"{where} has {len(values)} labels where the lines before it have "
                            f"{columns}")
        chromosome = fields[0]
        label_name = fields[3] if len(fields) > 4 else f"{chromosome}:{start}-{end}"
        entries.append(DnaEntry(label_name, chromosome, start, end))
        targets.append(values[0] if columns == 1 else _binary(values, where))
        splits.append("test" if chromosome in test else "validation" if chromosome in
                      validation else "train")
        widths.add(end - start)
    if not entries:
        raise DataError(f"{path.name} holds no intervals")
    labels = Labels([] if columns == 1 else [f"label {i + 1}" for i in range(columns or 0)])
    return entries, targets, splits, {}, labels


# -- the dataset ---------------------------------------------------------------------------

def _length(sample: TensorInfo | None, name: str, suggest: int) -> int:
    shape = tuple(sample.shape) if sample is not None else ()
    if len(shape) != 2 or shape[0] != 4 or shape[1] < 1 or (
            sample is not None and sample.dtype != "float32"):
        given = f"the network's Input is {sample}" if sample is not None else \
            "no Input shape was given"
        raise DataError(f"{name} holds DNA, read as one-hot [4, length] (A, C, G, T) of "
                        f"float32, but {given}; set the Input to [4, {suggest}]",
                        [4, suggest])
    return int(shape[1])


def _suggested_length(entries: list[DnaEntry], fasta: Path, index: Path | None) -> int:
    for entry in entries:
        if entry.start >= 0:
            return max(1, min(100_000, entry.end - entry.start))
        try:
            return max(1, min(100_000, len(open_fasta(fasta, index)[entry.record])))
        except (DnaError, KeyError):
            continue
    return DEFAULT_LENGTH


def load_dna(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
             cache_dir: Path | None, base_dir: Path | None = None) -> Dataset:
    path = path.absolute()
    name = path.name
    check_options(options, name, OPTIONS, "DNA files")
    settings = reading(options, name)
    if is_bed(path):
        fasta = _genome(path, options, name, base_dir)
        entries, targets, splits, bad, labels = _intervals(path, options, name)
    else:
        fasta = path
        entries, targets, splits, bad, labels = _records(path, cache_dir)
    index = _index_fasta(fasta, cache_dir)
    try:
        open_fasta(fasta, index, as_written_now=True)
    except DnaError as error:
        raise DataError(f"{fasta.name} {error}") from None
    length = _length(sample, name, _suggested_length(entries, fasta, index))
    if labels.kind == "classes":
        classes = sorted({t for t in targets if t is not None}, key=natural_key)
        ids = {label: number for number, label in enumerate(classes)}
        target_array = np.array([ids.get(t, 0) if t is not None else 0 for t in targets],
                                np.int64)
    else:
        classes = labels.columns
        width = len(classes)
        target_array = np.array([t if t is not None else [0.0] * width for t in targets],
                                np.float32)
    if flag(options, "reverse_complement", False, name):
        training = [i for i, split in enumerate(splits) if split == "train"]
        for i in training:
            if i in bad:
                bad[len(entries)] = bad[i]
            entries.append(DnaEntry(entries[i].name, entries[i].record, entries[i].start,
                                    entries[i].end, reverse=True))
        target_array = np.concatenate([target_array, target_array[training]])
        splits = splits + ["train"] * len(training)
    decoder = DnaDecoder(str(fasta), None if index is None else str(index), length)
    key = files_digest([DECODER_VERSION, length, str(fasta), file_stamp(fasta)],
                       ((e.record, (e.start, e.end, e.reverse)) for e in entries),
                       stamp=False)
    return on_demand_dataset(path, path.parent, Indexed(entries, target_array, splits, bad),
                             decoder, labels.kind, classes, settings, cache_dir, key)
