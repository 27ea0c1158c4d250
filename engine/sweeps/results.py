"""A study's trials as rows a person reads: values, metric, cost, time and state; the best
trial, the Pareto front of two objectives, and which parameters mattered."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.sweeps.points import decoded_params
from engine.sweeps.space import Varied

STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed",
          "RUNNING": "running", "WAITING": "waiting"}


@dataclass(frozen=True)
class TrialRow:
    number: int
    state: str
    """complete, pruned, failed, running or waiting."""
    params: dict[str, Any]
    metric: float | None = None
    """The final value of the task's metric; for a pruned trial, its last reported."""
    cost: float | None = None
    """The second objective's value (MACs or parameters), where the study has one."""
    macs: int | None = None
    parameters: int | None = None
    seconds: float | None = None
    run: str | None = None
    error: str | None = None
    retry_of: int | None = None
    curve: list[float] = field(default_factory=list)
    """The metric after each epoch, as reported."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def read_rows(study: Any, varied: Sequence[Varied] = ()) -> list[TrialRow]:
    rows = []
    for trial in study.get_trials(deepcopy=False):
        attrs = trial.user_attrs
        values = trial.values or []
        curve = [float(v) for _, v in sorted(trial.intermediate_values.items())]
        metric = _number(values[0]) if values else (curve[-1] if curve else None)
        rows.append(TrialRow(
            trial.number, STATES.get(trial.state.name, trial.state.name.lower()),
            decoded_params(trial.params, varied), metric,
            _number(values[1]) if len(values) > 1 else None,
            attrs.get("macs"), attrs.get("parameters"), _number(attrs.get("seconds")),
            attrs.get("run"), attrs.get("error"), attrs.get("retry_of"), curve))
    return rows


def best_row(rows: Sequence[TrialRow], maximize: bool) -> TrialRow | None:
    complete = [r for r in rows if r.state == "complete" and r.metric is not None]
    if not complete:
        return None
    # ties go to the cheaper network, then the earlier trial
    if maximize:
        return max(complete, key=lambda r: (r.metric, -(r.macs or 0), -r.number))
    return min(complete, key=lambda r: (r.metric, r.macs or 0, r.number))


def pareto_rows(rows: Sequence[TrialRow], maximize: bool) -> list[TrialRow]:
    """The complete trials no other beats on both the metric and the cost, cheapest
    first."""
    complete = [r for r in rows if r.state == "complete" and r.metric is not None
                and r.cost is not None]

    def better(a: float, b: float) -> bool:
        return a > b if maximize else a < b

    front = []
    for row in complete:
        dominated = any(
            (better(o.metric, row.metric) or o.metric == row.metric) and o.cost <= row.cost
            and (better(o.metric, row.metric) or o.cost < row.cost) for o in complete)
        if not dominated:
            front.append(row)
    return sorted(front, key=lambda r: (r.cost, r.number))


def smallest_within(rows: Sequence[TrialRow], maximize: bool,
                    points: float = 0.01) -> TrialRow | None:
    """The cheapest complete trial whose metric is within `points` of the best: NNC's
    "the smallest network within 1 point of the best"."""
    best = best_row(rows, maximize)
    if best is None:
        return None
    near = [r for r in rows if r.state == "complete" and r.metric is not None
            and abs(r.metric - best.metric) <= points + 1e-12]
    return min(near, key=lambda r: (r.cost if r.cost is not None else r.macs or 0, r.number))


def importances(study: Any) -> dict[str, float] | None:
    """How much each parameter explained the metric (Optuna's fANOVA), or None while too
    few trials are complete to tell."""
    import optuna
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 3 or not complete[0].params:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.importance.get_param_importances(
                study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0),
                target=(lambda t: t.values[0]) if len(study.directions) > 1 else None)
    except (RuntimeError, ValueError, ZeroDivisionError, ImportError):
        return None
