"""What `--resume` does with settings changed since the run started: the data split it
started with is kept (it is stored with the run); learning rate, weight decay and the
optimiser's other numbers are applied to the resumed optimiser and said; another optimiser
or scheduler cannot carry its state over and is refused with what would work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.training.checkpoint import read_manifest
from engine.training.config import TrainingConfig, TrainingError

NAMES = {"lr": "learning rate", "weight_decay": "weight decay"}


@dataclass
class Resumption:
    settings: dict[str, Any]
    """The settings the run started with ({} for a run from before they were kept)."""
    split: tuple[float, int] | None = None
    """(validation_split, seed) to split the data by: the run's own."""
    notes: list[str] = field(default_factory=list)
    """Sentences about what changed and what the resumed run does about it."""


def _choice_name(choice: Any) -> str | None:
    return choice.get("type") if isinstance(choice, dict) else None


def changed_arguments(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The optimiser or scheduler arguments whose value differs, with the new value (None:
    back to torch's default)."""
    return {key: after.get(key) for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def plan_resume(out_dir: Path, config: TrainingConfig) -> Resumption:
    """Check that the run in `out_dir` can go on under `config`; raise TrainingError with
    what would work when it cannot."""
    manifest = read_manifest(out_dir)
    settings = manifest.get("settings") if manifest is not None else None
    if not isinstance(settings, dict) or not settings:
        return Resumption({})
    notes: list[str] = []
    old_optimizer = _choice_name(settings.get("optimizer"))
    if old_optimizer and old_optimizer != config.optimizer.type:
        raise TrainingError(
            f"the run in {out_dir} trained with {old_optimizer}, whose state cannot carry "
            f"over to {config.optimizer.type}; start a new run, or resume with "
            f"{old_optimizer}")
    old_scheduler = _choice_name(settings.get("scheduler"))
    new_scheduler = config.scheduler.type if config.scheduler else None
    if old_scheduler != new_scheduler:
        raise TrainingError(
            f"the run in {out_dir} trained with "
            f"{'the scheduler ' + old_scheduler if old_scheduler else 'no scheduler'}, and "
            f"the project now has {'the scheduler ' + new_scheduler if new_scheduler else 'none'}; "
            "start a new run, or resume with the run's scheduler")
    before = (settings.get("optimizer") or {}).get("args") or {}
    for key, value in changed_arguments(before, config.optimizer.args).items():
        name = NAMES.get(key, key)
        shown = "its default" if value is None else value
        notes.append(f"resuming with {name} {shown} (the run started with "
                     f"{before.get(key, 'the default')})")
    split = None
    fraction, seed = settings.get("validation_split"), settings.get("seed")
    if isinstance(fraction, (int, float)) and isinstance(seed, int):
        split = (float(fraction), seed)
        if (fraction, seed) != (config.validation_split, config.seed):
            notes.append(f"the run keeps the data split it started with (validation_split "
                         f"{fraction}, seed {seed}); the project's validation_split "
                         f"{config.validation_split} and seed {config.seed} apply to new "
                         "runs")
    return Resumption(settings, split, notes)


def apply_changes(optimizer, scheduler, settings: dict[str, Any],
                  config: TrainingConfig) -> None:
    """After the optimiser's state was loaded: give it the numbers the project has now
    where they differ from those the run started with (optimizer.defaults holds the
    project's, since the optimiser was built from them)."""
    before = (settings.get("optimizer") or {}).get("args") or {}
    for key in changed_arguments(before, config.optimizer.args):
        if key not in optimizer.defaults:
            continue
        value = optimizer.defaults[key]
        for group in optimizer.param_groups:
            group[key] = value
            if key == "lr" and "initial_lr" in group:
                group["initial_lr"] = value
        if key == "lr" and scheduler is not None and hasattr(scheduler, "base_lrs"):
            scheduler.base_lrs = [value for _ in optimizer.param_groups]
