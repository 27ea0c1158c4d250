"""Timing the sides in turn: the trainer from a project file, the hand-written loop and the
optional extra sides, interleaved, with their wall and CPU times and page faults, and
checking that the trainer and the hand-written loop end with the same weights."""

from __future__ import annotations

import copy
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.project import load_project
from engine.training.run import build_trainer, plan_run
from trainer_overhead_parts.bare_loop import bare_train, read_npz
from trainer_overhead_parts.tasks import Case, Sizes, write_case


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
