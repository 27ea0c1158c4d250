"""What training from a project file costs, against a hand-written PyTorch loop.

Two tasks, generated here into a temporary folder as .npz files (nothing is downloaded):

- shapes: 28×28 noisy images of four shape classes (square, disk, plus, triangle) at
  random places and sizes, learnt by a small CNN (conv → batch norm → relu → pool, twice,
  then a linear layer) with CrossEntropyLoss;
- adding: the adding problem (Hochreiter & Schmidhuber 1997), sequences of 50 steps of
  (value, marker), two steps marked, one in each half; the target is the sum of the two
  marked values. Learnt by LSTM → LastStep → Linear with MSELoss. Predicting the mean
  (1.0) gives an MSE of 0.167 and a mean absolute error of 0.33.

For each task the benchmark writes an .ndproj project and trains it with the engine
(load_project → plan_run → build_trainer → Trainer.run, no out_dir so no checkpoint I/O),
and trains the same network, written by hand as an ordinary torch.nn.Module holding the
compiled module's initial weights, with a plain loop over the same tensors: the same
batch size, the same shuffling (a torch.Generator seeded with the project's seed, one
randperm per epoch), the same optimizer and settings, loss.item() per batch and a
validation pass each epoch. The two runs do the same arithmetic, so their final weights
and validation figures must agree (they are compared and printed).

The two sides are timed interleaved (A B, B A, A B, ...) after an untimed warm-up epoch,
with the same number of torch threads (1 by default: steadier on a shared machine), and
the medians compared; the target is a ratio trainer / hand-written loop of at most 1.05.
The paired ratio (median of each repetition's own ratio) and the ratio of CPU times are
printed beside it: both shrug off other processes better than wall-clock medians do.
The setup (reading the project and the .npz, analysing and compiling the graph) is timed
on its own and is not part of the ratio. Two more sides can run in the same rotation,
outside the ratio:

- the trainer with an out_dir (a checkpoint every epoch, weights.safetensors and
  metrics.json at the end): what checkpointing costs (on by default;
  --no-checkpoints leaves it out);
- --split: the hand-written loop on a copy of the compiled module, which tells the
  trainer loop's cost (trainer against this side) from the compiled network's (this side
  against the hand-written module). --show-runs prints every run's wall and CPU time and
  the minor page faults it took, which is where a compiled network that holds on to its
  intermediate tensors shows (more memory handed back to and taken again from the OS).

    .venv/bin/python bench/trainer_overhead.py            # full run (about 2 minutes)
    .venv/bin/python bench/trainer_overhead.py --split --show-runs
    .venv/bin/python bench/trainer_overhead.py --quick    # smoke run, a few seconds

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine.project import load_project
from engine.training.run import build_trainer, plan_run

TARGET = 1.05
EVAL_BATCH = 512
"""Validation batch size of the hand-written loop (what the trainer uses too)."""
IMAGE_SIZE = 28
NOISE = 0.15
"""Standard deviation of the Gaussian noise on the shape images (shapes are 0.5 to 1)."""
SEQUENCE_STEPS = 50


# ------------------------------------------------------------------------------ data

def shapes_data(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy images [count, 1, size, size] of four shape classes, and their class ids."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, count)
    radius = rng.uniform(0.18 * size, 0.38 * size, count)[:, None, None]
    centre = rng.uniform(0, 1, (count, 2)) * (size - 2 * radius[:, 0]) + radius[:, 0]
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    dy = rows[None] - centre[:, 0, None, None]
    dx = cols[None] - centre[:, 1, None, None]
    square = (np.abs(dy) <= radius * 0.8) & (np.abs(dx) <= radius * 0.8)
    disk = dy ** 2 + dx ** 2 <= radius ** 2
    bar = radius / 3
    plus = ((np.abs(dy) <= bar) & (np.abs(dx) <= radius)) | (
        (np.abs(dx) <= bar) & (np.abs(dy) <= radius))
    triangle = (np.abs(dy) <= radius) & (np.abs(dx) <= (dy + radius) / 2)
    masks = np.stack([square, disk, plus, triangle])[y, np.arange(count)]
    brightness = rng.uniform(0.5, 1.0, (count, 1, 1))
    images = masks * brightness + rng.normal(0, NOISE, (count, size, size))
    return images[:, None].astype(np.float32), y.astype(np.int64)


def adding_data(count: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: x [count, steps, 2] of (value, marker), y [count] the sum of the
    two marked values (one marker in each half of the sequence)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (count, steps))
    first = rng.integers(0, steps // 2, count)
    second = rng.integers(steps // 2, steps, count)
    markers = np.zeros((count, steps))
    markers[np.arange(count), first] = 1
    markers[np.arange(count), second] = 1
    x = np.stack([values, markers], axis=-1)
    y = values[np.arange(count), first] + values[np.arange(count), second]
    return x.astype(np.float32), y.astype(np.float32)


# ------------------------------------------------------------------------------ networks
# Each network twice: as project nodes, and by hand with the same submodule names, so the
# compiled module's state_dict loads into the hand-written one unchanged.

def cnn_layers(size: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("input", "Input", {"shape": [1, size, size]}),
        ("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
        ("bn1", "BatchNorm2d", {}),
        ("relu1", "ReLU", {}),
        ("pool1", "MaxPool2d", {"kernel_size": 2}),
        ("conv2", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
        ("bn2", "BatchNorm2d", {}),
        ("relu2", "ReLU", {}),
        ("pool2", "MaxPool2d", {"kernel_size": 2}),
        ("flat", "Flatten", {}),
        ("fc", "Linear", {"out_features": 4}),
    ]


class HandCNN(nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * (size // 4) ** 2, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(torch.flatten(x, 1))


def rnn_layers(steps: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("input", "Input", {"shape": [steps, 2]}),
        ("rnn", "LSTM", {"hidden_size": 32}),
        ("last", "LastStep", {}),
        ("fc", "Linear", {"out_features": 1}),
    ]


class HandRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(2, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


def project_dict(name: str, layers: list[tuple[str, str, dict[str, Any]]],
                 training: dict[str, Any]) -> dict[str, Any]:
    """A project file's content: the layers in a chain, each feeding the next."""
    nodes = [{"id": node_id, "type": kind, "params": params, "position": [0, 100 * i]}
             for i, (node_id, kind, params) in enumerate(layers)]
    edges = [{"source": a[0], "target": b[0]} for a, b in pairwise(layers)]
    return {"format": "netdesigner.project", "version": 1, "name": name,
            "graph": {"nodes": nodes, "edges": edges}, "training": training}


# ------------------------------------------------------------------------------ tasks

@dataclass(frozen=True)
class Sizes:
    train: int
    val: int
    epochs: int


@dataclass(frozen=True)
class Case:
    name: str
    metric: str
    """The headline validation metric, as the trainer names it."""
    make_data: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
    """(count, seed) → (x, y)."""
    layers: Callable[[], list[tuple[str, str, dict[str, Any]]]]
    hand: Callable[[], nn.Module]
    loss: str
    optimizer: dict[str, Any]
    batch_size: int
    full: Sizes
    quick: Sizes
    chance: str
    """What guessing gets, to read the metric against."""


CASES = (
    Case("shapes-CNN", "val_accuracy",
         lambda count, seed: shapes_data(count, IMAGE_SIZE, seed),
         lambda: cnn_layers(IMAGE_SIZE), lambda: HandCNN(IMAGE_SIZE),
         "CrossEntropyLoss", {"type": "Adam", "lr": 0.003}, 64,
         full=Sizes(6000, 1000, 4), quick=Sizes(192, 64, 1), chance="chance 0.25"),
    Case("adding-LSTM", "val_mae",
         lambda count, seed: adding_data(count, SEQUENCE_STEPS, seed),
         lambda: rnn_layers(SEQUENCE_STEPS), HandRNN,
         "MSELoss", {"type": "Adam", "lr": 0.01}, 64,
         full=Sizes(8000, 1000, 6), quick=Sizes(192, 64, 1),
         chance="guessing 1.0 gives 0.333"),
)


def write_case(case: Case, folder: Path, sizes: Sizes, seed: int) -> Path:
    """The task's .npz (its own validation set, so no split) and project file; returns the
    project file."""
    x, y = case.make_data(sizes.train + sizes.val, seed)
    np.savez(folder / f"{case.name}.npz", x=x[:sizes.train], y=y[:sizes.train],
             x_val=x[sizes.train:], y_val=y[sizes.train:])
    training = {"dataset": {"path": f"{case.name}.npz"}, "loss": case.loss,
                "optimizer": case.optimizer, "batch_size": case.batch_size,
                "epochs": sizes.epochs, "seed": seed, "device": "cpu"}
    path = folder / f"{case.name}.ndproj"
    path.write_text(json.dumps(project_dict(case.name, case.layers(), training), indent=1),
                    encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ the bare loop

def bare_train(model: nn.Module, data: dict[str, torch.Tensor], loss_name: str,
               optimizer_settings: dict[str, Any], batch_size: int, epochs: int,
               seed: int) -> list[dict[str, float]]:
    """An ordinary PyTorch training loop, as one would write it by hand."""
    x, y, x_val, y_val = data["x"], data["y"], data["x_val"], data["y_val"]
    classify = loss_name == "CrossEntropyLoss"
    loss_fn = getattr(nn, loss_name)()
    settings = {k: v for k, v in optimizer_settings.items() if k != "type"}
    optimizer = getattr(torch.optim, optimizer_settings["type"])(model.parameters(), **settings)
    shuffle = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    count = len(x)
    batch_size = min(batch_size, count)
    # like the trainer, leave out a last batch of a single sample (BatchNorm needs two)
    batches = count // batch_size + (1 if count % batch_size > 1 else 0)
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(count, generator=shuffle)
        loss_sum, seen = 0.0, 0
        for batch in range(batches):
            index = order[batch * batch_size:(batch + 1) * batch_size]
            xb, yb = x[index], y[index]
            out = model(xb)
            loss = loss_fn(out if classify else out.reshape(yb.shape), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            seen += len(index)
        model.eval()
        val_loss, score = 0.0, 0.0
        with torch.no_grad():
            for start in range(0, len(x_val), EVAL_BATCH):
                xb, yb = x_val[start:start + EVAL_BATCH], y_val[start:start + EVAL_BATCH]
                out = model(xb)
                if classify:
                    val_loss += loss_fn(out, yb).item() * len(xb)
                    score += (out.argmax(-1) == yb).sum().item()
                else:
                    out = out.reshape(yb.shape)
                    val_loss += loss_fn(out, yb).item() * len(xb)
                    score += (out - yb).abs().sum().item()
        history.append({"epoch": epoch, "train_loss": loss_sum / seen,
                        "val_loss": val_loss / len(x_val),
                        ("val_accuracy" if classify else "val_mae"): score / y_val.numel()})
    return history


def read_npz(path: Path) -> dict[str, torch.Tensor]:
    with np.load(path) as archive:
        return {key: torch.from_numpy(np.ascontiguousarray(archive[key]))
                for key in ("x", "y", "x_val", "y_val")}


# ------------------------------------------------------------------------------ measuring

def _minor_faults() -> int:
    """Minor page faults of this process so far (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@dataclass
class Side:
    label: str
    seconds: list[float] = field(default_factory=list)
    """Wall-clock seconds of each timed run."""
    cpu_seconds: list[float] = field(default_factory=list)
    """This process's CPU seconds of each run (less sensitive to other processes taking
    the cores; with one thread it is close to the wall time of an idle machine)."""
    faults: list[int] = field(default_factory=list)
    """Minor page faults of each run: memory the allocator took fresh from the OS."""
    metrics: dict[str, float] = field(default_factory=dict)
    """The headline validation metric and val_loss at the end of the last run."""

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(self.cpu_seconds)


SIDES = {
    "trainer": "Trainer.run, no out_dir",
    "bare": "hand-written loop, hand-written module",
    "bare_compiled": "hand-written loop, compiled module",
    "checkpointing": "Trainer.run with out_dir",
}


@dataclass
class Result:
    name: str
    metric: str
    chance: str
    sides: dict[str, Side]
    setup_s: list[float]
    max_weight_diff: float
    """Largest |trainer weight - hand-written weight| after training, over all reps."""
    metric_diff: float
    """Largest |trainer figure - hand-written figure| (headline metric, val_loss)."""
    epochs: int
    batches: int

    @property
    def trainer(self) -> Side:
        return self.sides["trainer"]

    @property
    def bare(self) -> Side:
        return self.sides["bare"]

    @property
    def ratio(self) -> float:
        """Median trainer time / median hand-written loop time (wall clock)."""
        return self.trainer.median_s / self.bare.median_s

    @property
    def paired_ratio(self) -> float:
        """Median over repetitions of trainer / hand-written of the same repetition."""
        return statistics.median(t / b for t, b in zip(self.trainer.seconds, self.bare.seconds,
                                                       strict=True))

    @property
    def cpu_ratio(self) -> float:
        return self.trainer.median_cpu_s / self.bare.median_cpu_s


def _timed(run: Callable[[], Any]) -> tuple[float, float, int, Any]:
    gc.collect()
    faults, cpu, start = _minor_faults(), time.process_time(), time.perf_counter()
    value = run()
    return (time.perf_counter() - start, time.process_time() - cpu, _minor_faults() - faults,
            value)


def _figures(metrics: dict[str, Any], metric: str) -> dict[str, float]:
    return {key: float(metrics[key]) for key in (metric, "val_loss")}


def measure(case: Case, folder: Path, sizes: Sizes, reps: int, seed: int,
            extra: Sequence[str] = ()) -> Result:
    """`reps` interleaved runs of the trainer and the bare loop, and of the `extra` sides
    ('checkpointing', 'bare_compiled')."""
    project_path = write_case(case, folder, sizes, seed)
    data = read_npz(project_path.with_suffix(".npz"))
    sides = {key: Side(key) for key in ("trainer", "bare", *extra)}
    setup_s: list[float] = []
    max_diff, metric_diff = 0.0, 0.0
    count = len(data["x"])
    batches = count // case.batch_size + (1 if count % case.batch_size > 1 else 0)

    def engine_trainer(out_dir: Path | None = None, epochs: int | None = None):
        """Project file → trainer, as the command line does it; and the seconds it took."""
        start = time.perf_counter()
        plan = plan_run(load_project(project_path), epochs=epochs)
        trainer = build_trainer(plan, "cpu", out_dir)
        return plan, trainer, time.perf_counter() - start

    def hand_copy(trainer) -> nn.Module:
        hand = case.hand()
        hand.load_state_dict(trainer.model.state_dict(), strict=True)
        return hand

    def bare_run(model: nn.Module, epochs: int) -> list[dict[str, float]]:
        return bare_train(model, data, case.loss, case.optimizer, case.batch_size, epochs,
                          seed)

    # untimed warm-up, one epoch of each side: lazy initialisation, allocator, caches
    plan, trainer, _ = engine_trainer(epochs=1)
    hand = hand_copy(trainer)
    trainer.run()
    bare_run(hand, 1)
    for key in ("x", "y", "x_val", "y_val"):
        engine_tensor = getattr(plan.dataset, key)
        assert torch.equal(engine_tensor, data[key].to(engine_tensor.dtype)), (
            f"{case.name}: the engine read {key} differently from numpy")

    for rep in range(reps):
        _, trainer, setup = engine_trainer()
        setup_s.append(setup)
        hand = hand_copy(trainer)
        runs: dict[str, Callable[[], Any]] = {
            "trainer": trainer.run,
            "bare": lambda hand=hand: bare_run(hand, sizes.epochs)}
        if "bare_compiled" in sides:
            compiled = copy.deepcopy(trainer.model)
            runs["bare_compiled"] = lambda model=compiled: bare_run(model, sizes.epochs)
        if "checkpointing" in sides:
            _, saving, _ = engine_trainer(out_dir=folder / f"{case.name}-run{rep}")
            runs["checkpointing"] = saving.run
        # rotate who goes first, so that no side always follows the same other one
        order = list(runs)
        order = order[rep % len(order):] + order[:rep % len(order)]
        outcomes: dict[str, Any] = {}
        for key in order:
            wall, cpu, faults, outcomes[key] = _timed(runs[key])
            side = sides[key]
            side.seconds.append(wall)
            side.cpu_seconds.append(cpu)
            side.faults.append(faults)

        for key, outcome in outcomes.items():
            if key == "trainer" or key == "checkpointing":
                assert outcome.reason == "completed", outcome.message
                sides[key].metrics = _figures(outcome.metrics, case.metric)
            else:
                sides[key].metrics = _figures(outcome[-1], case.metric)
        trained = trainer.model.state_dict()
        for key, value in hand.state_dict().items():
            if value.is_floating_point():
                max_diff = max(max_diff, float((trained[key] - value).abs().max()))
        trainer_figures, bare_figures = sides["trainer"].metrics, sides["bare"].metrics
        metric_diff = max(metric_diff, *(abs(trainer_figures[k] - bare_figures[k])
                                         for k in trainer_figures))
    return Result(case.name, case.metric, case.chance, sides, setup_s, max_diff, metric_diff,
                  sizes.epochs, batches)


def report(result: Result, show_runs: bool = False) -> list[str]:
    name = f"{result.name:<12}"
    t, b = result.trainer.metrics, result.bare.metrics
    lines = [
        f"{name} {result.metric} trainer {t[result.metric]:.4f} bare {b[result.metric]:.4f} "
        f"({result.chance}); val_loss trainer {t['val_loss']:.4f} bare {b['val_loss']:.4f}; "
        f"largest weight difference {result.max_weight_diff:.3g}",
        f"{name} time trainer {result.trainer.median_s:.3f} s  bare {result.bare.median_s:.3f} "
        f"s  ratio {result.ratio:.3f}  (paired {result.paired_ratio:.3f}, CPU time "
        f"{result.cpu_ratio:.3f}; {result.epochs} epochs of {result.batches} batches, median "
        f"of {len(result.trainer.seconds)})",
        f"{name} setup (read project + data, analyse, compile) "
        f"{statistics.median(result.setup_s):.3f} s, not in the ratio",
    ]
    for key in ("bare_compiled", "checkpointing"):
        side = result.sides.get(key)
        if side is not None:
            lines.append(f"{name} {SIDES[key]}: {side.median_s:.3f} s, "
                         f"{side.median_s - result.trainer.median_s:+.3f} s against the trainer "
                         f"(CPU time {side.median_cpu_s / result.trainer.median_cpu_s:.3f} × "
                         "the trainer's); not in the ratio")
    if show_runs:
        for key, side in result.sides.items():
            lines.append(f"{name}   {key:<13} wall {' '.join(f'{s:.3f}' for s in side.seconds)}"
                         f"  cpu {' '.join(f'{s:.3f}' for s in side.cpu_seconds)}  page "
                         f"faults {statistics.median(side.faults):.0f}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny data, one epoch, one repetition (smoke test)")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed repetitions of each side (default 5, quick 1)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per run (default: each task's own)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads, the same for every side (default 1: "
                             "steadier on a shared machine)")
    parser.add_argument("--no-checkpoints", action="store_true",
                        help="leave out the side that trains with an out_dir")
    parser.add_argument("--split", action="store_true",
                        help="add a side: the hand-written loop on the compiled module, "
                             "telling the loop's cost from the compiled network's")
    parser.add_argument("--only", choices=[c.name for c in CASES], action="append",
                        help="run only this task (repeatable)")
    parser.add_argument("--show-runs", action="store_true",
                        help="print every run's wall and CPU time, and page faults")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[Result]:
    args = parse_args(argv)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _run(args)
    finally:  # main may run inside another program (a test session): leave it as found
        torch.set_num_threads(threads_before)


def _run(args: argparse.Namespace) -> list[Result]:
    reps = args.reps if args.reps is not None else (1 if args.quick else 5)
    extra = ([] if args.no_checkpoints else ["checkpointing"]) + (
        ["bare_compiled"] if args.split else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {reps} interleaved "
          "repetitions, median per side; trainer = Trainer.run without out_dir, bare = a "
          "hand-written loop", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="nd-trainer-bench-") as tmp:
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            sizes = case.quick if args.quick else case.full
            if args.epochs is not None:
                sizes = Sizes(sizes.train, sizes.val, args.epochs)
            result = measure(case, Path(tmp), sizes, reps, args.seed, extra)
            for text in report(result, args.show_runs):
                print(text, flush=True)
            results.append(result)
    worst = max(results, key=lambda r: r.ratio)
    verdict = "within" if worst.ratio <= TARGET else "ABOVE"
    print(f"worst ratio {worst.ratio:.3f} ({worst.name}); {verdict} the target {TARGET:.2f}")
    return results


if __name__ == "__main__":
    main()
