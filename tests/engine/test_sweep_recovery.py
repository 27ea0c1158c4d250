"""Whose trial is abandoned: on this machine a trial's worker process tells (alive, it is
training or telling the study what its run gave, even with the run's lock let go); on
another machine the run's lock does, until training has ended."""

from __future__ import annotations

import os
import socket
from types import SimpleNamespace

from engine.sweeps.recovery import _worker_dead


def _trial(worker: str, **attrs) -> SimpleNamespace:
    return SimpleNamespace(user_attrs={"worker": worker, **attrs})


def test_a_live_worker_here_keeps_its_trial_even_between_its_run_and_telling(tmp_path):
    run = tmp_path / "20261207-120000"
    run.mkdir()  # a run folder whose lock is gone: training ended, the study not yet told
    here = f"{socket.gethostname()}:{os.getpid()}"
    assert not _worker_dead(_trial(here, run=str(run)))


def test_a_dead_worker_here_leaves_its_trial_to_be_recovered():
    gone = f"{socket.gethostname()}:{2 ** 22 + 12345}"  # Linux gives no pid above 2 ** 22
    assert _worker_dead(_trial(gone))


def test_elsewhere_a_run_without_its_lock_tells_until_training_has_ended(tmp_path):
    run = tmp_path / "20261207-120000"
    run.mkdir()
    elsewhere = "another-machine.example:4242"
    assert _worker_dead(_trial(elsewhere, run=str(run)))
    assert not _worker_dead(_trial(elsewhere, run=str(run), trained=True))
    assert not _worker_dead(_trial(elsewhere))  # not training yet: nothing tells
