"""The project's `sweep` section: what varies and how the search runs.

```json
"sweep": {
  "vary": [{"training": "lr", "low": 0.0003, "high": 0.03, "log": true}, ...],
  "objectives": ["metric", "macs"],
  "sampler": "tpe", "pruner": "median", "trials": 20, "timeout": null
}
```
Every key but "vary" is optional; what the command line gives (--trials, --timeout,
--study, --storage) overrides the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.graph import Graph
from engine.sweeps.space import SweepError, Varied, read_varied

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
COSTS = ("macs", "parameters")
"""The second objective a sweep may minimise besides the task's metric."""
KEYS = {"vary", "objectives", "sampler", "pruner", "trials", "timeout", "study", "storage"}
DEFAULT_TRIALS = 20
DEFAULT_STUDY = "sweep"
"""With a second objective the default study is 'sweep-macs' or 'sweep-parameters': a study
keeps what it optimises, so changing the objectives starts another."""
MAX_TRIALS = 100_000
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Sweep:
    varied: tuple[Varied, ...]
    cost: str | None = None
    """'macs' or 'parameters' for a second objective, None for the metric alone."""
    sampler: str = "tpe"
    pruner: str = "median"
    trials: int = DEFAULT_TRIALS
    timeout: float | None = None
    """Seconds each worker keeps starting trials for."""
    study: str = DEFAULT_STUDY
    storage: str | None = None
    """An Optuna storage URL; None: a journal file in the project's sweeps folder."""

    @property
    def objectives(self) -> list[str]:
        return ["metric"] + ([self.cost] if self.cost else [])


def read_sweep(data: Any, graph: Graph) -> Sweep:
    """The sweep section of a project, every fault a sentence of one SweepError."""
    if data is None:
        raise SweepError("the project has no sweep: mark at least one parameter to vary "
                         "(Vary… on a layer's parameter or a training setting, or a "
                         "\"sweep\": {\"vary\": [...]} section in the file)")
    if not isinstance(data, Mapping):
        raise SweepError("\"sweep\" must be an object with a \"vary\" list")
    problems: list[str] = []
    unknown = sorted(set(data) - KEYS)
    if unknown:
        problems.append(f"unknown sweep setting(s) {', '.join(map(repr, unknown))}; a sweep "
                        f"takes {', '.join(sorted(KEYS))}")
    entries = data.get("vary", [])
    varied: list[Varied] = []
    if not isinstance(entries, list):
        problems.append("\"vary\" must be a list of the parameters to vary")
        entries = []
    for position, item in enumerate(entries, start=1):
        try:
            varied.append(read_varied(item, graph, position))
        except SweepError as error:
            problems.extend(error.problems)
    names = [v.name for v in varied]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"the sweep varies {', '.join(twice)} more than once; keep one entry")
    if not entries and not problems:
        problems.append("the sweep varies nothing: mark at least one parameter to vary")
    try:
        sweep = _settings(data, tuple(varied))
    except SweepError as error:
        problems.extend(error.problems)
        sweep = None
    if problems or sweep is None:
        raise SweepError(problems)
    return sweep


def _settings(data: Mapping[str, Any], varied: tuple[Varied, ...]) -> Sweep:
    objectives = data.get("objectives", ["metric"])
    if (not isinstance(objectives, list) or not objectives or objectives[0] != "metric"
            or len(objectives) > 2 or any(o not in COSTS for o in objectives[1:])):
        raise SweepError("\"objectives\" must be [\"metric\"] or [\"metric\", \"macs\"] or "
                         f"[\"metric\", \"parameters\"], not {objectives!r}")
    sampler = data.get("sampler", "tpe")
    if sampler not in SAMPLERS:
        raise SweepError(f"\"sampler\" must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    pruner = data.get("pruner", "median")
    if pruner not in PRUNERS:
        raise SweepError(f"\"pruner\" must be one of {', '.join(PRUNERS)}, not {pruner!r}")
    trials = checked_trials(data.get("trials", DEFAULT_TRIALS))
    timeout = checked_timeout(data.get("timeout"))
    cost = objectives[1] if len(objectives) == 2 else None
    study = checked_study(data.get("study", DEFAULT_STUDY + (f"-{cost}" if cost else "")))
    storage = data.get("storage")
    if storage is not None and (not isinstance(storage, str) or not storage.strip()):
        raise SweepError("\"storage\" must be a database URL such as "
                         "sqlite:///study.db, or absent for the journal beside the project")
    return Sweep(varied, cost, sampler, pruner, trials, timeout, study, storage)


def checked_trials(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TRIALS:
        raise SweepError(f"the number of trials must be a whole number from 0 to "
                         f"{MAX_TRIALS:,}, not {value!r}")
    return value


def checked_timeout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise SweepError(f"the time budget must be a number of seconds above 0, not "
                         f"{value!r}")
    return float(value)


def checked_study(value: Any) -> str:
    if not isinstance(value, str) or not STUDY_NAME.match(value):
        raise SweepError(f"a study's name is 1 to 64 letters, digits, '_', '.' or '-' (it "
                         f"names a file), not {value!r}")
    return value
