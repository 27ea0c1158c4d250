"""A worker killed mid-trial (kill -9, a crash, a machine switched off) costs its trial's
time and nothing else: the trial is marked failed and queued again for whoever works on the
study next."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.storage.leftovers import process_alive

RETRIES = 2
"""How often a trial whose worker died is tried again before the sweep gives up on it."""
ABANDONED = "its worker stopped mid-trial (killed, or its machine went down)"


def worker_name() -> str:
    """Who runs a trial: this machine and process, so that others can tell if it died."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_dead(trial: Any) -> bool:
    """Whether the process running a trial has gone (killed, crashed, machine down): on this
    machine, its process (a live one is working on it, training or telling the study what
    its run gave); elsewhere, its run's lock, held while it trains (once training has
    ended, the worker is telling the study, and a database's heartbeat finds one that died
    then)."""
    from engine.training.runs import is_live

    worker = str(trial.user_attrs.get("worker", ""))
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not process_alive(int(pid))
    run = trial.user_attrs.get("run")
    if run is None or trial.user_attrs.get("trained"):
        return False
    return Path(run).exists() and not is_live(Path(run))


def recover_abandoned(study: Any, say: Callable[[str], None] = print) -> int:
    """Mark the running trials whose worker died as failed and queue each again (up to
    RETRIES times), so that a killed worker costs its trial's time and nothing else. How
    many were recovered."""
    from optuna.trial import TrialState

    recovered = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not _worker_dead(trial):
            continue
        try:
            # said before the trial ends: a finished trial takes no more attributes
            study._storage.set_trial_user_attr(trial._trial_id, "error", ABANDONED)
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except Exception:  # another worker recovered it first
            continue
        recovered += 1
        retry_abandoned(study, trial, say)
    return recovered


def retry_abandoned(study: Any, trial: Any, say: Callable[[str], None] = print) -> None:
    """A trial whose worker died, already marked failed: queue it again, up to RETRIES
    times. (Also what a database study's heartbeat calls for a worker that went silent.)"""
    retries = int(trial.user_attrs.get("retries", 0))
    if retries < RETRIES:
        study.enqueue_trial(dict(trial.params), user_attrs={
            "retry_of": trial.number, "retries": retries + 1}, skip_if_exists=False)
        say(f"trial {trial.number}: its worker stopped mid-trial; trying it again")
    else:
        say(f"trial {trial.number}: its worker stopped mid-trial, {retries + 1} times; "
            "left failed")


