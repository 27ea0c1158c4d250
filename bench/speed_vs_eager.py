"""Training speed against the PyTorch you would write by hand: each of four templates
(digits CNN, gesture CRNN, DNA CRNN, CRNN text lines) trained on 4,096 samples of its
data (whole epochs, each validated: the digits have 1,437 training samples, so three),

- hand-written: a plain eager float32 loop over the same tensors (the project's batch
  size, optimizer with torch's default step, loss and gradient clipping; torch's default
  threads), the network compiled from the project with the same initial weights;
- ours, all off: Netdesigner's trainer with torch's default threads, 32-true, channels_last
  off, no compile (its optimizer takes torch's fused step, the same arithmetic);
- ours, defaults: the trainer as a project runs it (threads auto, precision auto: bf16-mixed
  on a processor with native bfloat16 for these templates; channels_last auto: on for
  2-D convolutions);
- ours, off, loop step: all off with torch's default optimizer step, as the hand-written
  loop takes it: what is left of the difference is the trainer's own cost;
- ours with each switch alone: channels_last, precision bf16-mixed (where the processor
  has native bfloat16) and compile: the run with its compile time counted, as a user
  meets it, and warm (the epochs after the first).

Each template runs in a process of its own, after an untimed run of each side (the first
runs in a process pay for oneDNN's kernels). Each line gives the run's wall time (min /
median / max of the repeats, the ways taken in turn within a repeat, the order reversed
every other repeat), its ratio to the hand-written loop's median, the median of each
repeat's own ratio (steadier when other work comes and goes), and the validation metric
after the run (the trainer shuffles with its own generator, so after a short run the
figures are close, not equal; bf16 rounds differently again). `--accuracy SEEDS` trains
each template for its whole run instead, hand-written against our defaults. Targets (issue
27): at most 1.00 with everything off; 1.2× faster with the defaults on at least the CRNN
and gesture templates. Run it on an otherwise idle machine. On this 2-core machine with
native bfloat16 (5 repeats, others' work on the machine, load 1.2-1.9), ratios of medians /
paired: all off 0.96 / 0.94 (digits), 0.94 / 0.94 (gesture), 0.97 / 0.95 (DNA), 1.07 / 1.04
(CRNN; in the next run 0.92 / 0.98, 0.91 / 0.91, 1.00 / 1.02 and 1.02 / 1.02; 0.92 paired
over 7 CRNN repeats taken alone); defaults 0.65 / 0.66, 0.50 / 0.51, 0.81 / 0.84, 0.59 /
0.64; loop step 0.94, 0.98, 1.04 and 1.12 (medians); channels_last alone 0.77, 0.65, 1.04
(no Conv2d), 0.93; bf16-mixed alone 0.63, 0.69, 0.85, 0.79; compile warm 1.05, 0.80, 0.87,
1.08 after a first run 13 s longer (digits) with a cold compile cache. After each
template's whole training (seeds 0 and 1), our defaults' validation metric against the
hand-written loop's means: -0.3 (digits), -0.1 (gesture), +1.5 (DNA) and -0.3 points
(CRNN).

    .venv/bin/python bench/speed_vs_eager.py              # all four, 5 repeats
    .venv/bin/python bench/speed_vs_eager.py --quick      # digits CNN only, a smoke run
    .venv/bin/python bench/speed_vs_eager.py --no-compile # leave torch.compile out
    .venv/bin/python bench/speed_vs_eager.py --accuracy 2 # whole runs, seeds 0 and 1

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
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
from engine.training.config import Choice  # noqa: E402
from engine.training.optimisers import (  # noqa: E402
    build_scheduler,
    steps_per_batch,
    takes_fused,
)
from engine.training.run import RunPlan, build_trainer, plan_run  # noqa: E402
from engine.training.speed import native_bf16  # noqa: E402

TEMPLATES = ("digits_cnn", "gesture_crnn", "dna_crnn", "crnn_digit_strings")
DEFAULT_THREADS = torch.get_num_threads()


def epochs_for(plan: RunPlan, samples: int) -> int:
    """Epochs that train on at least `samples` samples: a template with fewer training
    samples than that (the digits have 1,437) runs more than one, so that each run lasts
    long enough to time."""
    return max(1, math.ceil(samples / len(plan.dataset.x)))


def hand_written(plan: RunPlan, epochs: int = 1) -> tuple[float, float]:
    """Epochs of an ordinary loop, each validated; (seconds, validation metric)."""
    torch.set_num_threads(DEFAULT_THREADS)
    config, data, task = plan.config, plan.dataset, plan.task
    torch.manual_seed(config.seed)
    model = compile_graph(plan.project.graph, plan.analysis, plan.project.name,
                          outer_layout=False)
    # as a hand-written loop makes it: torch's default step (the trainer takes the fused one)
    optimizer = getattr(torch.optim, config.optimizer.type)(model.parameters(),
                                                          **config.optimizer.args)
    x, y = data.x, task.targets(data.y)
    batches = len(x) // config.batch_size + (1 if len(x) % config.batch_size > 1 else 0)
    scheduler = build_scheduler(config.scheduler, optimizer, epochs, batches)
    shuffle = torch.Generator().manual_seed(config.seed)
    size = config.batch_size
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=shuffle)
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
        if scheduler is not None and not steps_per_batch(config.scheduler):
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


def ours(plan: RunPlan, epochs: int = 1, after_first: bool = False,
         **settings: Any) -> tuple[float, float]:
    """Epochs of the trainer with these training settings; (seconds of the run from its
    start, or of the epochs after its first, the metric after them)."""
    torch.set_num_threads(DEFAULT_THREADS)
    config = replace(plan.config, epochs=epochs, **settings)
    trainer = build_trainer(replace(plan, config=config), "cpu",
                            health_every=0)
    started = time.perf_counter()
    ended = trainer.run()
    seconds = time.perf_counter() - started
    if ended.reason != "completed":
        raise SystemExit(f"{plan.project.name}: {ended.message}")
    if after_first:
        seconds = sum(row["seconds"] for row in trainer.history[1:])
    return seconds, headline(trainer.latest)


def loop_step(choice: Choice) -> Choice:
    """The optimiser with torch's default (loop) step instead of the fused one the trainer
    takes: what is left of the trainer's time is its own."""
    return Choice(choice.type, {**choice.args, "fused": False}) if takes_fused(choice) \
        else choice


def compare_accuracy(templates: tuple[str, ...], seeds: int) -> None:
    """What a user ends with: the template's whole training, hand-written in float32 and
    ours with the defaults (bf16-mixed here, where auto takes it), seed by seed."""
    print(f"validation metric after each template's whole training, seeds 0-{seeds - 1}")
    for name in templates:
        loaded = plan_run(load_project(ROOT / "projects" / f"{name}.ndproj"))
        pairs = []
        for seed in range(seeds):
            plan = replace(loaded, config=replace(loaded.config, seed=seed))
            pairs.append((hand_written(plan, plan.config.epochs)[1],
                          ours(plan, plan.config.epochs)[1]))
        hand, mine = ([pair[i] for pair in pairs] for i in (0, 1))
        print(f"  {name:<20} hand-written {' '.join(f'{v:.3f}' for v in hand)} (mean "
              f"{statistics.mean(hand):.3f}); ours, defaults {' '.join(f'{v:.3f}' for v in mine)}"
              f" (mean {statistics.mean(mine):.3f}); difference of means "
              f"{100 * (statistics.mean(mine) - statistics.mean(hand)):+.1f} points")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=4096,
                        help="training samples per timed run (whole epochs)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="the digits CNN on 128 samples, once, without compile")
    parser.add_argument("--accuracy", type=int, metavar="SEEDS", default=0,
                        help="instead of timing: each template's whole training (its "
                        "epochs, all its data) by the hand-written float32 loop and by our "
                        "defaults, for seeds 0 .. SEEDS-1, and the validation metrics")
    parser.add_argument("--templates", nargs="+", choices=TEMPLATES, default=TEMPLATES,
                        help="several are timed each in a process of its own, as a user "
                        "meets it: no template runs in what an earlier one left behind")
    args = parser.parse_args(argv)
    templates = TEMPLATES[:1] if args.quick else tuple(args.templates)
    if args.accuracy:
        compare_accuracy(templates, args.accuracy)
        return
    if len(templates) > 1:
        passed = [*(argv if argv is not None else sys.argv[1:])]
        if "--templates" in passed:
            passed = passed[:passed.index("--templates")]  # nargs="+" takes the rest
        for name in templates:
            subprocess.run([sys.executable, __file__, *passed, "--templates", name],
                           check=True)
        return
    samples, repeats = (128, 1) if args.quick else (args.samples, args.repeats)
    all_off = {"threads": DEFAULT_THREADS, "precision": "32-true", "channels_last": False}
    ways: dict[str, Any] = {
        "hand-written": hand_written,
        "ours, all off": lambda plan, epochs: ours(plan, epochs, **all_off),
        "ours, defaults": lambda plan, epochs: ours(plan, epochs),
        "ours, off, loop step": lambda plan, epochs: ours(
            plan, epochs, optimizer=loop_step(plan.config.optimizer), **all_off),
        "ours, channels_last": lambda plan, epochs: ours(
            plan, epochs, **{**all_off, "channels_last": True}),
    }
    if native_bf16():
        ways["ours, bf16-mixed"] = lambda plan, epochs: ours(
            plan, epochs, **{**all_off, "precision": "bf16-mixed"})
    compiled = not (args.no_compile or args.quick)
    print(f"{samples} training samples a run (whole epochs, each validated), {repeats} "
          f"repeat(s), {DEFAULT_THREADS} threads by default; native bfloat16: "
          f"{'yes' if native_bf16() else 'no'}", flush=True)
    for name in templates:
        plan = subset(plan_run(load_project(ROOT / "projects" / f"{name}.ndproj")), samples)
        epochs = epochs_for(plan, samples)
        runs: dict[str, list[tuple[float, float]]] = {}
        # untimed: the first runs in a process pay for oneDNN's kernels and the allocator
        hand_written(plan)
        ours(plan, **all_off)
        for repeat in range(repeats):
            order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
            for way in order:
                runs.setdefault(way, []).append(ways[way](plan, epochs))
        if compiled:  # once: the run with its compiling, as a user meets it, then warm
            compile_off = {**all_off, "compile": True}
            runs["compile, 1st run"] = [ours(plan, epochs, **compile_off)]
            runs["compile, warm"] = [ours(plan, epochs + 1, after_first=True,
                                          **compile_off)]
        hand = [s for s, _ in runs["hand-written"]]
        base = statistics.median(hand)
        print(f"\n{name}, {epochs} epoch(s) of {len(plan.dataset.x)}: wall s (min / median "
              "/ max), ÷ hand-written (of medians, of each repeat's pair), metric")
        for way, figures in runs.items():
            seconds = [s for s, _ in figures]
            # a compile row runs once: against the first repeat's hand-written run
            paired = statistics.median(s / h for s, h in zip(seconds, hand, strict=False))
            print(f"  {way:<20}{spread(seconds)}   {statistics.median(seconds) / base:5.2f}"
                  f"   {paired:5.2f}   {statistics.median(m for _, m in figures):.3f}")


if __name__ == "__main__":
    main()
