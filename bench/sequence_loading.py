"""Reading DNA and sounds from files: Netdesigner's loaders against the ones a person
writes by hand, on the same files, with the same number of decoding workers.

Prints, in one run (min / median / max of --repeat, alternating which goes first):
1. sequences/s of BED intervals over a genome FASTA, one-hot [4, 1000] (Netdesigner's
   loader decoding into its cache, against pyfaidx and a one-hot dictionary);
2. sounds/s of 44.1 kHz WAV files as log-mel spectrograms [1, 40, 98] (Netdesigner's,
   against soundfile, scipy's resample_poly and torch.stft).
Target: ratio ≥ 1.0 for both. Run it on a quiet machine.

    .venv/bin/python bench/sequence_loading.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from sequence_loading_parts.hand_written import (  # noqa: E402
    BedIntervals,
    SoundFolder,
    loader,
)


def spread(values: list[float]) -> str:
    return f"{min(values):.4g} / {statistics.median(values):.4g} / {max(values):.4g}"


def write_genome(folder: Path, chromosomes: int, length: int, intervals: int
                 ) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    genome = folder / "genome.fa"
    with genome.open("w") as handle:
        for number in range(chromosomes):
            handle.write(f">chr{number + 1}\n")
            bases = rng.choice(np.array(list("ACGTacgtN")), length)
            text = "".join(bases)
            handle.write("\n".join(text[i:i + 60] for i in range(0, len(text), 60)) + "\n")
    bed = folder / "peaks.bed"
    rows = []
    for _ in range(intervals):
        chrom = int(rng.integers(chromosomes)) + 1
        start = int(rng.integers(0, length - 300))
        rows.append(f"chr{chrom}\t{start}\t{start + 200}\tp\t{int(rng.integers(2))}")
    bed.write_text("\n".join(rows) + "\n")
    return genome, bed


def write_sounds(folder: Path, count: int) -> Path:
    import soundfile

    rng = np.random.default_rng(0)
    rate = 44_100
    for number in range(count):
        t = np.arange(rate) / rate
        wave = 0.3 * np.sin(2 * np.pi * rng.uniform(200, 4000) * t) + rng.normal(
            0, 0.01, rate)
        path = folder / f"class{number % 4}" / f"{number:04d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(path), wave.astype(np.float32), rate)
    return folder


def ours(entry: dict, base: Path, shape: tuple[int, ...], cache: Path) -> float:
    import torch

    from engine.catalogue import TensorInfo
    from engine.data import load_dataset
    from engine.data.feeding import Feeder

    shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    data = load_dataset(entry, base_dir=base, sample=TensorInfo(shape), cache_dir=cache)
    feeder = Feeder(data.x.index)
    order = np.random.default_rng(0).permutation(len(data.x))
    seen = 0
    for _values, kept in feeder.batches(data.x, order, 64, torch.device("cpu")):
        seen += len(kept)
    feeder.close()
    return seen / (time.perf_counter() - started)


def theirs(dataset, workers: int) -> float:
    started = time.perf_counter()
    seen = 0
    for batch, _ in loader(dataset, 64, workers):
        seen += len(batch)
    return seen / (time.perf_counter() - started)


def compare(name: str, unit: str, run_ours, run_theirs, repeat: int) -> None:
    mine, hand, ratios = [], [], []
    for turn in range(repeat):
        if turn % 2 == 0:
            mine.append(run_ours())
            hand.append(run_theirs())
        else:
            hand.append(run_theirs())
            mine.append(run_ours())
        ratios.append(mine[-1] / hand[-1])
    print(f"{name}: Netdesigner {spread(mine)} {unit}/s   by hand {spread(hand)} {unit}/s   "
          f"ratio {spread(ratios)} (target ≥ 1.0)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    args = parser.parse_args(argv)
    from engine.data.feeding import default_workers

    workers = default_workers()
    repeat = 1 if args.quick else args.repeat
    scratch = Path(tempfile.mkdtemp(prefix="sequence-loading-"))
    try:
        genome, bed = write_genome(scratch, 3, 20_000 if args.quick else 2_000_000,
                                   200 if args.quick else 20_000)
        intervals = [(f[0], int(f[1]), int(f[2]), int(f[4])) for f in (
            line.split("\t") for line in bed.read_text().splitlines())]
        from pyfaidx import Fasta

        Fasta(str(genome))  # both read with the index made once beforehand
        print(f"{len(intervals):,} BED intervals of a {genome.stat().st_size / 1e6:.0f} MB "
              f"genome → [4, 1000], {workers} worker(s) each")
        compare("1. DNA", "sequences",
                lambda: ours({"path": "peaks.bed", "genome": "genome.fa"}, scratch,
                             (4, 1000), scratch / "dna.cache"),
                lambda: theirs(BedIntervals(genome, intervals, 1000), workers), repeat)
        sounds = write_sounds(scratch / "sounds", 16 if args.quick else 400)
        files = sorted(sounds.rglob("*.wav"))
        labels = [int(f.parent.name.removeprefix("class")) for f in files]
        print(f"{len(files):,} WAV files of 1 s at 44.1 kHz → [1, 40, 98], {workers} "
              "worker(s) each")
        compare("2. Sounds", "sounds",
                lambda: ours({"path": "sounds"}, scratch, (1, 40, 98),
                             scratch / "sound.cache"),
                lambda: theirs(SoundFolder(files, labels, 40, 98), workers), repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
