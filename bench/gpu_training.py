"""Training on a GPU against the PyTorch you would write by hand: epochs of the digits CNN,
gesture CRNN, DNA CRNN and CRNN text-line templates at a GPU-sized batch,

- hand-written: an eager float32 loop as people write it for a GPU: the network and the
  data on the device, `loss.item()` after every batch for the running loss, the project's
  optimizer, loss and gradient clipping;
- ours, defaults: the trainer as a project runs it on CUDA (data moved to the device once,
  the loss read back at most four times a second and at each epoch's end, cuDNN's
  autotuner for fixed shapes, precision auto: bf16-mixed on a GPU with bfloat16, else
  16-mixed; channels_last auto: on for 2-D convolutions);
- ours, all off: the same in 32-true, channels_last off;
- ours with each switch alone: precision bf16-mixed and 16-mixed, channels_last and
  compile (compile's second epoch: what each further epoch costs).

Each line gives the epoch's wall time (min / median / max of the repeats, the ways taken in
turn within a repeat, each after one warm-up epoch), the ratio hand-written ÷ ours (above 1:
ours is faster; target ≥ 2 for the CRNN with the right switches) and the validation metric.

    .venv/bin/python bench/gpu_training.py                     # on CUDA, 3 repeats
    .venv/bin/python bench/gpu_training.py --device cpu --quick    # a smoke run anywhere

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
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
from engine.training.run import RunPlan, build_trainer, plan_run  # noqa: E402

TEMPLATES = ("digits_cnn", "gesture_crnn", "dna_crnn", "crnn_digit_strings")


def finish(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def hand_written(plan: RunPlan, device: torch.device, epochs: int) -> tuple[float, float]:
    """The last of `epochs` epochs of an ordinary GPU loop, its validation included (as
    the trainer's epoch includes it); (seconds, metric)."""
    config, data, task = plan.config, plan.dataset, plan.task
    torch.manual_seed(config.seed)
    model = compile_graph(plan.project.graph, plan.analysis, plan.project.name,
                          outer_layout=False).to(device)
    optimizer = getattr(torch.optim, config.optimizer.type)(  # torch's default step
        model.parameters(), **config.optimizer.args)
    x, y = data.x.to(device), task.targets(data.y).to(device)
    x_val, y_val = data.x_val.to(device), task.targets(data.y_val).to(device)
    size = config.batch_size
    seconds, metric = 0.0, float("nan")
    for _ in range(epochs):
        finish(device)
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), device=device)
        running = 0.0
        for start in range(0, len(x) - 1, size):
            index = order[start:start + size]
            if len(index) < 2:
                break
            loss = task.loss(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.gradient_clip:
                nn.utils.clip_grad_norm_(model.parameters(), config.gradient_clip)
            optimizer.step()
            running += loss.item()  # as people write it: every batch waits for the GPU
        if not math.isfinite(running):
            raise SystemExit("the hand-written loop's loss became NaN")
        model.eval()
        totals: dict[str, Any] = {}
        with torch.no_grad():
            for start in range(0, len(x_val), 1024):
                task.accumulate(totals, model(x_val[start:start + 1024]),
                                y_val[start:start + 1024])
        metric = headline(task.finish(totals))
        finish(device)
        seconds = time.perf_counter() - started
    return seconds, metric


def ours(plan: RunPlan, device: torch.device, epochs: int,
         **settings: Any) -> tuple[float, float]:
    """The last of `epochs` epochs of the trainer with these settings; (seconds, metric)."""
    config = replace(plan.config, epochs=epochs, **settings)
    trainer = build_trainer(replace(plan, config=config), str(device), health_every=0)
    ended = trainer.run()
    if ended.reason != "completed":
        raise SystemExit(f"{plan.project.name}: {ended.message}")
    return trainer.history[-1]["seconds"], headline(trainer.latest)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch", type=int, default=256, help="samples per step")
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="the digits CNN on 256 samples, once, without compile")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU here: run it where there is one, or give --device cpu")
    templates = TEMPLATES[:1] if args.quick else TEMPLATES
    samples, repeats = (256, 1) if args.quick else (args.samples, args.repeats)
    epochs = 2  # the first warms up (cuDNN's autotuner, compile), the second is timed
    ways: dict[str, Callable[[RunPlan], tuple[float, float]]] = {
        "hand-written": lambda plan: hand_written(plan, device, epochs),
        "ours, defaults": lambda plan: ours(plan, device, epochs),
        "ours, all off": lambda plan: ours(plan, device, epochs, precision="32-true",
                                           channels_last=False),
        "ours, channels_last": lambda plan: ours(plan, device, epochs, channels_last=True,
                                                 precision="32-true"),
    }
    if device.type == "cuda":
        ways["ours, 16-mixed"] = lambda plan: ours(plan, device, epochs,
                                                   precision="16-mixed", channels_last=False)
        if torch.cuda.is_bf16_supported():
            ways["ours, bf16-mixed"] = lambda plan: ours(
                plan, device, epochs, precision="bf16-mixed", channels_last=False)
    if not args.quick:
        ways["ours, compile"] = lambda plan: ours(plan, device, epochs, compile=True,
                                                  precision="32-true", channels_last=False)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"epoch {epochs} of {samples} samples at batch {args.batch} on {name}, "
          f"{repeats} repeat(s)")
    for template in templates:
        plan = plan_run(load_project(ROOT / "projects" / f"{template}.ndproj"))
        plan = subset(replace(plan, config=replace(plan.config, batch_size=args.batch)),
                      samples)
        runs: dict[str, list[tuple[float, float]]] = {}
        for repeat in range(repeats):
            order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
            for way in order:
                runs.setdefault(way, []).append(ways[way](plan))
        base = statistics.median(s for s, _ in runs["hand-written"])
        print(f"\n{template}: wall s (min / median / max), hand-written ÷ ours, metric")
        for way, figures in runs.items():
            seconds = [s for s, _ in figures]
            speedup = base / statistics.median(seconds)
            print(f"  {way:<20}{spread(seconds)}   {speedup:5.2f}×  "
                  f"{statistics.median(m for _, m in figures):.3f}")


if __name__ == "__main__":
    main()
