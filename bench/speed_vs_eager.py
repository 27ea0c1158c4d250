"""Training speed against the PyTorch you would write by hand: one epoch of each of four
templates (digits CNN, gesture CRNN, DNA CRNN, CRNN text lines) on part of its data,

- hand-written: a plain eager float32 loop over the same tensors (the project's batch
  size, optimizer, loss and gradient clipping; torch's default threads), the network
  compiled from the project with the same initial weights;
- ours, all off: Netdesigner's trainer with torch's default threads, 32-true, channels_last
  off, no compile;
- ours, defaults: the trainer as a project runs it (threads auto, precision auto: bf16-mixed
  on a processor with native bfloat16 for these templates; channels_last auto: on for
  2-D convolutions);
- ours with each switch alone: channels_last, precision bf16-mixed (where the processor
  has native bfloat16) and compile: its first epoch with the compile time counted, as a
  user meets it, and a second epoch, what each further epoch costs.

Each line gives the epoch's wall time (min / median / max of the repeats, the ways taken in
turn within a repeat), its ratio to the hand-written loop's median, and the validation
metric after the epoch (the trainer shuffles with its own generator, so after one short
epoch the figures are close, not equal; bf16 rounds differently again). Targets (issue
27): at most 1.00 with everything off; 1.2× faster with the defaults on at least the CRNN
and gesture templates where a switch pays back within a run. Run it on an otherwise idle
machine. On this 2-core machine with native bfloat16 (medians of 5, 4,096 samples, the
machine shared): all off 1.02 (digits), 0.95 (gesture), 1.06 (DNA), 1.01 (CRNN); defaults
(bf16-mixed, and channels_last for the three with 2-D convolutions) 0.76, 0.48, 0.87 and
0.70; channels_last alone 0.89, 0.65, 1.03 (no Conv2d), 0.90; bf16-mixed alone 0.87,
0.76, 0.91, 0.78; compile's second epoch 0.66, 0.89, 1.00 and 1.25 (DNA), its first 13-17
s longer with a cold compile cache.

    .venv/bin/python bench/speed_vs_eager.py              # all four, 3 repeats
    .venv/bin/python bench/speed_vs_eager.py --quick      # digits CNN only, a smoke run
    .venv/bin/python bench/speed_vs_eager.py --no-compile # leave torch.compile out

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.shared_parts.template_runs import headline, spread, subset  # noqa: E402
from engine.compiler import compile_graph  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.training.optimisers import (  # noqa: E402
    build_optimizer,
    build_scheduler,
    steps_per_batch,
)
from engine.training.run import RunPlan, build_trainer, plan_run  # noqa: E402
from engine.training.speed import native_bf16  # noqa: E402

TEMPLATES = ("digits_cnn", "gesture_crnn", "dna_crnn", "crnn_digit_strings")
DEFAULT_THREADS = torch.get_num_threads()


def hand_written(plan: RunPlan) -> tuple[float, float]:
    """One epoch of an ordinary loop; (seconds, validation metric)."""
    torch.set_num_threads(DEFAULT_THREADS)
    config, data, task = plan.config, plan.dataset, plan.task
    torch.manual_seed(config.seed)
    model = compile_graph(plan.project.graph, plan.analysis, plan.project.name,
                          outer_layout=False)
    optimizer = build_optimizer(config.optimizer, model.parameters())
    x, y = data.x, task.targets(data.y)
    batches = len(x) // config.batch_size + (1 if len(x) % config.batch_size > 1 else 0)
    scheduler = build_scheduler(config.scheduler, optimizer, 1, batches)
    shuffle = torch.Generator().manual_seed(config.seed)
    started = time.perf_counter()
    model.train()
    order = torch.randperm(len(x), generator=shuffle)
    size = config.batch_size
    for start in range(0, len(x) - 1, size):  # no last batch of one (BatchNorm)
        index = order[start:start + size]
        if len(index) < 2:
            break
        loss = task.loss(model(x[index]), y[index])
        if not math.isfinite(loss.item()):
            raise SystemExit("the hand-written loop's loss became NaN")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.gradient_clip:
            nn.utils.clip_grad_norm_(model.parameters(), config.gradient_clip)
        optimizer.step()
        if scheduler is not None and steps_per_batch(config.scheduler):
            scheduler.step()
    model.eval()
    totals: dict[str, Any] = {}
    with torch.no_grad():
        targets = task.targets(data.y_val)
        for start in range(0, len(data.x_val), 256):
            task.accumulate(totals, model(data.x_val[start:start + 256]),
                            targets[start:start + 256])
    seconds = time.perf_counter() - started
    return seconds, headline(task.finish(totals))


def ours(plan: RunPlan, epochs: int = 1, **settings: Any) -> tuple[float, float]:
    """Epochs of the trainer with these training settings; (seconds of the last epoch,
    or of the one epoch with the run's start, the metric after them)."""
    torch.set_num_threads(DEFAULT_THREADS)
    project = plan.project
    config = replace(plan.config, epochs=epochs, **settings)
    trainer = build_trainer(replace(plan, config=config, project=project), "cpu",
                            health_every=0)
    started = time.perf_counter()
    ended = trainer.run()
    seconds = time.perf_counter() - started
    if ended.reason != "completed":
        raise SystemExit(f"{project.name}: {ended.message}")
    if epochs > 1:
        seconds = trainer.history[-1]["seconds"]
    return seconds, headline(trainer.latest)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="the digits CNN on 128 samples, once, without compile")
    args = parser.parse_args(argv)
    templates = TEMPLATES[:1] if args.quick else TEMPLATES
    samples, repeats = (128, 1) if args.quick else (args.samples, args.repeats)
    ways: dict[str, Any] = {
        "hand-written": hand_written,
        "ours, all off": lambda plan: ours(plan, threads=DEFAULT_THREADS,
                                           precision="32-true", channels_last=False),
        "ours, defaults": lambda plan: ours(plan),
    }
    ways["ours, channels_last"] = lambda plan: ours(plan, precision="32-true",
                                                    channels_last=True)
    if native_bf16():
        ways["ours, bf16-mixed"] = lambda plan: ours(plan, precision="bf16-mixed",
                                                     channels_last=False)
    compiled = not (args.no_compile or args.quick)
    print(f"one epoch of {samples} samples, {repeats} repeat(s), {DEFAULT_THREADS} threads "
          f"by default; native bfloat16: {'yes' if native_bf16() else 'no'}")
    for name in templates:
        plan = subset(plan_run(load_project(ROOT / "projects" / f"{name}.ndproj")), samples)
        runs: dict[str, list[tuple[float, float]]] = {}
        for repeat in range(repeats):
            order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
            for way in order:
                runs.setdefault(way, []).append(ways[way](plan))
        if compiled:  # once: the first epoch with compiling, as a user meets it, then one
            runs["compile, 1st epoch"] = [ours(plan, compile=True, precision="32-true",
                                               channels_last=False)]
            runs["compile, 2nd epoch"] = [ours(plan, epochs=2, compile=True,
                                               precision="32-true", channels_last=False)]
        base = statistics.median(s for s, _ in runs["hand-written"])
        print(f"\n{name}: wall s (min / median / max), ÷ hand-written, validation metric")
        for way, figures in runs.items():
            seconds = [s for s, _ in figures]
            ratio = statistics.median(seconds) / base
            print(f"  {way:<20}{spread(seconds)}   {ratio:5.2f}   "
                  f"{statistics.median(m for _, m in figures):.3f}")


if __name__ == "__main__":
    main()
