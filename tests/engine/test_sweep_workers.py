"""Sweeps run by several worker processes on one study: a journal file beside the project
or an sqlite database, a worker killed mid-trial, and what `netdesigner sweep` says."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from engine.project import load_project
from engine.sweeps import read_sweep
from engine.sweeps.results import read_rows
from engine.sweeps.study import open_study
from engine.training.runs import project_runs, read_trial_file
from tests.engine.cli_helpers import run
from tests.engine.sweep_helpers import finished, start_worker, swept_project, wait_for


def _study(project_file: Path, storage: str | None = None):
    project = load_project(project_file)
    sweep = read_sweep({**project.sweep, **({"storage": storage} if storage else {})},
                       project.graph)
    return open_study(project, sweep, 3, create=False), sweep


def _trials_of(project_file: Path, storage: str | None = None):
    study, sweep = _study(project_file, storage)
    return study.get_trials(deepcopy=False), read_rows(study, sweep.varied)


@pytest.mark.parametrize("storage", [None, "sqlite"])
def test_two_workers_run_distinct_trials_of_one_study(tmp_path, storage):
    swept_project(tmp_path, trials=6)
    project_file = tmp_path / "tiny.ndproj"
    url = f"sqlite:///{tmp_path / 'study.db'}" if storage else None
    options = ["--trials", "6", "--seed", "0", *(["--storage", url] if url else [])]
    first = start_worker(project_file, *options)
    second = start_worker(project_file, *options[:-2] if not url else options)
    outputs = finished(first) + finished(second)
    trials, rows = _trials_of(project_file, url)
    complete = [row for row in rows if row.state in ("complete", "pruned")]
    assert len(complete) >= 6, outputs
    assert len({t.number for t in trials}) == len(trials)
    assert len({t.user_attrs["worker"] for t in trials}) == 2, "both workers ran trials"
    # every trial trained as a run of the project's, which says which trial it was
    for row in complete:
        assert read_trial_file(Path(row.run))["trial"] == row.number
    labels = {record.trial for record in project_runs(project_file, "tiny")}
    assert {f"sweep trial {row.number}" for row in complete} <= labels
    if storage is None:
        assert (tmp_path / "tiny.sweeps" / "sweep.journal").exists()
    else:
        assert not (tmp_path / "tiny.sweeps").exists()


def test_a_worker_killed_mid_trial_leaves_a_study_that_goes_on(tmp_path):
    # trials of a few seconds, so that one is surely mid-way when its worker dies
    swept_project(tmp_path, trials=4, epochs=150, pruner="none")
    project_file = tmp_path / "tiny.ndproj"
    doomed = start_worker(project_file, "--seed", "1")
    survivor = start_worker(project_file, "--seed", "2")

    def doomed_is_training():
        try:
            trials, _ = _trials_of(project_file)
        except Exception:  # the study is not there yet
            return False
        return any(t.state.name == "RUNNING" and "run" in t.user_attrs
                   and t.user_attrs["worker"].endswith(f":{doomed.pid}") for t in trials)

    wait_for(doomed_is_training)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    output = finished(survivor)
    trials, rows = _trials_of(project_file)
    killed = [t for t in trials if t.user_attrs.get("worker", "").endswith(f":{doomed.pid}")
              and t.state.name != "COMPLETE"]
    assert len(killed) == 1, output
    assert killed[0].state.name == "FAIL"
    assert "stopped mid-trial" in killed[0].user_attrs["error"]
    retry = [t for t in trials if t.user_attrs.get("retry_of") == killed[0].number]
    assert len(retry) == 1 and retry[0].state.name == "COMPLETE", output
    assert retry[0].params == killed[0].params
    assert sum(row.state == "complete" for row in rows) >= 4
    assert f"trial {killed[0].number}: its worker stopped mid-trial; trying it again" \
        in output


def test_the_sweep_command_prints_each_trial_and_the_best(tmp_path, capsys):
    swept_project(tmp_path, trials=3)
    code, out, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--workers", "1",
                         "--seed", "0")
    assert code == 0, err
    assert "sweeping 2 parameter(s) for 3 trials, 1 at a time" in out
    assert "n1.out_features from 4 to 32" in out and "lr from 0.001 to 0.1, log" in out
    assert out.count(" complete: ") >= 3
    assert "best trial " in out and "val_accuracy" in out
    # --trials 0 shows the study without running more
    code, again, _ = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--trials", "0")
    assert code == 0 and "study 'sweep': 3 complete" in again
    assert " complete: " not in again


def test_two_objectives_give_a_pareto_front(tmp_path, capsys):
    swept_project(tmp_path, trials=5, objectives=["metric", "macs"])
    code, out, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--workers", "1",
                         "--seed", "3", "--study", "cost")
    assert code == 0, err
    assert "Pareto front (val_accuracy against macs):" in out
    assert "smallest within 1 point of the best: trial" in out
    # the study keeps what it optimises: the same name with one objective is refused
    code, _, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--study", "cost",
                       "--trials", "1")
    assert code == 0  # the project's own objectives: the study goes on
    project = load_project(tmp_path / "tiny.ndproj")
    project.sweep = {**project.sweep, "objectives": ["metric"]}
    from engine.project import save_project

    save_project(project, tmp_path / "tiny.ndproj")
    code, _, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--study", "cost")
    assert code == 1
    assert "optimises val_accuracy and macs, not val_accuracy; give the sweep another " \
        "--study name" in err


@pytest.mark.parametrize(("storage", "sentence"), [
    ("sqlite:////no/such/folder/study.db", "cannot reach the study's storage"),
    ("postgresql://sweeper:secret@127.0.0.1:9/studies", "postgresql://sweeper:***@"),
])
def test_a_storage_that_cannot_be_reached_is_a_sentence_before_any_trial(
        tmp_path, capsys, storage, sentence):
    swept_project(tmp_path, trials=2)
    code, out, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--storage",
                         storage, "--workers", "1")
    assert code == 1
    assert sentence in err and "Traceback" not in err
    assert "secret" not in err
    assert " complete: " not in out
    assert not (tmp_path / "tiny.runs").exists()


def test_a_project_without_a_sweep_says_what_to_mark(tmp_path, capsys):
    project = swept_project(tmp_path)
    project.sweep = None
    from engine.project import save_project

    save_project(project, tmp_path / "tiny.ndproj")
    code, _, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"))
    assert code == 1
    assert "cannot sweep: the project has no sweep: mark at least one parameter" in err


def test_workers_started_by_one_command_share_the_study(tmp_path, capsys):
    # trials of a second or two: the second worker starts (torch's import) before the
    # first could finish them all
    swept_project(tmp_path, trials=6, epochs=80, pruner="none")
    code, out, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--workers", "2",
                         "--seed", "5")
    assert code == 0, err
    assert "for 6 trials, 2 at a time" in out
    trials, rows = _trials_of(tmp_path / "tiny.ndproj")
    assert sum(row.state in ("complete", "pruned") for row in rows) >= 6
    assert len({t.user_attrs["worker"] for t in trials}) == 2


def test_points_where_the_network_is_invalid_fail_with_the_reason_and_the_sweep_goes_on(
        tmp_path, capsys):
    # a Conv1d over 4 steps: kernels of 5 and more do not fit, 2 to 4 do
    project = swept_project(tmp_path, trials=4, vary=[
        {"node": "n1", "param": "kernel_size", "choices": [2, 3, 6, 7]}], sampler="grid")
    project.graph.nodes["n0"].params = {"shape": [1, 4]}
    project.graph.nodes["n1"].type = "Conv1d"
    project.graph.nodes["n1"].params = {"out_channels": 4, "kernel_size": 3}
    project.graph.nodes["n2"].type = "Flatten"
    project.graph.nodes["n2"].params = {}
    from engine.project import save_project

    save_project(project, tmp_path / "tiny.ndproj")
    import numpy as np

    data = np.load(tmp_path / "blobs.npz")
    np.savez(tmp_path / "blobs.npz", x=data["x"][:, None, :], y=data["y"])
    code, out, err = run(capsys, "sweep", str(tmp_path / "tiny.ndproj"), "--workers", "1")
    assert code == 0, err
    _, rows = _trials_of(tmp_path / "tiny.ndproj")
    by_kernel = {row.params["n1.kernel_size"]: row for row in rows}
    assert by_kernel[2].state == by_kernel[3].state == "complete"
    for kernel in (6, 7):
        assert by_kernel[kernel].state == "failed"
        assert "the network is invalid at this point" in by_kernel[kernel].error
    assert "failed: n1.kernel_size=6" in out


def test_a_stopped_worker_marks_its_trial_failed_and_the_study_goes_on(tmp_path):
    swept_project(tmp_path, trials=2, epochs=150, pruner="none")
    project_file = tmp_path / "tiny.ndproj"
    worker = start_worker(project_file, "--seed", "1")

    def training():
        try:
            trials, _ = _trials_of(project_file)
        except Exception:
            return False
        return any(t.state.name == "RUNNING" and "run" in t.user_attrs for t in trials)

    wait_for(training)
    worker.send_signal(signal.SIGTERM)  # what the designer's Stop sends
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 130, output
    assert "stopped; the study keeps every finished trial" in output
    trials, _ = _trials_of(project_file)
    assert [t.state.name for t in trials] == ["FAIL"]
    finished(start_worker(project_file, "--seed", "2"))
    _, rows = _trials_of(project_file)
    assert [row.state for row in rows] == ["failed", "complete", "complete"]
