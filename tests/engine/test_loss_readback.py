"""Reading the loss back from the device only when it is needed (a GPU's way): the same
curves and results as reading it after every batch, fewer batch events, and a loss that is
not finite still ends the run with the last good weights. Forced here on the CPU, where a
readback costs nothing and every batch's loss is read."""

from __future__ import annotations

import torch

from engine.training import BatchEnded, build_trainer, plan_run
from engine.training.loss_readback import READ_EVERY_S, LossReadback
from tests.engine.training_helpers import classifier_project, poison_after_epoch_one


def _trainer(project, every_s: float | None):
    trainer = build_trainer(plan_run(project))
    if every_s is not None:
        trainer.stepping.losses = LossReadback(every_s)
    events: list = []
    trainer.add_listener(events.append)
    return trainer, events


def test_each_device_reads_as_often_as_it_pays():
    assert LossReadback.for_device(torch.device("cpu")).immediate
    on_gpu = LossReadback.for_device(torch.device("cuda"))
    assert not on_gpu.immediate and on_gpu.every_s == READ_EVERY_S


def test_losses_read_once_an_epoch_give_the_same_run_as_every_batch(tmp_path):
    project = classifier_project(tmp_path, epochs=3, threads=1)
    every, every_events = _trainer(project, None)
    deferred, deferred_events = _trainer(project, 3600.0)  # only at each epoch's end

    def figures(result):
        return {k: v for k, v in result.metrics.items() if k != "seconds"}

    assert figures(every.run()) == figures(deferred.run())
    assert [row["train_loss"] for row in every.history] == \
        [row["train_loss"] for row in deferred.history]
    batches = [e for e in every_events if isinstance(e, BatchEnded)]
    read = [e for e in deferred_events if isinstance(e, BatchEnded)]
    assert len(batches) == 36 and [e.batch for e in read] == [12, 12, 12]
    # the batch read last is the same batch, with the same loss
    assert [e.loss for e in read] == [e.loss for e in batches if e.batch == 12]
    for before, after in zip(every.model.state_dict().values(),
                             deferred.model.state_dict().values(), strict=True):
        assert torch.equal(before, after)


def test_a_loss_that_is_not_finite_is_found_when_read_and_the_last_good_weights_stay(
        tmp_path):
    trainer, _ = _trainer(classifier_project(tmp_path, epochs=4), 3600.0)
    kept = poison_after_epoch_one(trainer)
    result = trainer.run()
    assert result.reason == "failed" and result.epochs_done == 1
    assert "epoch 2, batch 12 of 12: the loss became nan" in result.message
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, kept[key]), key


def test_a_stop_between_two_readbacks_reads_what_is_left(tmp_path):
    trainer, _ = _trainer(classifier_project(tmp_path, epochs=2), 3600.0)
    steps = []

    def stop_in_epoch_two(*_):
        steps.append(1)
        if len(steps) == 12 + 5:  # the fifth batch of epoch 2
            trainer.stop()

    trainer.model.register_forward_hook(stop_in_epoch_two)
    result = trainer.run()
    assert result.reason == "stopped" and "during epoch 2" in result.message
    assert trainer.stepping.losses.pending == 0
    assert len(trainer.history) == 1 and trainer.history[0]["train_loss"] > 0
