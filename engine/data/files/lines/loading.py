"""A dataset of text lines: the images a CSV names (`file_name,text`, optionally `split`),
their transcripts as label strings over the alphabet the data uses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.catalogue import TensorInfo
from engine.data.dataset import PAD, DataError, Dataset
from engine.data.files.file_options import check_options, choice, reading
from engine.data.files.lines.decoder import DECODER_VERSION, LineDecoder, LineEntry
from engine.data.files.on_demand import Indexed, files_digest, on_demand_dataset
from engine.data.standalone.layout import FILE_COLUMNS, SPLITS, csv_header
from engine.data.standalone.line_reading import RESIZES, is_line_image

OPTIONS = {
    "resize": "'height' (scaled to the Input's height with the aspect kept, squeezed to its "
              "width only when wider, padded at the right: the default) or 'stretch' "
              "(scaled to the whole width)",
}
TEXT_COLUMNS = ("text", "transcript", "transcription", "ground_truth", "gt")
LABELS_FILE = "labels.csv"
DEFAULT_HEIGHT = 32


def text_column(header: list[str]) -> int | None:
    lowered = [name.lower() for name in header]
    return next((lowered.index(n) for n in TEXT_COLUMNS if n in lowered), None)


def lines_table(path: Path) -> Path | None:
    """The CSV of a dataset of text lines: the path itself, or labels.csv in the folder;
    None when it names no files with transcripts."""
    table = path / LABELS_FILE if path.is_dir() else path
    if not table.is_file():
        return None
    header = csv_header(table)
    lowered = [name.lower() for name in header]
    if text_column(header) is None or not set(lowered) & set(FILE_COLUMNS):
        return None
    return table


def _read_table(table: Path) -> tuple[list[str], list[list[str]]]:
    import csv

    try:
        text = table.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{table.name} is not UTF-8 text") from None
    except OSError as error:
        raise DataError(f"{table.name} cannot be read ({error.strerror or error})") from None
    lines = text.splitlines()
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except (csv.Error, IndexError):
        dialect = csv.excel
    rows = list(csv.reader(lines, dialect))
    # transcripts keep their own spaces: only the names are stripped
    return [name.strip() for name in rows[0]], rows[1:]


def _fitting(sample: TensorInfo | None, name: str, first: Path | None) -> tuple[int, int, int]:
    shape = tuple(sample.shape) if sample is not None else ()
    if len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1 or (
            sample is not None and sample.dtype != "float32"):
        suggested = [1, DEFAULT_HEIGHT, 256]
        if first is not None:
            try:
                from PIL import Image

                with Image.open(first) as image:
                    width = round(image.width * DEFAULT_HEIGHT / image.height)
                    suggested[2] = int(min(2048, max(16, -(-width // 8) * 8)))
            except Exception:  # the suggestion only: the file is named when it is read
                pass
        given = f"the network's Input is {sample}" if sample is not None else \
            "no Input shape was given"
        raise DataError(f"{name} holds images of text lines, read as [1 or 3 channels, "
                        f"height, width] of float32, but {given}; set the Input to "
                        "[" + ", ".join(map(str, suggested)) + "]", suggested)
    return int(shape[0]), int(shape[1]), int(shape[2])


def load_lines(path: Path, sample: TensorInfo | None, options: Mapping[str, Any],
               cache_dir: Path | None) -> Dataset:
    path = path.absolute()
    name = f"{path.name}/" if path.is_dir() else path.name
    check_options(options, name, OPTIONS, "text lines")
    resize = choice(options, "resize", RESIZES, name)
    settings = reading(options, name)
    table = lines_table(path)
    if table is None:
        raise DataError(f"{name} holds no {LABELS_FILE} naming line images and their "
                        "transcripts (file_name,text)")
    header, rows = _read_table(table)
    lowered = [n.lower() for n in header]
    file_column = next(lowered.index(c) for c in FILE_COLUMNS if c in lowered)
    transcript_column = text_column(header)
    split_column = next((lowered.index(c) for c in ("split", "subset") if c in lowered), None)
    entries, transcripts, splits, bad = [], [], [], {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{table.name}, line {number}"
        if len(row) <= max(file_column, transcript_column):
            raise DataError(f"{where} has {len(row)} values for {len(header)} columns")
        file_name = row[file_column].strip()
        transcript = row[transcript_column]
        split = "train"
        if split_column is not None and len(row) > split_column and row[split_column].strip():
            split = SPLITS.get(row[split_column].strip().lower(), "")
            if not split:
                raise DataError(f"{where}: the split {row[split_column]!r} is not one of "
                                "train, validation, test")
        image = table.parent / file_name
        record = len(entries)
        if not is_line_image(image):
            bad[record] = f"does not exist or is not an image ({where})"
        elif not transcript.strip():
            bad[record] = f"has an empty transcript ({where})"
        entries.append(LineEntry(str(image), file_name))
        transcripts.append(transcript)
        splits.append(split)
    if not entries:
        raise DataError(f"{table.name} has a header row but no lines")
    usable = [t for record, t in enumerate(transcripts) if record not in bad]
    alphabet = sorted(set("".join(usable)))
    if not alphabet:
        raise DataError(f"{table.name}: no line has both an image and a transcript")
    ids = {character: number for number, character in enumerate(alphabet, start=1)}
    longest = max(len(t) for t in usable)
    targets = np.full((len(entries), longest), PAD, np.int64)
    for record, transcript in enumerate(transcripts):
        if record not in bad:
            targets[record, :len(transcript)] = [ids[c] for c in transcript]
    first = next((Path(e.path) for r, e in enumerate(entries) if r not in bad), None)
    channels, height, width = _fitting(sample, name, first)
    decoder = LineDecoder(channels, height, width, resize)
    key = files_digest([DECODER_VERSION, channels, height, width, resize],
                       ((entry.path, "") for entry in entries))
    return on_demand_dataset(path, table.parent, Indexed(entries, targets, splits, bad),
                             decoder, "strings", alphabet, settings, cache_dir, key)
