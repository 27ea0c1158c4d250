"""Run folders are claimed once, locked while a run lives, and read whatever they hold."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.storage import clean_stale
from engine.storage.names import writer
from engine.training import TrainingError
from engine.training.runs import (
    RunLock,
    claim_new_run,
    is_live,
    newest_run,
    project_runs,
    read_metrics,
    read_run,
    run_folders,
)

ROOT = Path(__file__).resolve().parents[2]


def _claim_after(barrier, project: str, queue) -> None:
    barrier.wait()
    queue.put(str(claim_new_run(Path(project), "tiny")))


def test_runs_started_in_the_same_instant_by_several_processes_get_folders_of_their_own(
        tmp_path):
    context = multiprocessing.get_context("spawn")
    count = 6
    barrier, queue = context.Barrier(count), context.Queue()
    project = tmp_path / "tiny.ndproj"
    workers = [context.Process(target=_claim_after, args=(barrier, str(project), queue))
               for _ in range(count)]
    for worker in workers:
        worker.start()
    folders = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    assert len(set(folders)) == count
    assert all(Path(folder).is_dir() for folder in folders)
    # the -2, -3, ... of one second sort after the first, -10 after -9
    assert [p.name for p in run_folders(tmp_path / "tiny.runs")] == \
        sorted((Path(f).name for f in folders), key=lambda n: (n[:15], int(n[16:] or 1)))


def test_the_tenth_run_of_a_second_is_the_newest(tmp_path):
    runs = tmp_path / "tiny.runs"
    for name in ["20260101-120000", *(f"20260101-120000-{n}" for n in range(2, 11))]:
        (runs / name).mkdir(parents=True)
        (runs / name / "checkpoint.json").write_text("{}")
    assert newest_run(tmp_path / "tiny.ndproj", "tiny").name == "20260101-120000-10"


def test_a_locked_run_is_live_and_cannot_be_trained_twice(tmp_path):
    run = tmp_path / "run"
    with RunLock(run):
        assert is_live(run)
        assert read_run(run).state == "running"
        with pytest.raises(TrainingError, match="still going"):
            RunLock(run).acquire()
    assert not is_live(run)


def test_a_lock_dies_with_its_process(tmp_path):
    run = tmp_path / "run"
    code = ("import os, sys; from pathlib import Path; from engine.training.runs import RunLock;"
            f"RunLock(Path({str(run)!r})).acquire(); os._exit(9)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False, timeout=60)
    assert (run / "run.lock").exists()
    assert not is_live(run)
    RunLock(run).acquire()


@pytest.mark.parametrize("content", ["null", "[1, 2]", "{\"history\": 3, \"result\": []}",
                                     "{bad json", "\"text\"", "[" * 5000 + "]" * 5000])
def test_any_metrics_file_reads_as_metrics_or_as_none(tmp_path, content):
    run = tmp_path / "20260101-120000"
    run.mkdir()
    (run / "metrics.json").write_text(content)
    (run / "weights.safetensors").write_bytes(b"x")
    metrics = read_metrics(run)
    assert metrics is None or (isinstance(metrics["history"], list)
                               and metrics["result"] is None)
    record = read_run(run)
    assert record.state in ("finished", "interrupted")
    assert isinstance(record.describe(), str)


def test_runs_are_listed_as_finished_interrupted_or_running(tmp_path):
    runs = tmp_path / "tiny.runs"
    finished, interrupted, empty = (runs / "20260101-120000", runs / "20260101-120001",
                                    runs / "20260101-120002")
    for folder in (finished, interrupted, empty):
        folder.mkdir(parents=True)
    (finished / "weights.safetensors").write_bytes(b"x")
    (finished / "metrics.json").write_text(json.dumps({
        "history": [{"epoch": 1}], "result": {"message": "completed 1 epoch",
                                             "epochs_done": 1}}))
    (interrupted / "checkpoint.json").write_text(json.dumps({
        "epoch": 3, "sha256": {}, "settings": {"epochs": 10}}))
    records = project_runs(tmp_path / "tiny.ndproj", "tiny")
    assert [(r.folder.name, r.state) for r in records] == [
        (finished.name, "finished"), (interrupted.name, "interrupted")]
    assert records[1].describe() == "interrupted after epoch 3 of 10"
    assert records[1].resumable and not records[0].resumable


def test_what_a_killed_process_left_half_written_is_cleaned_up(tmp_path):
    host = writer().rsplit("-", 1)[0]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = [tmp_path / f".weights.safetensors.{host}-{dead}.abc_12.tmp",
            tmp_path / f".out.{host}-{dead}.x9y.stage"]
    left[0].write_bytes(b"half")
    left[1].mkdir()
    mine = tmp_path / f".metrics.json.{writer()}.k2.tmp"
    mine.write_text("{}")
    kept = tmp_path / "weights.safetensors"
    kept.write_bytes(b"whole")
    assert sorted(clean_stale(tmp_path)) == sorted(left)
    assert mine.exists() and kept.exists()


def test_another_machines_temporaries_are_left_a_day_on_a_shared_folder(tmp_path):
    recent = tmp_path / ".weights.safetensors.othermachine-12.ab.tmp"
    old = tmp_path / ".metrics.json.othermachine-13.cd.tmp"
    for path in (recent, old):
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert clean_stale(tmp_path) == [old]
    assert recent.exists()


def test_a_second_resume_of_a_run_still_going_is_refused(tmp_path, capsys):
    from tests.engine.cli_helpers import run
    from tests.engine.training_helpers import classifier_project

    classifier_project(tmp_path, epochs=1)
    project, out = tmp_path / "tiny.ndproj", tmp_path / "run"
    assert run(capsys, "train", str(project), "--out", str(out))[0] == 0
    with RunLock(out):
        code, _, err = run(capsys, "train", str(project), "--out", str(out), "--resume",
                           "--epochs", "2")
    assert code == 1
    assert f"the run in {out} is still going (process {os.getpid()})" in err
