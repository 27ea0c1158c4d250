"""What sampling the layers' health costs a training run (target: within 3 %).

Trains examples with health sampling every 20 batches (the default) and with it off, the
two sides interleaved (on off, off on, ...) after an untimed warm-up run, each run from the
same initial weights and shuffling, with one torch thread (steadier on a shared machine).
Prints the median wall time of each side, the ratio of the medians and the paired ratio
(the median of each repetition's own ratio), and checks that both sides end with the same
weights. Wall times of runs this short move by several per cent from run to run on a shared
machine, so it also prints the time spent inside the sampling itself (hooks, gradient norms,
the event with its problems) as a share of the sampled runs: the cost without the noise.

    .venv/bin/python bench/health_overhead.py            # about 3 minutes
    .venv/bin/python bench/health_overhead.py --quick    # smoke run

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.inspection.health import DEFAULT_EVERY, HealthSampler
from engine.project import load_project
from engine.training.run import build_trainer, plan_run
from engine.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {"digits_cnn": 3, "digit_rows_lstm": 3, "crnn_digit_strings": 1}
"""Example → epochs per run."""


class Inside:
    """Seconds spent inside health sampling since the last reset."""

    seconds = 0.0

    @classmethod
    def timing(cls, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                cls.seconds += time.perf_counter() - start
        return timed


def instrument() -> None:
    for name in ("begin", "after_backward", "cancel"):
        setattr(HealthSampler, name, Inside.timing(getattr(HealthSampler, name)))
    recorder = HealthSampler._recorder
    HealthSampler._recorder = lambda self, *args: Inside.timing(recorder(self, *args))
    Trainer._emit_health = Inside.timing(Trainer._emit_health)


def timed_run(plan, every: int) -> tuple[float, dict[str, torch.Tensor]]:
    trainer = build_trainer(plan, health_every=every)
    Inside.seconds = 0.0
    start = time.perf_counter()
    trainer.run()
    return time.perf_counter() - start, trainer.model.state_dict()


def measure(stem: str, epochs: int, repeats: int) -> None:
    project = load_project(ROOT / "projects" / f"{stem}.ndproj")
    plan = plan_run(project, epochs=epochs)
    timed_run(plan, DEFAULT_EVERY)  # warm-up: allocations, kernels picked
    on, off, pairs, shares = [], [], [], []
    weights = {}
    for repeat in range(repeats):
        order = (DEFAULT_EVERY, 0) if repeat % 2 == 0 else (0, DEFAULT_EVERY)
        seconds = {}
        for every in order:
            seconds[every], weights[every] = timed_run(plan, every)
            if every:
                shares.append(Inside.seconds / seconds[every])
        on.append(seconds[DEFAULT_EVERY])
        off.append(seconds[0])
        pairs.append(seconds[DEFAULT_EVERY] / seconds[0])
    same = all(torch.equal(value, weights[0][name])
               for name, value in weights[DEFAULT_EVERY].items())
    print(f"{stem:<20} {epochs} epoch(s): sampling every {DEFAULT_EVERY} batches "
          f"{statistics.median(on):.2f} s, off {statistics.median(off):.2f} s (medians of "
          f"{repeats}); ratio {statistics.median(on) / statistics.median(off):.3f}, paired "
          f"{statistics.median(pairs):.3f} (min {min(pairs):.3f}, max {max(pairs):.3f}); "
          f"same final weights: {'yes' if same else 'NO'}", flush=True)
    print(f"{'':<20} inside the sampling: {100 * min(shares):.2f} / "
          f"{100 * statistics.median(shares):.2f} / {100 * max(shares):.2f} % of the sampled "
          "runs' time (min / median / max)", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one example, two repeats")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    instrument()
    examples = {"digits_cnn": 1} if args.quick else EXAMPLES
    for stem, epochs in examples.items():
        measure(stem, epochs, 2 if args.quick else args.repeats)


if __name__ == "__main__":
    main()
