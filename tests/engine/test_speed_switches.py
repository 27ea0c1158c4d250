"""The speed switches of a run: precision (32-true, bf16-mixed, 16-mixed) and compile,
each refused with a sentence where it cannot run, and a network torch.compile cannot
compile trains as it is, with a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.cli import main
from engine.project import save_project
from engine.training import speed
from engine.training.config import TrainingError, read_training
from tests.engine.training_helpers import classifier_project

BASE = {"dataset": {"name": "digits"}, "loss": "CrossEntropyLoss"}


@pytest.mark.parametrize(("settings", "words"), [
    ({"precision": "fp16"}, '"precision" must be one of 32-true, bf16-mixed, 16-mixed'),
    ({"compile": "yes"}, '"compile" must be true or false'),
    ({"channels_last": 1}, '"channels_last" must be true or false'),
])
def test_an_impossible_switch_is_a_sentence(settings, words):
    with pytest.raises(TrainingError, match=words):
        read_training({**BASE, **settings})


def test_16_mixed_needs_cuda_and_bf16_needs_a_processor_that_has_it(monkeypatch):
    cpu = torch.device("cpu")
    assert "needs a CUDA GPU" in speed.precision_problem("16-mixed", cpu)
    monkeypatch.setattr(speed, "native_bf16", lambda: False)
    assert "no native bfloat16" in speed.precision_problem("bf16-mixed", cpu)
    monkeypatch.setattr(speed, "native_bf16", lambda: True)
    assert speed.precision_problem("bf16-mixed", cpu) is None
    assert speed.precision_problem("32-true", cpu) is None


def _train(tmp_path, capsys, **settings):
    project = classifier_project(tmp_path, epochs=4, **settings)
    save_project(project, tmp_path / "net.ndproj")
    code = main(["train", str(tmp_path / "net.ndproj"), "--out", str(tmp_path / "run")])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def test_a_cpu_without_native_bf16_refuses_bf16_mixed_before_training(tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setattr(speed, "native_bf16", lambda: False)
    code, printed = _train(tmp_path, capsys, precision="bf16-mixed")
    assert code != 0 and "no native bfloat16" in printed and "Traceback" not in printed


def test_bf16_mixed_trains_to_the_accuracy_of_float32(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(speed, "native_bf16", lambda: True)  # autocast runs anywhere
    code, printed = _train(tmp_path, capsys, precision="bf16-mixed")
    assert code == 0, printed
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["result"]["metrics"]["val_accuracy"] >= 0.9


def test_a_network_that_cannot_be_compiled_trains_as_it_is_with_a_note(tmp_path, capsys,
                                                                        monkeypatch):
    def refuse(*_, **__):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(torch, "compile", refuse)
    code, printed = _train(tmp_path, capsys, compile=True)
    assert code == 0, printed
    assert "note: the network could not be compiled (no C++ compiler found); it trains as " \
        "it is (eager)" in printed
    weights = load_file(str(tmp_path / "run" / "weights.safetensors"))
    assert not any(key.startswith("_orig_mod") for key in weights)


def test_a_compiled_network_trains_says_what_compiling_took_and_saves_plain_weights(
        tmp_path, capsys):
    code, printed = _train(tmp_path, capsys, compile=True)
    assert code == 0, printed
    assert "note: compiling the network took" in printed or \
        "note: the network could not be compiled" in printed  # no compiler on the machine
    weights = load_file(str(tmp_path / "run" / "weights.safetensors"))
    assert not any(key.startswith("_orig_mod") for key in weights)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["result"]["metrics"]["val_accuracy"] >= 0.9


def _digits_cnn(tmp_path, **training):
    from engine.project import load_project

    project = load_project(Path(__file__).parents[2] / "projects" / "digits_cnn.ndproj")
    project.training.update({"epochs": 2, "threads": 1, **training})
    save_project(project, tmp_path / "cnn.ndproj")
    return project


def test_channels_last_puts_convolutions_and_images_in_that_order_and_learns_the_same(
        tmp_path):
    from engine.training import build_trainer, plan_run

    plain = build_trainer(plan_run(_digits_cnn(tmp_path)))
    switched = build_trainer(plan_run(_digits_cnn(tmp_path, channels_last=True)))
    # conv2: 32 channels in (one channel reads the same in either order)
    weight = switched.model.conv2.weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert not plain.model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    switched.model.conv2.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    results = plain.run().metrics, switched.run().metrics
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    assert results[1]["val_accuracy"] == pytest.approx(results[0]["val_accuracy"], abs=0.02)
    assert results[1]["val_loss"] == pytest.approx(results[0]["val_loss"], rel=0.05)


def test_channels_last_without_a_2d_convolution_says_it_changes_nothing(tmp_path, capsys):
    code, printed = _train(tmp_path, capsys, channels_last=True)
    assert code == 0, printed
    assert "note: channels_last changes nothing here: the network has no 2-D convolution" \
        in printed


def test_train_py_carries_channels_last(tmp_path):
    from engine.export.train_script import _settings

    config = read_training({**BASE, "channels_last": True})
    assert "CHANNELS_LAST = True" in _settings(config)
