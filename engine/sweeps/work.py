"""A worker of a sweep: checks the sweep before any trial runs, then runs trials of the
shared study until its budget is spent, recovering trials whose worker died."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.analysis import analyse
from engine.project import Project
from engine.sweeps.points import invalid_space_problem, point_text
from engine.sweeps.recovery import recover_abandoned
from engine.sweeps.settings import Sweep, read_sweep
from engine.sweeps.space import SweepError
from engine.sweeps.study import metric_direction, open_study
from engine.sweeps.trial import TrialFailed, TrialRunner, budget_spent


@dataclass(frozen=True)
class Prepared:
    project: Project
    sweep: Sweep
    metric: str
    maximize: bool
    epochs: int


def prepare(project: Project, overrides: dict[str, Any] | None = None) -> Prepared:
    """The sweep as the project and the command line give it, checked: every fault a
    sentence of one SweepError, before any trial runs."""
    from engine.training.config import TrainingError, read_training

    data = dict(project.sweep or {}) if project.sweep is not None else None
    if data is not None and overrides:
        data.update({k: v for k, v in overrides.items() if v is not None})
    sweep = read_sweep(data, project.graph)
    analysis = analyse(project.graph, project.training)
    if not analysis.ok and all(v.where == "training" for v in sweep.varied):
        raise SweepError("the network has errors that no point of the sweep changes: "
                         f"{analysis.errors[0]}")
    problem = invalid_space_problem(project, sweep.varied)
    if problem:
        raise SweepError(problem)
    metric, direction = metric_direction(project)
    try:
        epochs = read_training(project.training).epochs
    except TrainingError as error:
        raise SweepError(str(error)) from None
    return Prepared(project, sweep, metric, direction == "maximize", epochs)


def describe_row(number: int, state: str, values: dict[str, Any], metric_name: str,
                 metric: float | None, extra: str = "") -> str:
    point = point_text(values)
    figure = f" → {metric_name} {metric:.4g}" if metric is not None else ""
    return f"trial {number}{' ' + state if state else ''}: {point}{figure}{extra}"


def run_worker(prepared: Prepared, cores_shared_by: int = 1,
               say: Callable[[str], None] = print, seed: int | None = None) -> Any:
    """Run trials until the study's budget is spent (or the sweep's timeout passes); the
    study."""
    from optuna.trial import TrialState

    from engine.sweeps.points import decoded_params

    sweep = prepared.sweep
    # a point with dropout on one recurrent layer is analysed with a warning already; torch
    # would repeat it for every trial
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.nn.modules.rnn")
    study = open_study(prepared.project, sweep, prepared.epochs, seed)
    recover_abandoned(study, say)
    if budget_spent(study, sweep.trials):
        return study
    runner = TrialRunner(prepared.project, sweep, prepared.metric, cores_shared_by)

    def after_trial(study: Any, trial: Any) -> None:
        values = decoded_params(trial.params, sweep.varied)
        state = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned",
                 TrialState.FAIL: "failed"}.get(trial.state, trial.state.name.lower())
        metric = trial.values[0] if trial.values else (
            trial.intermediate_values[max(trial.intermediate_values)]
            if trial.intermediate_values else None)
        extra = ""
        if trial.state == TrialState.FAIL and trial.user_attrs.get("error"):
            extra = f" ({trial.user_attrs['error']})"
        elif "seconds" in trial.user_attrs:
            extra = f" ({trial.user_attrs['seconds']:.1f} s)"
        say(describe_row(trial.number, state, values, prepared.metric, metric, extra))
        recover_abandoned(study, say)
        if budget_spent(study, sweep.trials):
            study.stop()

    study.optimize(runner, timeout=sweep.timeout,
                   catch=(TrialFailed,), callbacks=[after_trial], gc_after_trial=True)
    return study
