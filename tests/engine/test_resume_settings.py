"""Resume after an edit is explicit: the split is the run's own, a new learning rate is
applied and said, another optimiser or scheduler is refused with what would work."""

from __future__ import annotations

import json

from engine.project import load_project, save_project
from tests.engine.cli_helpers import run
from tests.engine.training_helpers import classifier_project


def _edit(path, **training) -> None:
    project = load_project(path)
    project.training.update(training)
    save_project(project, path)


def _trained(tmp_path, capsys, epochs: int = 2, **training):
    classifier_project(tmp_path, epochs=epochs, **training)
    project, out = tmp_path / "tiny.ndproj", tmp_path / "run"
    code, _, err = run(capsys, "train", str(project), "--out", str(out))
    assert code == 0, err
    return project, out


def test_a_changed_learning_rate_is_applied_to_the_resumed_run_and_said(tmp_path, capsys):
    project, out = _trained(tmp_path, capsys)
    _edit(project, optimizer={"type": "Adam", "lr": 0.05, "weight_decay": 0.001}, epochs=4)
    code, printed, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 0, err
    assert "resuming with learning rate 0.05 (the run started with 0.01)" in printed
    assert "resuming with weight decay 0.001 (the run started with the default)" in printed
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert [row["lr"] for row in history] == [0.01, 0.01, 0.05, 0.05]


def test_a_scheduled_learning_rate_goes_on_from_where_it_was_when_nothing_changed(
        tmp_path, capsys):
    project, out = _trained(tmp_path, capsys, scheduler={"type": "StepLR", "step_size": 1,
                                                         "gamma": 0.5})
    _edit(project, epochs=3)
    code, printed, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 0, err
    assert "resuming with" not in printed
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert [row["lr"] for row in history] == [0.01, 0.005, 0.0025]


def test_another_optimiser_is_refused_with_a_sentence(tmp_path, capsys):
    project, out = _trained(tmp_path, capsys)
    _edit(project, optimizer={"type": "SGD", "lr": 0.1, "momentum": 0.9}, epochs=3)
    code, _, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 1
    assert ("trained with Adam, whose state cannot carry over to SGD; start a new run, or "
            "resume with Adam") in err
    assert "internal error" not in err and "KeyError" not in err


def test_another_scheduler_is_refused_with_a_sentence(tmp_path, capsys):
    project, out = _trained(tmp_path, capsys)
    _edit(project, scheduler={"type": "CosineAnnealingLR"}, epochs=3)
    code, _, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 1
    assert "trained with no scheduler" in err and "CosineAnnealingLR" in err


def test_a_changed_split_resumes_on_the_split_the_run_started_with(tmp_path, capsys):
    project, out = _trained(tmp_path, capsys)
    _edit(project, validation_split=0.5, seed=7, epochs=3)
    code, printed, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 0, err
    assert "180 samples of [4], 60 validation" in printed
    assert "keeps the data split it started with (validation_split 0.25, seed 0)" in printed
    code, printed, err = run(capsys, "train", str(project), "--out", str(tmp_path / "new"))
    assert "120 samples of [4], 120 validation" in printed


def test_a_run_killed_after_its_last_epoch_is_finished_by_resume(tmp_path, capsys):
    project, out = _trained(tmp_path, capsys)
    (out / "metrics.json").unlink()  # as a kill between the weights and the metrics leaves
    code, _printed, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 0, err
    saved = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in saved["history"]] == [1, 2]
    assert saved["result"]["reason"] == "completed"
    assert "val_accuracy" in saved["result"]["metrics"]
    code, _, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 1 and "already has 2 epochs of 2; ask for more epochs" in err
