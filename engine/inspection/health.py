"""How a training run's layers are doing, sampled every few batches at next to no cost:
per node, the mean and spread of its output, the norm of its parameters' gradients, and for
ReLUs the share of outputs that are zero for every sample of the batch (dead units).

Forward hooks exist only during a sampled batch, and the gradients are read (before any
clipping) right after that batch's backward pass: the other batches run as they would
without health sampling, and no random numbers are drawn, so the weights a run ends with
do not depend on it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

DEFAULT_EVERY = 20
"""Batches between two samples."""
VANISHING = 1e-7
EXPLODING = 1e3
"""Gradient norms beyond which a layer learns nothing, or too much at once."""
STREAK_BATCHES = 200
"""A condition must hold this long (or from the run's first sample on) to be reported."""
MOSTLY_DEAD = 0.9
DEAD_KINDS = (nn.ReLU,)
FIGURES = ("mean", "std", "gradient_norm", "dead")


@dataclass
class Health:
    """Every sample of a run: `steps` (the global batch numbers sampled) and, per node,
    each figure's values at those steps (None where a figure does not apply)."""

    every: int
    steps: list[int] = field(default_factory=list)
    nodes: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)

    def latest(self, figure: str) -> dict[str, float]:
        """Each node's newest value of `figure` (mean, std, gradient_norm, dead)."""
        values = {}
        for node_id, figures in self.nodes.items():
            series = figures.get(figure, [])
            if series and series[-1] is not None:
                values[node_id] = series[-1]
        return values

    def to_json(self) -> dict[str, Any]:
        return {"every": self.every, "steps": self.steps, "nodes": self.nodes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Health:
        """Raises ValueError for data that is not what to_json wrote."""
        try:
            every, steps, nodes = int(data["every"]), [int(s) for s in data["steps"]], {
                str(node): {str(name): [None if v is None else float(v) for v in series]
                            for name, series in figures.items()}
                for node, figures in data["nodes"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not a health record: {error}") from None
        return cls(every, steps, nodes)


class HealthSampler:
    """Samples a compiled network (its children are named after the nodes) every `every`
    batches: call `begin(step)` before the forward pass and `after_backward()` after the
    backward pass of each batch."""

    def __init__(self, model: nn.Module, every: int = DEFAULT_EVERY):
        self.every = every
        self.health = Health(every)
        self._modules = dict(model.named_children())
        self._hooks: list[Any] = []
        self._sample: dict[str, dict[str, float | None]] | None = None
        self.last: dict[str, dict[str, float | None]] = {}
        """The newest sample's figures per node."""

    def begin(self, step: int) -> bool:
        """Hook the layers when batch `step` (0-based, counted over the whole run) is one
        to sample."""
        if self.every <= 0 or step % self.every != 0:
            return False
        self._sample = {}
        self.health.steps.append(step)
        for node_id, module in self._modules.items():
            self._hooks.append(module.register_forward_hook(self._recorder(node_id, module)))
        return True

    def _recorder(self, node_id: str, module: nn.Module):
        dead_counted = isinstance(module, DEAD_KINDS)

        def record(module: nn.Module, inputs: Any, output: Any) -> None:
            value = output[0] if isinstance(output, tuple) else output
            if not isinstance(value, torch.Tensor) or not value.is_floating_point():
                return
            value = value.detach()
            # mean and std apart: torch.std_mean is several times slower on the CPU
            mean = float(value.mean())  # NaN or infinite when any value is
            finite = math.isfinite(mean)
            self._sample[node_id] = {
                "mean": mean if finite else math.nan,
                "std": float(value.std()) if finite and value.numel() > 1 else 0.0,
                "dead": float((value == 0).all(dim=0).float().mean()) if dead_counted
                else None,
            }
        return record

    def after_backward(self) -> None:
        """Read the sampled batch's gradients and store its figures; a no-op otherwise."""
        if self._sample is None:
            return
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
        for node_id, module in self._modules.items():
            gradients = [p.grad for p in module.parameters() if p.grad is not None]
            if gradients:
                norm = float(torch.linalg.vector_norm(
                    torch.stack([torch.linalg.vector_norm(g) for g in gradients])))
                self._sample.setdefault(node_id, {})["gradient_norm"] = norm
        steps = len(self.health.steps)
        for node_id, figures in self._sample.items():
            series = self.health.nodes.setdefault(node_id, {name: [] for name in FIGURES})
            for name in FIGURES:
                values = series[name]
                values.extend([None] * (steps - 1 - len(values)))
                values.append(figures.get(name))
        self.last = {node_id: {name: figures.get(name) for name in FIGURES}
                     for node_id, figures in self._sample.items()}
        self._sample = None

    def cancel(self) -> None:
        """The sampled batch failed: unhook, keep nothing of it."""
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()
        if self._sample is not None:
            self.health.steps.pop()
        self._sample = None


@dataclass(frozen=True)
class HealthProblem:
    node: str
    message: str


def health_problems(health: Health) -> list[HealthProblem]:
    """The layers whose gradients vanish or explode, whose outputs stop being numbers, or
    whose ReLU outputs are nearly all dead, for long enough to matter."""
    problems = []
    for node_id, figures in health.nodes.items():
        gradients = figures.get("gradient_norm", [])
        streak = _streak(health, gradients, lambda g: g < VANISHING)
        if streak:
            problems.append(HealthProblem(node_id, (
                f"gradient norm {gradients[-1]:.1g} for {streak} batches: vanishing; try "
                "fewer layers, ReLU instead of Sigmoid or Tanh, or normalisation "
                "(BatchNorm, LayerNorm) between them")))
        streak = _streak(health, gradients, lambda g: not math.isfinite(g) or g > EXPLODING)
        if streak:
            problems.append(HealthProblem(node_id, (
                f"gradient norm {gradients[-1]:.1g} for {streak} batches: exploding; set "
                "gradient_clip (e.g. 1.0) or lower the learning rate")))
        means = figures.get("mean", [])
        if means and means[-1] is not None and not math.isfinite(means[-1]):
            problems.append(HealthProblem(node_id, (
                "its outputs are not numbers (NaN or infinite); lower the learning rate or "
                "set gradient_clip")))
        dead = figures.get("dead", [])
        streak = _streak(health, dead, lambda d: d >= MOSTLY_DEAD)
        if streak:
            problems.append(HealthProblem(node_id, (
                f"{100 * dead[-1]:.0f} % of its outputs are zero for every sample, for "
                f"{streak} batches: dead units; try LeakyReLU or a lower learning rate")))
    return problems


def _streak(health: Health, series: list[float | None], failing) -> int:
    """How many batches the newest samples of `series` have all been `failing`, when that
    is at least STREAK_BATCHES or every sample of the run (three at least); else 0."""
    count = 0
    for value in reversed(series):
        if value is None or not failing(value):
            break
        count += 1
    if count == 0 or count < 3:
        return 0
    steps = health.steps[-count:]
    span = steps[-1] - steps[0] + health.every
    return span if span >= STREAK_BATCHES or count == len(series) else 0


def saved_health(project) -> tuple[Health, dict[str, dict[str, float | None]]] | None:
    """The health kept with the project's newest finished run, with each node's newest
    figures; None when it has no run, or its run kept none (or kept something unreadable:
    a health record is worth no error message)."""
    # here, not at the top: engine.training's trainer imports this module
    from engine.training.runs import METRICS_FILE, finished_runs, runs_folder

    runs = finished_runs(runs_folder(project.path, project.name))
    if not runs:
        return None
    try:
        data = json.loads((runs[-1] / METRICS_FILE).read_text())
        health = Health.from_json(data["health"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    figures = {node: {name: next((v for v in reversed(series) if v is not None), None)
                      for name, series in values.items()}
               for node, values in health.nodes.items()}
    return health, figures
