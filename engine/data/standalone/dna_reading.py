"""DNA read from FASTA files, whole records or intervals of a genome, as the one-hot [4,
length] a network's Input takes (A, C, G, T in that order).

Bases are kept as codes, one byte each: 0..3 for A, C, G and T (U read as T), 4 for N
and the other IUPAC letters, which are all zeros in one-hot. Lower case (soft-masked)
letters are read as upper case. A sequence longer than the Input is cut around its
middle, a shorter one padded with N on both sides; an interval of a genome is centred on
its middle, cut or widened to the Input's length, N beyond the chromosome's ends.
Records and genomes are read with random access (pyfaidx), never whole.

Copied as it is beside an exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

BASES = "ACGT"
OTHER = 4
"""The code of N and every other IUPAC letter: one-hot all zeros."""
IUPAC = frozenset("ACGTURYSWKMBDHVN-.")
FASTA_SUFFIXES = (
    ".fa",
    ".fasta",
    ".fna",
    ".ffn",
    ".frn",
    ".fas",
    ".fa.gz",
    ".fasta.gz",
    ".fna.gz",
)
BED_SUFFIXES = (".bed", ".bed.gz", ".narrowpeak", ".broadpeak")

_CODES = np.full(256, 255, np.uint8)
for _letter in IUPAC:
    for _case in (_letter, _letter.lower()):
        _CODES[ord(_case)] = OTHER
for _code, _base in enumerate(BASES):
    _CODES[ord(_base)] = _CODES[ord(_base.lower())] = _code
_CODES[ord("U")] = _CODES[ord("u")] = 3
_COMPLEMENT = np.array([3, 2, 1, 0, OTHER], np.uint8)


class DnaError(Exception):
    """A sequence that cannot be read; the message says why (the caller names it)."""


def is_fasta(path: Path) -> bool:
    return path.name.lower().endswith(FASTA_SUFFIXES)


def is_bed(path: Path) -> bool:
    return path.name.lower().endswith(BED_SUFFIXES)


def encode(sequence: str) -> np.ndarray:
    """Letters as base codes; a letter that is no IUPAC base is a DnaError with its
    position (from 1)."""
    raw = np.frombuffer(sequence.encode("latin-1", errors="replace"), np.uint8)
    codes = _CODES[raw]
    wrong = np.flatnonzero(codes == 255)
    if len(wrong):
        position = int(wrong[0])
        raise DnaError(
            f"has the letter {sequence[position]!r} at position {position + 1}, "
            "which is not a base (A, C, G, T, U or another IUPAC letter)"
        )
    return codes


def centred(codes: np.ndarray, length: int) -> np.ndarray:
    """Cut around the middle, or padded with N on both sides, to `length`."""
    if len(codes) >= length:
        start = (len(codes) - length) // 2
        return codes[start : start + length]
    fitted = np.full(length, OTHER, np.uint8)
    start = (length - len(codes)) // 2
    fitted[start : start + len(codes)] = codes
    return fitted


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    return _COMPLEMENT[codes[::-1]]


def one_hot(codes: np.ndarray) -> np.ndarray:
    """[..., L] base codes as [..., 4, L] float32 (N and the others all zeros)."""
    eye = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])
    return np.moveaxis(eye[codes], -1, -2)


_OPEN: dict[tuple[str, str | None], tuple[object, int]] = {}
"""FASTA files open in this process (each decoding worker opens its own), with when the
file had last been written as it was opened."""
_OPENING = threading.Lock()


def open_fasta(path: Path, index: Path | None = None, as_written_now: bool = False):
    """pyfaidx's random access to a FASTA file; its .fai index is kept at `index` when
    given (the user's folder may be read-only), else beside the file. A file is opened
    once per process; `as_written_now` (when a dataset is loaded, not for every sample)
    opens it again if it has been written since."""
    key = (str(path), None if index is None else str(index))
    kept = _OPEN.get(key)
    if kept is not None and not as_written_now:
        return kept[0]
    # one thread builds the index; the others wait for it, then share the file
    with _OPENING:
        try:
            written = os.stat(path).st_mtime_ns
        except OSError as error:
            raise DnaError(f"cannot be read ({error.strerror or error})") from None
        kept = _OPEN.get(key)
        if kept is None or kept[1] != written:
            where = f"{path}.fai" if index is None else str(index)
            kept = _OPEN[key] = (_opened(path, where), written)
        return kept[0]


def _opened(path: Path, index: str):
    """The FASTA with its index, built first where there is none or the one there is
    older than the file (its offsets would read the wrong bases). pyfaidx writes an
    index where it will read it, so a process opening the file meanwhile (a decoding
    worker, the designer's preview) would read half an index and miss records: it is
    built under a name of its own and renamed into place when complete."""
    from pyfaidx import Fasta

    options = {"as_raw": True, "duplicate_action": "first", "rebuild": False}
    part = f"{index}.{os.getpid()}-{threading.get_ident()}.part"
    try:
        if not index_is_current(path, index):
            Fasta(str(path), indexname=part, **options).close()
            os.replace(part, index)
        return Fasta(str(path), indexname=index, **options)
    except Exception as error:  # pyfaidx's own errors, OSError, ...
        raise DnaError(
            f"cannot be read as FASTA ({str(error).splitlines()[0][:200]})"
        ) from None
    finally:
        if os.path.exists(part):  # a build that failed half-way
            os.remove(part)


def index_is_current(path: Path, index: str | Path) -> bool:
    """Whether a FASTA's index exists and was made after the file was last written."""
    try:
        return os.stat(index).st_mtime_ns >= os.stat(path).st_mtime_ns
    except OSError:
        return False


def record_codes(fasta, name: str, length: int) -> np.ndarray:
    """A whole record, centred to `length`."""
    try:
        sequence = str(fasta[name][:])
    except KeyError:
        raise DnaError("is not a record of the FASTA file") from None
    if not sequence:
        raise DnaError("holds no bases")
    return centred(encode(sequence), length)


def interval_codes(
    fasta, chromosome: str, start: int, end: int, length: int
) -> np.ndarray:
    """The `length` bases around the middle of [start, end) (0-based, as BED counts), N
    beyond the chromosome's ends."""
    try:
        record = fasta[chromosome]
    except KeyError:
        raise DnaError(
            f"names the chromosome {chromosome!r}, which the genome does not have"
        ) from None
    size = len(record)
    first = (start + end) // 2 - length // 2
    fitted = np.full(length, OTHER, np.uint8)
    lo, hi = max(first, 0), min(first + length, size)
    if lo < hi:
        fitted[lo - first : hi - first] = encode(str(record[lo:hi]))
    return fitted


def fasta_headers(path: Path) -> list[tuple[str, str]]:
    """(record id, the rest of its header line) for every record, in file order."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    found = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(">"):
                    header = line[1:].strip()
                    record, _, rest = header.partition(" ")
                    if "\t" in record:
                        record, _, more = record.partition("\t")
                        rest = (more + " " + rest).strip()
                    found.append((record, rest.strip()))
    except OSError as error:
        raise DnaError(f"cannot be read ({error.strerror or error})") from None
    return found
