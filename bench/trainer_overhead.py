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
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch

# bench/ (trainer_overhead_parts), also when this file is loaded from its path by a test
# rather than run as a script
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from trainer_overhead_parts.measuring import SIDES, Result, measure
from trainer_overhead_parts.tasks import CASES, Sizes

TARGET = 1.05


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
