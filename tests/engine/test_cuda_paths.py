"""The GPU paths of training and profiling, run wherever CUDA is present (skipped on a
machine without it): in-memory data on the device once, losses read back only now and
then, cuDNN's autotuner for fixed shapes, channels-last convolutions and mixed precision,
each giving what the CPU's run gives within tolerance; `profile --device cuda` times the
kernels."""

from __future__ import annotations

import json

import pytest
import torch

from engine.cli import main
from engine.project import save_project
from engine.training import BatchEnded, build_trainer, plan_run
from engine.training.loss_readback import READ_EVERY_S
from tests.engine.training_helpers import classifier_project

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _run(project, device: str):
    trainer = build_trainer(plan_run(project), device)
    events: list = []
    trainer.add_listener(events.append)
    return trainer, trainer.run(), events


def test_a_run_on_cuda_keeps_its_data_there_reads_losses_seldom_and_learns_as_on_the_cpu(
        tmp_path):
    project = classifier_project(tmp_path, epochs=4)
    trainer, result, events = _run(project, "cuda")
    assert trainer.stepping.losses.every_s == READ_EVERY_S
    assert torch.backends.cudnn.benchmark
    assert next(trainer.model.parameters()).is_cuda
    batches = [e for e in events if isinstance(e, BatchEnded)]
    assert 4 <= len(batches) <= 48  # the last of each epoch at least
    _, on_cpu, _ = _run(project, "cpu")
    assert result.metrics["val_accuracy"] == pytest.approx(
        on_cpu.metrics["val_accuracy"], abs=0.05)


@pytest.mark.parametrize("settings", [{"precision": "16-mixed"}, {"precision": "bf16-mixed"},
                                      {"channels_last": True}])
def test_each_switch_trains_on_cuda(tmp_path, settings):
    if settings.get("precision") == "bf16-mixed" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    project = classifier_project(tmp_path, epochs=4, **settings)
    _, result, _ = _run(project, "cuda")
    assert result.reason == "completed" and result.metrics["val_accuracy"] >= 0.9


def test_profile_on_cuda_times_each_layer_on_the_gpu(tmp_path, capsys):
    project = classifier_project(tmp_path, epochs=1)
    save_project(project, tmp_path / "net.ndproj")
    assert main(["profile", str(tmp_path / "net.ndproj"), "--device", "cuda",
                 "--repeats", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["device"] == "cuda" and data["step_seconds"] > 0
