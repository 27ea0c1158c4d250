"""Where a sweep's study lives and how it searches: an Optuna study in a journal file beside
the project (`NAME.sweeps/STUDY.journal`, which processes on machines sharing a file system
can all join) or in a database given by URL."""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from pathlib import Path
from typing import Any

from engine.project import Project
from engine.sweeps.points import grid
from engine.sweeps.recovery import retry_abandoned
from engine.sweeps.settings import Sweep
from engine.sweeps.space import SweepError
from engine.training.stepping import first_line

HEARTBEAT_S = 10
"""A database study's workers beat this often; one silent for GRACE_S has died."""
GRACE_S = 40


def sweeps_folder(project: Project) -> Path:
    """Beside the project file: `NAME.sweeps/`."""
    if project.path is None:
        raise SweepError("save the project first: its sweeps are kept beside its file")
    return project.path.with_name(f"{project.path.stem}.sweeps")


def journal_path(project: Project, study: str) -> Path:
    return sweeps_folder(project) / f"{study}.journal"


def quiet_optuna() -> None:
    """Optuna logs every trial, and every failed one with its traceback; the sweep says
    what happened in its own lines."""
    import optuna

    optuna.logging.set_verbosity(logging.ERROR)
    with contextlib.suppress(AttributeError):
        optuna.logging.disable_propagation()


def open_storage(project: Project, sweep: Sweep, create: bool = True) -> Any:
    """The study's storage, or SweepError saying why it cannot be reached."""
    import optuna

    quiet_optuna()
    url = sweep.storage
    if url is None or url.endswith(".journal"):
        path = journal_path(project, sweep.study) if url is None else Path(url)
        if not create and not path.exists():
            raise SweepError(f"there is no study '{sweep.study}' yet: {path} does not exist")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

            # the open lock (O_EXCL) works on network file systems where links may not
            backend = JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path)))
            return optuna.storages.JournalStorage(backend)
        except OSError as error:
            raise SweepError(f"cannot keep the study in {path}: "
                             f"{error.strerror or error}") from None
    try:
        return _database(url)
    except ModuleNotFoundError as error:
        raise SweepError(f"the storage {_redacted(url)} needs the Python package "
                         f"'{error.name}', which is not installed; install it (pip install "
                         f"{error.name}) or use a journal file or sqlite:/// URL") from None
    except Exception as error:  # sqlalchemy's errors for any URL or server fault
        raise SweepError(f"cannot reach the study's storage {_redacted(url)}: "
                         f"{first_line(error)}") from None


def _database(url: str, attempts: int = 3) -> Any:
    """An RDB storage whose workers beat a heart, so that one gone silent (on any machine)
    has its trial failed and queued again. Workers starting together may race to create
    the tables (a table or a version row that already exists): the loser tries again, and
    so does a server that is still starting."""
    import optuna

    def connect() -> Any:
        with warnings.catch_warnings():  # the heartbeat is "experimental" since 2.9
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                url, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S,
                heartbeat_stale_trial_callback=retry_abandoned)

    for attempt in range(attempts):
        try:
            return connect()
        except ModuleNotFoundError:
            raise
        except Exception:
            time.sleep(0.25 * (attempt + 1))
    return connect()


def _redacted(url: str) -> str:
    """A URL without its password, for messages."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def metric_direction(project: Project) -> tuple[str, str]:
    """The task's headline validation metric and whether the study maximises it."""
    from engine.training.config import TrainingError, read_training
    from engine.training.tasks import task_for

    try:
        config = read_training(project.training)
    except TrainingError as error:
        raise SweepError(f"the project cannot train, so nothing can be swept: {error}") \
            from None
    task = task_for(config.loss)
    return task.metric, "maximize" if task.higher_is_better else "minimize"


def sampler_for(sweep: Sweep, seed: int | None = None) -> Any:
    import optuna

    if sweep.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if sweep.sampler == "grid":
        return optuna.samplers.GridSampler(grid(sweep.varied), seed=seed)
    startup = min(10, max(3, sweep.trials // 3))
    return optuna.samplers.TPESampler(n_startup_trials=startup, seed=seed,
                                      multivariate=True, constant_liar=True)


def pruner_for(sweep: Sweep, epochs: int) -> Any:
    import optuna

    if sweep.cost is not None or sweep.pruner == "none":
        # Optuna prunes single-objective studies only
        return optuna.pruners.NopPruner()
    if sweep.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(1, epochs))
    return optuna.pruners.MedianPruner(n_startup_trials=4,
                                       n_warmup_steps=max(1, epochs // 4))


def open_study(project: Project, sweep: Sweep, epochs: int, seed: int | None = None,
               create: bool = True) -> Any:
    """The sweep's study, created on first use; a study of that name that optimises
    something else is refused with a sentence."""
    import optuna

    metric, direction = metric_direction(project)
    directions = [direction] + (["minimize"] if sweep.cost else [])
    storage = open_storage(project, sweep, create)
    try:
        if not create:
            return optuna.load_study(study_name=sweep.study, storage=storage,
                                     sampler=sampler_for(sweep, seed),
                                     pruner=pruner_for(sweep, epochs))
        study = optuna.create_study(storage=storage, study_name=sweep.study,
                                    sampler=sampler_for(sweep, seed),
                                    pruner=pruner_for(sweep, epochs),
                                    directions=directions, load_if_exists=True)
    except KeyError:
        raise SweepError(f"there is no study '{sweep.study}' in "
                         f"{describe_storage(project, sweep)}") from None
    except Exception as error:
        raise SweepError(f"cannot open the study '{sweep.study}': {first_line(error)}") \
            from None
    objectives = [metric] + ([sweep.cost] if sweep.cost else [])
    known = study.user_attrs.get("objectives")
    if known is None:
        study.set_user_attr("objectives", objectives)
        study.set_user_attr("project", project.name)
    elif known != objectives:
        raise SweepError(f"the study '{sweep.study}' optimises {' and '.join(known)}, not "
                         f"{' and '.join(objectives)}; give the sweep another --study name")
    return study


def describe_storage(project: Project, sweep: Sweep) -> str:
    if sweep.storage is None:
        return str(journal_path(project, sweep.study))
    return _redacted(sweep.storage)
