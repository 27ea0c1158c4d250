"""A point of a search space: the values a trial takes, and the project they make."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Mapping, Sequence
from typing import Any

from engine.analysis import analyse
from engine.project import Project
from engine.sweeps.space import SweepError, Varied

GRID_POINTS = 5
"""Points of a float range without a step on a grid (log-spaced on a log scale)."""
MAX_GRID = 10_000


def _encoded(choice: Any) -> Any:
    """Optuna's choices are None, bools, numbers or text; a list (a kernel size [3, 5])
    travels as its JSON."""
    return json.dumps(choice) if isinstance(choice, (list, dict)) else choice


def _decoded(value: Any, varied: Varied) -> Any:
    for choice in varied.choices:
        if _encoded(choice) == value:
            return choice
    return value


def suggest(trial: Any, varied: Sequence[Varied]) -> dict[str, Any]:
    """The trial's value for each varied parameter, by name."""
    values = {}
    for item in varied:
        if item.kind == "choice":
            raw = trial.suggest_categorical(item.name, [_encoded(c) for c in item.choices])
            values[item.name] = _decoded(raw, item)
        elif item.kind == "int":
            values[item.name] = trial.suggest_int(item.name, item.low, item.high,
                                                  step=item.step or 1, log=item.log)
        else:
            values[item.name] = trial.suggest_float(item.name, item.low, item.high,
                                                    step=item.step, log=item.log)
    return values


def decoded_params(params: Mapping[str, Any], varied: Sequence[Varied]) -> dict[str, Any]:
    """A finished trial's params (as the study stores them) as the project's values."""
    by_name = {v.name: v for v in varied}
    return {name: _decoded(value, by_name[name]) if name in by_name else value
            for name, value in params.items()}


def project_at(project: Project, varied: Sequence[Varied],
               values: Mapping[str, Any]) -> Project:
    """A copy of the project with each varied parameter set to its value."""
    graph = project.graph.copy()
    training = copy.deepcopy(project.training) if project.training is not None else {}
    for item in varied:
        if item.name not in values:
            continue
        value = values[item.name]
        if item.where == "node":
            graph.nodes[item.owner].params = {**graph.nodes[item.owner].params,
                                              item.param: value}
        elif item.where == "block":
            graph.blocks[item.owner].repeat = int(value)
        else:
            _set_training(training, item.param, value)
    return Project(project.name, graph, training, project.path, project.sweep)


def _set_training(training: dict[str, Any], name: str, value: Any) -> None:
    optimizer = training.get("optimizer", {"type": "Adam", "lr": 0.001})
    optimizer = {"type": optimizer} if isinstance(optimizer, str) else dict(optimizer)
    if name == "optimizer":
        # the arguments every optimiser takes survive the change of type
        kept = {k: v for k, v in optimizer.items() if k in ("lr", "weight_decay")}
        training["optimizer"] = {"type": value, **kept}
    elif name in ("lr", "weight_decay"):
        training["optimizer"] = {**optimizer, name: value}
    else:
        training[name] = value


def grid(varied: Sequence[Varied]) -> dict[str, list[Any]]:
    """The grid sampler's values per parameter: the choices, every step of a stepped range
    (every whole number of an int range), GRID_POINTS points of a float range."""
    space: dict[str, list[Any]] = {}
    size = 1
    for item in varied:
        if item.kind == "choice":
            points = [_encoded(c) for c in item.choices]
        elif item.kind == "int" and not item.log:
            points = list(range(int(item.low), int(item.high) + 1, int(item.step or 1)))
        elif item.step is not None:
            count = int((item.high - item.low) / item.step + 1e-9) + 1
            points = [item.low + i * item.step for i in range(count)]
        else:
            points = _spaced(item)
        space[item.name] = points
        size *= len(points)
    if size > MAX_GRID:
        raise SweepError(f"the grid has {size:,} points, more than {MAX_GRID:,} a sweep can "
                         "try; give the ranges a larger \"step\", fewer choices, or use the "
                         "tpe or random sampler")
    return space


def _spaced(item: Varied) -> list[Any]:
    low, high = float(item.low), float(item.high)
    fractions = [i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    if item.log:
        points = [low * (high / low) ** f for f in fractions]
    else:
        points = [low + (high - low) * f for f in fractions]
    if item.kind == "int":
        return sorted({round(p) for p in points})
    return points


SAMPLE_POINTS = 24


def sample_points(varied: Sequence[Varied], count: int = SAMPLE_POINTS,
                  seed: int = 0) -> list[dict[str, Any]]:
    """Points spread over the space: every low end, every high end, then random ones."""
    generator = random.Random(seed)

    def at(pick) -> dict[str, Any]:
        return {item.name: pick(item) for item in varied}

    points = [at(lambda v: v.choices[0] if v.kind == "choice" else v.low),
              at(lambda v: v.choices[-1] if v.kind == "choice" else v.high)]
    while len(points) < count:
        points.append(at(lambda v: _random_value(v, generator)))
    return points


def _random_value(item: Varied, generator: random.Random) -> Any:
    if item.kind == "choice":
        return generator.choice(item.choices)
    if item.kind == "int":
        return generator.randint(int(item.low), int(item.high))
    return generator.uniform(float(item.low), float(item.high))


def invalid_space_problem(project: Project, varied: Sequence[Varied]) -> str | None:
    """Why the space holds no valid network, from the first point tried; None when some
    point of it analyses without errors."""
    first: str | None = None
    for values in sample_points(varied):
        analysis = analyse(project_at(project, varied, values).graph)
        if analysis.ok:
            return None
        if first is None:
            first = f"at {point_text(values)}: {analysis.errors[0]}"
    return (f"every point of the search space tried ({SAMPLE_POINTS}) makes an invalid "
            f"network; {first}")


def point_text(values: Mapping[str, Any]) -> str:
    """'lr=0.003, lstm.hidden_size=96': a point as messages and the sweep's lines give it."""
    return ", ".join(f"{name}={_shown(value)}" for name, value in values.items())


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else json.dumps(value) \
        if not isinstance(value, str) else value
