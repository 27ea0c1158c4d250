"""Sequences of many lengths (10 to 120 steps, .npy files in class folders) whose class
lies at their end: Netdesigner with the Input marked variable_length (recurrent layers
packed over the true steps), Netdesigner with a fixed-length Input (the padding read as
steps), and the same GRU written by hand in PyTorch with packing.

Prints, in one run (min / median / max of --repeat seeds, each training a fresh process,
alternating which goes first): the validation accuracy of each, and the seconds a whole
training takes as a ratio to the hand-written one (lower is faster). Target: packed ≥ the
padded accuracy, and within 2 points of the hand-written one. Run it on a quiet machine.

    .venv/bin/python bench/variable_length.py [--repeat 3] [--epochs 8] [--quick]
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
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.graph import Edge, Graph, Node  # noqa: E402
from engine.project import Project, save_project  # noqa: E402

STEPS, FEATURES, HIDDEN = 120, 4, 32
HAND_WRITTEN = Path(__file__).resolve().parent / "variable_length_parts" / "hand_written.py"


def spread(values: list[float]) -> str:
    return f"{min(values):.4g} / {statistics.median(values):.4g} / {max(values):.4g}"


def write_sequences(folder: Path, count: int, seed: int = 0) -> Path:
    """Noise of 10 to 120 steps; the class is the sign of feature 0's mean over the last 8
    steps, which a network reading the padding as steps must carry through it."""
    rng = np.random.default_rng(seed)
    for number in range(count):
        length = int(rng.integers(10, STEPS + 1))
        values = rng.normal(0, 1, (length, FEATURES)).astype(np.float32)
        label = "up" if values[-8:, 0].mean() > 0 else "down"
        path = folder / label / f"{number:05d}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, values)
    return folder


def project(folder: Path, variable: bool, epochs: int, seed: int) -> Path:
    graph = Graph()
    layers = [("seq", "Input", {"shape": [STEPS, FEATURES], "variable_length": variable}),
              ("gru", "GRU", {"hidden_size": HIDDEN}), ("last", "LastStep", {}),
              ("out", "Linear", {"out_features": 2})]
    for node_id, kind, params in layers:
        graph.add_node(Node(node_id, kind, params))
    for (a, *_), (b, *_) in pairwise(layers):
        graph.add_edge(Edge(a, b))
    training = {"dataset": {"path": "data"}, "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 32,
                "epochs": epochs, "validation_split": 0.25, "seed": seed}
    name = "packed" if variable else "padded"
    path = folder / f"{name}.ndproj"
    save_project(Project(name, graph, training), path)
    return path


def netdesigner(path: Path) -> tuple[float, float]:
    shutil.rmtree(path.with_suffix(".runs"), ignore_errors=True)
    shutil.rmtree(path.with_suffix(".cache"), ignore_errors=True)  # a cold first run
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine", "train", str(path)], check=True,
                   cwd=path.parent, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    run = sorted(path.with_suffix(".runs").iterdir())[-1]
    metrics = json.loads((run / "metrics.json").read_text())["result"]["metrics"]
    return metrics["val_accuracy"], seconds


def hand_written(folder: Path, epochs: int, seed: int) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(HAND_WRITTEN), str(folder / "data"),
                           "--steps", str(STEPS), "--epochs", str(epochs), "--hidden",
                           str(HIDDEN), "--seed", str(seed)],
                          check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return float(done.stdout.split()[1]), seconds


def main(argv: list[str] | None = None) -> dict[str, dict[str, list[float]]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--count", type=int, default=1600)
    parser.add_argument("--quick", action="store_true", help="a few sequences, one epoch")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.epochs, args.repeat = 48, 1, 1
    folder = Path(tempfile.mkdtemp(prefix="variable-length-"))
    results: dict[str, dict[str, list[float]]] = {
        name: {"accuracy": [], "seconds": []} for name in ("packed", "padded", "hand")}
    try:
        write_sequences(folder / "data", args.count)
        for repeat in range(args.repeat):
            runs = {"packed": lambda s=repeat: netdesigner(
                        project(folder, True, args.epochs, s)),
                    "padded": lambda s=repeat: netdesigner(
                        project(folder, False, args.epochs, s)),
                    "hand": lambda s=repeat: hand_written(folder, args.epochs, s)}
            names = list(runs)
            for name in names[repeat % 3:] + names[:repeat % 3]:
                accuracy, seconds = runs[name]()
                results[name]["accuracy"].append(accuracy)
                results[name]["seconds"].append(seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.count} sequences of 10 to {STEPS} steps, {args.epochs} epochs, "
          f"{args.repeat} seeds (min / median / max)")
    for name, label in (("packed", "Netdesigner, variable_length (packed)"),
                        ("padded", "Netdesigner, fixed length (padding read)"),
                        ("hand", "hand-written PyTorch, packed")):
        print(f"  {label:42s} val accuracy {spread(results[name]['accuracy'])}   "
              f"seconds {spread(results[name]['seconds'])}")
    for name in ("packed", "padded"):
        ratios = [ours / theirs for ours, theirs in zip(results[name]["seconds"],
                                                        results["hand"]["seconds"],
                                                        strict=True)]
        print(f"  {name} training time / hand-written: {spread(ratios)}")
    return results


if __name__ == "__main__":
    main()
