"""The trainer: every loss with its metrics, events, stop/pause/resume, failures that keep
the last good weights, checkpoints, resuming and determinism."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
import torch

from engine.training import (
    BatchEnded,
    EpochEnded,
    RunEnded,
    RunStarted,
    TrainingError,
    build_trainer,
    plan_run,
)
from engine.training.checkpoint import read_manifest
from tests.engine.training_helpers import (
    blobs,
    chain_project,
    classifier_project,
    poison_after_epoch_one,
)


def trainer_for(project, out_dir=None, epochs=None):
    return build_trainer(plan_run(project, epochs=epochs), out_dir=out_dir)


def recorded(trainer) -> list:
    events: list = []
    trainer.add_listener(events.append)
    return events


def test_a_classifier_learns_and_reports_accuracy_and_a_confusion_matrix(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=6))
    events = recorded(trainer)
    result = trainer.run()
    assert result.reason == "completed" and result.epochs_done == 6
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1, 2, 3, 4, 5, 6]
    assert trainer.history[-1]["val_accuracy"] > 0.9
    assert trainer.history[-1]["train_loss"] < trainer.history[0]["train_loss"]
    matrix = result.metrics["confusion_matrix"]
    assert len(matrix) == 3 and sum(map(sum, matrix)) == 60
    assert set(trainer.history[0]) == {"epoch", "train_loss", "val_loss", "val_accuracy",
                                       "lr", "seconds", "threads"}


def test_events_arrive_in_order_with_loss_and_throughput(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=2))
    events = recorded(trainer)
    trainer.run()
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunEnded)
    started = events[0]
    assert (started.train_samples, started.val_samples, started.batches_per_epoch) == (
        180, 60, 12)
    batches = [e for e in events if isinstance(e, BatchEnded)]
    assert len(batches) == 24 and batches[-1].batch == batches[-1].batches == 12
    assert all(b.samples_per_second > 0 and math.isfinite(b.loss) and b.lr == 0.01
               for b in batches)


def regression_data(folder, binary=False):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    target = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    y = (target > 0).astype(np.float32) if binary else target
    np.savez(folder / "data.npz", x=x, y=y)


@pytest.mark.parametrize(("loss", "metric", "good"), [
    ("MSELoss", "val_mae", lambda v: v < 0.5),
    ("L1Loss", "val_mae", lambda v: v < 0.5),
    ("BCEWithLogitsLoss", "val_accuracy", lambda v: v > 0.85),
])
def test_regression_and_binary_losses_train_with_their_metric(tmp_path, loss, metric, good):
    regression_data(tmp_path, binary=loss == "BCEWithLogitsLoss")
    project = chain_project(tmp_path, [("Input", {"shape": [3]}),
                                       ("Linear", {"out_features": 16}), ("Tanh", {}),
                                       ("Linear", {"out_features": 1})],
                            {"dataset": {"path": "data.npz"}, "loss": loss,
                             "optimizer": {"type": "Adam", "lr": 0.02}, "epochs": 25,
                             "batch_size": 32})
    trainer = trainer_for(project)
    trainer.run()
    assert good(trainer.history[-1][metric]), trainer.history[-1]


def test_ctc_learns_label_strings_and_reports_sequence_accuracy_and_cer(tmp_path):
    # each time step shows one symbol as a one-hot vector, repeated over several steps
    rng = np.random.default_rng(0)
    x = np.zeros((300, 12, 4), np.float32)
    y = np.full((300, 3), -1, np.int64)
    for i in range(300):
        labels = rng.choice([1, 2, 3], size=3, replace=False)
        for step in range(12):
            x[i, step, labels[min(step // 4, 2)]] = 1.0
        y[i] = labels
    np.savez(tmp_path / "strings.npz", x=x, y=y)
    project = chain_project(tmp_path, [("Input", {"shape": [12, 4]}),
                                       ("GRU", {"hidden_size": 24, "bidirectional": True}),
                                       ("Linear", {"out_features": 4})],
                            {"dataset": {"path": "strings.npz"}, "loss": "CTCLoss",
                             "optimizer": {"type": "Adam", "lr": 0.02}, "epochs": 12,
                             "batch_size": 20, "gradient_clip": 5.0})
    trainer = trainer_for(project)
    trainer.run()
    last = trainer.history[-1]
    assert last["val_sequence_accuracy"] > 0.8 and last["val_cer"] < 0.1, last


def test_ctc_greedy_decoding_merges_repeats_and_drops_blanks():
    from engine.training.config import Choice
    from engine.training.tasks import Sequences, edit_distance

    task = Sequences(Choice("CTCLoss"))
    steps = torch.tensor([[0, 1, 1, 0, 1, 2, 2, 0]])
    scores = torch.nn.functional.one_hot(steps, 3).float()
    assert task.decode(scores) == [[1, 1, 2]]
    assert edit_distance([1, 2, 3], [1, 3]) == 1 and edit_distance([], [4, 4]) == 2


def test_stop_takes_effect_within_one_batch_and_keeps_a_usable_model(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=5))
    events = recorded(trainer)

    def stop_at_batch_three(event):
        if isinstance(event, BatchEnded) and event.epoch == 2 and event.batch == 3:
            trainer.stop()

    trainer.add_listener(stop_at_batch_three)
    result = trainer.run()
    batches = [e for e in events if isinstance(e, BatchEnded)]
    assert (batches[-1].epoch, batches[-1].batch) == (2, 3)
    assert result.reason == "stopped" and result.epochs_done == 1
    assert 0.0 <= result.metrics["val_accuracy"] <= 1.0
    x, _ = blobs(8)
    assert torch.isfinite(trainer.predict(torch.from_numpy(x))).all()


def test_pause_holds_the_run_between_batches_until_resume(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=2))
    events = recorded(trainer)
    paused = threading.Event()

    def pause_at_batch_two(event):
        if isinstance(event, BatchEnded) and event.epoch == 1 and event.batch == 2:
            trainer.pause()
            paused.set()

    trainer.add_listener(pause_at_batch_two)
    thread = threading.Thread(target=trainer.run)
    thread.start()
    assert paused.wait(10)
    time.sleep(0.3)
    held = len(events)
    time.sleep(0.3)
    assert trainer.paused and len(events) == held
    assert isinstance(events[-1], BatchEnded) and events[-1].batch == 2
    trainer.resume()
    thread.join(30)
    assert trainer.result.reason == "completed"


def test_a_nan_loss_ends_the_run_and_keeps_the_last_good_weights(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=4))
    kept = poison_after_epoch_one(trainer)
    result = trainer.run()
    assert result.reason == "failed" and result.epochs_done == 1
    assert "epoch 2, batch 1 of 12: the loss became nan" in result.message
    assert "weights from the end of epoch 1 are kept" in result.message
    assert "gradient_clip" in result.message
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, kept[key]), key


def test_an_error_inside_a_batch_ends_the_run_with_its_reason(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=2))

    def fail(*args):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    trainer.model.forward = fail
    result = trainer.run()
    assert result.reason == "failed" and "out of memory" in result.message
    assert "smaller batch_size" in result.message


def test_the_same_seed_gives_the_same_curves(tmp_path):
    # threads fixed: "auto" follows how busy the machine is, which the curves do not
    project = classifier_project(tmp_path, epochs=3, threads=1)
    first, second = trainer_for(project), trainer_for(project)
    first.run()
    second.run()
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in first.history]
    assert strip == [{k: v for k, v in row.items() if k != "seconds"}
                     for row in second.history]


def test_every_epoch_is_checkpointed_and_a_run_resumes_where_it_stopped(tmp_path):
    project = classifier_project(tmp_path, epochs=4)
    whole = trainer_for(project)
    whole.run()

    interrupted = trainer_for(project, out_dir=tmp_path / "run", epochs=2)
    interrupted.run()
    manifest = read_manifest(tmp_path / "run")
    state = torch.load(tmp_path / "run" / manifest["state"], weights_only=True)
    assert state["epoch"] == 2 and "optimizer" in state

    resumed = trainer_for(project, out_dir=tmp_path / "run", epochs=4)
    events = recorded(resumed)
    resumed.run(resume=True)
    assert events[0].first_epoch == 3
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3, 4]
    for row, expected in zip(resumed.history, whole.history, strict=True):
        assert row["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-5)
        assert row["val_loss"] == pytest.approx(expected["val_loss"], rel=1e-5)


def test_resuming_without_a_checkpoint_or_past_the_end_is_explained(tmp_path):
    project = classifier_project(tmp_path, epochs=2)
    with pytest.raises(TrainingError, match="there is no checkpoint to resume"):
        trainer_for(project, out_dir=tmp_path / "empty").run(resume=True)
    trainer_for(project, out_dir=tmp_path / "run").run()
    with pytest.raises(TrainingError, match="already has 2 epochs of 2"):
        trainer_for(project, out_dir=tmp_path / "run").run(resume=True)


def test_early_stopping_keeps_the_best_weights(tmp_path):
    project = classifier_project(tmp_path, epochs=40, early_stopping={
        "monitor": "val_loss", "patience": 2, "min_delta": 10.0})
    trainer = trainer_for(project)
    result = trainer.run()
    assert result.reason == "early_stopping" and result.epochs_done == 3
    assert "the weights of epoch 1" in result.message


@pytest.mark.parametrize("scheduler", [
    {"type": "StepLR", "step_size": 1, "gamma": 0.5},
    {"type": "CosineAnnealingLR"},
    {"type": "OneCycleLR", "max_lr": 0.05},
    {"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5, "threshold": 10.0},
])
def test_schedules_change_the_learning_rate(tmp_path, scheduler):
    trainer = trainer_for(classifier_project(tmp_path, epochs=3, scheduler=scheduler))
    trainer.run()
    rates = [row["lr"] for row in trainer.history]
    assert len(set(rates)) > 1 or rates[-1] != 0.01, rates


@pytest.mark.parametrize("optimizer", [
    {"type": "SGD", "lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"type": "AdamW", "lr": 0.01, "weight_decay": 0.01},
    {"type": "RMSprop", "lr": 0.005},
])
def test_each_optimizer_trains(tmp_path, optimizer):
    trainer = trainer_for(classifier_project(tmp_path, epochs=4, optimizer=optimizer,
                                             gradient_clip=1.0))
    trainer.run()
    assert trainer.history[-1]["val_accuracy"] > 0.8


def test_validation_samples_come_with_prediction_and_truth_as_text(tmp_path):
    trainer = trainer_for(classifier_project(tmp_path, epochs=4))
    trainer.run()
    x, predictions, truths = trainer.samples(10)
    assert x.shape == (10, 4) and len(predictions) == len(truths) == 10
    assert set(truths) <= {"0", "1", "2"}
    assert sum(p == t for p, t in zip(predictions, truths, strict=True)) >= 8


def test_ctc_samples_are_decoded_strings():
    from engine.training.config import Choice
    from engine.training.tasks import Sequences

    task = Sequences(Choice("CTCLoss"))
    steps = torch.tensor([[0, 2, 2, 0, 3]])
    scores = torch.nn.functional.one_hot(steps, 4).float()
    assert task.describe(scores, torch.tensor([[2, 3, -1]]), ["a", "b", "c"]) == (["bc"],
                                                                                 ["bc"])


def test_a_label_per_step_reads_as_runs_when_there_are_many():
    from engine.training.tasks import spans

    assert spans(["up", "down"]) == "up down"
    labels = ["none"] * 20 + ["ramp"] * 8 + ["none"] * 35 + ["wobble"]
    assert spans(labels) == "none ×20 ramp ×8 none ×35 wobble"
