"""Reading video clips from files: what it costs against the alternatives.

Prints, in one run:
1. clips/s of Netdesigner's loader (workers decode, fitted with PyAV's scaler, the cache
   written) against a hand-written PyAV + DataLoader loader on the same camera-like files
   (320×240 colour, 60 frames, H.264) fitted to [16, 3, 64, 64], with the same number of
   workers; target ratio ≥ 1.0;
2. the gesture CRNN template's training samples/s on the built-in gestures written out as
   .mp4 class folders, in epoch 1 (decoding) and epoch 2 (reading the cache), against the
   same template on the built-in in memory; target ≥ 0.9 from the cache;
3. the peak resident memory (the training process and its decoding workers) of a run on
   those files and on 10 times as many (hard-linked copies); target: 10× the clips cost
   < 1.2× the peak.

    .venv/bin/python bench/clip_loading.py [--repeat 3] [--clips 96] [--scale 10] [--quick]

Every training runs in a fresh process; each timing is repeated in alternating order and
given as min / median / max. Run it on a quiet machine (never beside the tests).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from clip_loading_parts.clip_files import (  # noqa: E402
    camera_clips,
    linked_copies,
    write_class_folders,
)
from clip_loading_parts.hand_written import hand_written_loader  # noqa: E402
from clip_loading_parts.memory import peak_rss  # noqa: E402

CAMERA_INPUT = (16, 3, 64, 64)


def spread(values: list[float]) -> str:
    return (f"{min(values):.3g} / {statistics.median(values):.3g} / {max(values):.3g}")


# -- 1. the loader alone -----------------------------------------------------------------

def our_clips_per_second(folder: Path, cache: Path, workers: int | None) -> float:
    import numpy as np
    import torch

    from engine.catalogue import TensorInfo
    from engine.data import load_dataset
    from engine.data.feeding import Feeder

    shutil.rmtree(cache, ignore_errors=True)
    entry = {"path": str(folder)} | ({"workers": workers} if workers is not None else {})
    started = time.perf_counter()
    data = load_dataset(entry, sample=TensorInfo(CAMERA_INPUT), cache_dir=cache)
    feeder = Feeder(data.x.index)
    order = np.random.default_rng(0).permutation(len(data.x))
    seen = 0
    for _values, kept in feeder.batches(data.x, order, 8, torch.device("cpu")):
        seen += len(kept)
    feeder.close()
    return seen / (time.perf_counter() - started)


def hand_clips_per_second(folder: Path, workers: int) -> float:
    files = sorted(folder.rglob("*.mp4"))
    labels = [int(file.parent.name.removeprefix("class")) for file in files]
    started = time.perf_counter()
    seen = 0
    for clips, _ in hand_written_loader(files, labels, CAMERA_INPUT[0], CAMERA_INPUT[2], 8,
                                        workers):
        seen += len(clips)
    return seen / (time.perf_counter() - started)


def loader_part(scratch: Path, clips: int, repeat: int) -> None:
    folder = camera_clips(scratch / "camera", clips)
    workers = decoding_workers_here()
    ours, theirs, ratios = [], [], []
    for turn in range(repeat):
        first_ours = turn % 2 == 0
        if first_ours:
            ours.append(our_clips_per_second(folder, scratch / "camera.cache", None))
            theirs.append(hand_clips_per_second(folder, workers))
        else:
            theirs.append(hand_clips_per_second(folder, workers))
            ours.append(our_clips_per_second(folder, scratch / "camera.cache", None))
        ratios.append(ours[-1] / theirs[-1])
    print(f"1. loading {clips} clips 320×240×60 → {list(CAMERA_INPUT)}, {workers} worker(s) "
          f"each (min / median / max of {repeat}):")
    print(f"   Netdesigner {spread(ours)} clips/s   hand-written PyAV + DataLoader "
          f"{spread(theirs)} clips/s   ratio {spread(ratios)} (target ≥ 1.0)", flush=True)


# -- 2. training throughput ----------------------------------------------------------------

def train_child(project: Path, epochs: int) -> None:
    """In a fresh process: train and print each epoch's training samples/s as JSON."""
    from engine.project import load_project
    from engine.training import BatchEnded, build_trainer, plan_run

    plan = plan_run(load_project(project), epochs=epochs)
    trainer = build_trainer(plan, "cpu")
    last: dict[int, float] = {}

    def listen(event) -> None:
        if isinstance(event, BatchEnded):
            last[event.epoch] = event.samples_per_second

    trainer.add_listener(listen)
    trainer.run()
    print(json.dumps([last[e] for e in sorted(last)]))


def run_child(project: Path, epochs: int) -> list[float]:
    output = subprocess.run([sys.executable, __file__, "--train-child", str(project),
                             "--epochs", str(epochs)], check=True, capture_output=True,
                            text=True, cwd=project.parent).stdout
    return json.loads(output.strip().splitlines()[-1])


def gesture_projects(scratch: Path, files: Path, workers: int | None = None
                     ) -> tuple[Path, Path]:
    template = json.loads((ROOT / "projects" / "gesture_crnn.ndproj").read_text())
    in_memory = scratch / "gestures_memory.ndproj"
    in_memory.write_text(json.dumps(template))
    template["training"]["dataset"] = {"path": str(files)} | (
        {"workers": workers} if workers is not None else {})
    from_files = scratch / f"gestures_files{'' if workers is None else workers}.ndproj"
    from_files.write_text(json.dumps(template))
    return in_memory, from_files


def training_part(scratch: Path, files: Path, repeat: int) -> None:
    in_memory, from_files = gesture_projects(scratch, files)
    _, in_process = gesture_projects(scratch, files, workers=0)
    memory, decoding, cached, alone = [], [], [], []
    for turn in range(repeat):
        for project in (from_files, in_process):
            shutil.rmtree(project.with_suffix(".cache"), ignore_errors=True)
        if turn % 2 == 0:
            memory.append(run_child(in_memory, 2))
            file_epochs = run_child(from_files, 2)
            alone.append(run_child(in_process, 1)[0])
        else:
            alone.append(run_child(in_process, 1)[0])
            file_epochs = run_child(from_files, 2)
            memory.append(run_child(in_memory, 2))
        decoding.append(file_epochs[0])
        cached.append(file_epochs[1])
    steady = [m[1] for m in memory]
    print(f"2. gesture CRNN training samples/s (min / median / max of {repeat}, each run a "
          "fresh process):")
    print(f"   in memory {spread(steady)} (epoch 2)   from files: epoch 1 (decoding) "
          f"{spread(decoding)}, epoch 2 (cache) {spread(cached)}")
    first = [d / m for d, m in zip(decoding, steady, strict=True)]
    second = [c / m for c, m in zip(cached, steady, strict=True)]
    print(f"   ratio to in memory: epoch 1 {spread(first)}   epoch 2 {spread(second)} "
          "(target ≥ 0.9)")
    workers = decoding_workers_here()
    with_workers = [d / a for d, a in zip(decoding, alone, strict=True)]
    print(f"   epoch 1 decoding in the training process (workers 0) {spread(alone)}; with "
          f"{workers} worker(s) {spread(with_workers)}× that (not slower: ≥ 1.0)",
          flush=True)


def decoding_workers_here() -> int:
    from engine.data.feeding import default_workers

    return default_workers()


# -- 3. memory -----------------------------------------------------------------------------

def memory_part(scratch: Path, files: Path, scale: int) -> None:
    bigger = linked_copies(files, scratch / f"gestures_x{scale}", scale)
    peaks = {}
    for name, folder in (("1x", files), (f"{scale}x", bigger)):
        (scratch / name).mkdir()
        _, project = gesture_projects(scratch / name, folder)
        status, peak = peak_rss([sys.executable, "-m", "engine", "train", str(project),
                                 "--epochs", "2"], project.parent)
        if status != 0:
            raise SystemExit(f"the run on {folder} failed")
        clips = sum(1 for _ in folder.rglob("*.mp4"))
        peaks[name] = (clips, peak)
    (small_clips, small), (big_clips, big) = peaks.values()
    print(f"3. peak resident memory of a 2-epoch run, process and decoding workers: "
          f"{small_clips:,} clips {small / 1e6:.0f} MB, {big_clips:,} clips "
          f"{big / 1e6:.0f} MB: {big / small:.2f}× (target < 1.2×)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clips", type=int, default=96, help="camera clips for part 1")
    parser.add_argument("--scale", type=int, default=10, help="how many times the clips "
                        "for part 3")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--train-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.train_child is not None:
        train_child(args.train_child, args.epochs)
        return
    from engine.data.generated_clips import gestures as make_gestures

    scratch = Path(tempfile.mkdtemp(prefix="clip-loading-"))
    try:
        repeat = 1 if args.quick else args.repeat
        loader_part(scratch, 8 if args.quick else args.clips, repeat)
        gestures = make_gestures(0, 96, 32) if args.quick else make_gestures(0)
        files = write_class_folders(scratch / "gestures", gestures)
        training_part(scratch, files, repeat)
        memory_part(scratch, files, 2 if args.quick else args.scale)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
