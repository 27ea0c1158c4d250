"""One trial of a sweep: the project at the trial's point, trained as an ordinary run in
`NAME.runs/`, its epochs reported to the study so that a poor trial is pruned early."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from engine.analysis import analyse
from engine.project import Project
from engine.sweeps.points import project_at, suggest
from engine.sweeps.recovery import worker_name
from engine.sweeps.settings import Sweep
from engine.training.runs import TRIAL_FILE


class TrialFailed(Exception):
    """A trial that could not train (an invalid network at its point, a run that failed):
    the study marks it failed, with this sentence, and goes on."""


class TrialRunner:
    """Optuna's objective: called once per trial, in the worker's process."""

    def __init__(self, project: Project, sweep: Sweep, metric: str, cores_shared_by: int = 1):
        self.project, self.sweep, self.metric = project, sweep, metric
        self.cores_shared_by = cores_shared_by
        self._data: tuple[str, Any] | None = None

    def __call__(self, trial: Any) -> float | tuple[float, float]:
        import optuna

        from engine.training import TrainingError, build_trainer, plan_run
        from engine.training.events import EpochEnded, RunEnded, RunStarted
        from engine.training.runs import claim_new_run

        trial.set_user_attr("worker", worker_name())
        values = suggest(trial, self.sweep.varied)
        point = project_at(self.project, self.sweep.varied, values)
        analysis = analyse(point.graph, point.training)
        if not analysis.ok:
            raise self._failed(trial, f"the network is invalid at this point: "
                               f"{analysis.errors[0]}")
        costs = {"macs": analysis.total_macs, "parameters": analysis.total_params}
        for name, figure in costs.items():
            trial.set_user_attr(name, figure)
        try:
            plan = plan_run(point, load=self._load)
            folder = claim_new_run(self.project.path, self.project.name)
            _write_trial_file(folder, trial.study.study_name, trial.number, values)
            trainer = build_trainer(plan, out_dir=folder,
                                    cores_shared_by=self.cores_shared_by)
        except (TrainingError, OSError) as error:
            raise self._failed(trial, str(error).splitlines()[0]) from None
        pruned = False
        single = self.sweep.cost is None

        def listen(event: Any) -> None:
            nonlocal pruned
            if isinstance(event, RunStarted):
                # only now does the run hold its lock: from here on, a dead worker's trial
                # is told by its run
                trial.set_user_attr("run", str(folder))
            elif isinstance(event, RunEnded):
                # the lock goes with the run, before the study is told: a worker elsewhere
                # must not take the trial for abandoned in between
                trial.set_user_attr("trained", True)
            elif isinstance(event, EpochEnded) and single:
                value = event.metrics.get(self.metric)
                if isinstance(value, (int, float)) and math.isfinite(value):
                    trial.report(float(value), event.epoch)
                    if trial.should_prune():
                        pruned = True
                        trainer.stop()

        trainer.add_listener(listen)
        started = time.monotonic()
        result = trainer.run()
        trial.set_user_attr("seconds", round(time.monotonic() - started, 2))
        trial.set_user_attr("epochs", result.epochs_done)
        if pruned:
            raise optuna.TrialPruned()
        if result.reason == "failed":
            raise self._failed(trial, result.message)
        value = result.metrics.get(self.metric)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self._failed(trial, f"the run ended without a {self.metric}")
        if single:
            return float(value)
        return float(value), float(costs[self.sweep.cost])

    def _failed(self, trial: Any, reason: str) -> TrialFailed:
        trial.set_user_attr("error", reason)
        return TrialFailed(reason)

    def _load(self, entry, *args):
        """The dataset, made once per worker while the trials do not vary it."""
        from engine.data import load_dataset

        key = json.dumps([entry, [str(a) for a in args]], sort_keys=True, default=str)
        if self._data is None or self._data[0] != key:
            self._data = (key, load_dataset(entry, *args))
        return self._data[1]


def _write_trial_file(folder: Path, study: str, number: int, values: dict[str, Any]) -> None:
    from engine.storage import write_atomically

    write_atomically(folder / TRIAL_FILE, json.dumps(
        {"study": study, "trial": number, "values": values}, indent=2, default=str) + "\n")


def budget_spent(study: Any, trials: int) -> bool:
    """Whether the study has `trials` finished trials (complete or pruned), or twice as
    many failed ones (a space whose points all fail to train should not loop)."""
    from optuna.trial import TrialState

    states = [t.state for t in study.get_trials(deepcopy=False)]
    done = sum(s in (TrialState.COMPLETE, TrialState.PRUNED) for s in states)
    return done >= trials or states.count(TrialState.FAIL) >= max(trials, 1) * 2
