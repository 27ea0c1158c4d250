"""The speed switches of a run: precision (auto, 32-true, bf16-mixed, 16-mixed) and
compile, each refused with a sentence where it cannot run, and a network torch.compile
cannot compile trains as it is, with a note; auto trains in bf16-mixed where the processor
computes bfloat16 natively and the network has the work for it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
    ({"precision": "fp16"}, '"precision" must be one of auto, 32-true, bf16-mixed, 16-mixed'),
    ({"compile": "yes"}, '"compile" must be true or false'),
    ({"channels_last": 1}, '"channels_last" must be true, false or "auto"'),
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

    plain = build_trainer(plan_run(_digits_cnn(tmp_path, channels_last=False)))
    switched = build_trainer(plan_run(_digits_cnn(tmp_path, channels_last=True)))
    by_default = build_trainer(plan_run(_digits_cnn(tmp_path)))  # auto: a Conv2d network
    assert by_default.model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    # conv2: 32 channels in (one channel reads the same in either order)
    weight = switched.model.conv2.weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    assert not plain.model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    switched.model.conv2.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    results = plain.run().metrics, switched.run().metrics
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    # the first epoch's mean loss agrees closely; after it rounding differences grow: the
    # optimiser's fused step against its loop alone moved this val_loss by 10 %
    assert switched.history[0]["train_loss"] == pytest.approx(plain.history[0]["train_loss"],
                                                              rel=0.01)
    assert results[1]["val_accuracy"] == pytest.approx(results[0]["val_accuracy"], abs=0.03)
    assert results[1]["val_loss"] == pytest.approx(results[0]["val_loss"], rel=0.25)


def test_channels_last_without_a_2d_convolution_says_it_changes_nothing(tmp_path, capsys):
    code, printed = _train(tmp_path, capsys, channels_last=True)
    assert code == 0, printed
    assert "note: channels_last changes nothing here: the network has no 2-D convolution" \
        in printed


def test_auto_channels_last_says_nothing_where_there_is_no_2d_convolution(tmp_path, capsys):
    code, printed = _train(tmp_path, capsys)
    assert code == 0, printed
    assert "channels_last changes nothing" not in printed
    assert read_training(BASE).channels_last == "auto"


def test_train_py_carries_channels_last(tmp_path):
    from engine.export.train_script import _settings

    config = read_training({**BASE, "channels_last": True})
    assert "CHANNELS_LAST = True" in _settings(config)
    assert 'CHANNELS_LAST = "auto"' in _settings(read_training(BASE))


def test_auto_chooses_bf16_where_the_processor_has_it_and_the_network_the_work(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(speed, "native_bf16", lambda: True)
    assert speed.chosen_precision("auto", cpu, speed.BF16_WORTHWHILE_MACS)[0] == "bf16-mixed"
    assert speed.chosen_precision("auto", cpu, speed.BF16_WORTHWHILE_MACS - 1) == \
        ("32-true", None)
    assert speed.chosen_precision("32-true", cpu, 10**9) == ("32-true", None)
    monkeypatch.setattr(speed, "native_bf16", lambda: False)
    assert speed.chosen_precision("auto", cpu, 10**9) == ("32-true", None)
    assert read_training(BASE).precision == "auto"


def test_the_work_of_gru_and_rnn_layers_does_not_count_toward_bf16(tmp_path):
    from engine.analysis import analyse
    from tests.engine.training_helpers import chain_project

    def work(recurrent: str) -> tuple[int, int]:
        project = chain_project(tmp_path, [("Input", {"shape": [64, 1]}),
                                           (recurrent, {"hidden_size": 32}),
                                           ("Linear", {"out_features": 4})], BASE)
        analysis = analyse(project.graph)
        return speed.bf16_work(analysis.nodes), analysis.total_macs

    gru_work, gru_total = work("GRU")
    assert gru_work == 64 * (32 * 4 + 4) and gru_total > gru_work
    lstm_work, lstm_total = work("LSTM")
    assert lstm_work == lstm_total


def test_a_run_in_auto_says_what_it_chose_and_computes_in_bfloat16(tmp_path, capsys,
                                                                    monkeypatch):
    from engine.project import load_project
    from engine.training.run import build_trainer, plan_run
    from tests.engine.training_helpers import blobs, chain_project

    monkeypatch.setattr(speed, "native_bf16", lambda: True)
    x, y = blobs()
    np.savez(tmp_path / "blobs.npz", x=x, y=y)
    settings = {"dataset": {"path": "blobs.npz"}, "loss": "CrossEntropyLoss",
                "epochs": 1, "batch_size": 16}
    project = chain_project(tmp_path, [("Input", {"shape": [4]}),
                                       ("Linear", {"out_features": 1024}), ("ReLU", {}),
                                       ("Linear", {"out_features": 256}),
                                       ("Linear", {"out_features": 3})], settings)
    save_project(project, tmp_path / "wide.ndproj")
    trainer = build_trainer(plan_run(load_project(tmp_path / "wide.ndproj")), "cpu")
    assert trainer.stepping.precision == "bf16-mixed"
    assert trainer.stepping.notes[0].startswith("precision auto: bf16-mixed")
    seen = []
    first = next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear))
    first.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    assert trainer.run().reason == "completed"
    assert seen and seen[0] == torch.bfloat16
    code = main(["train", str(tmp_path / "wide.ndproj"), "--out", str(tmp_path / "run")])
    assert code == 0 and "note: precision auto: bf16-mixed" in capsys.readouterr().out


def test_train_py_chooses_as_the_trainer_does(tmp_path):
    from engine.export.train_script import _settings

    config = read_training(BASE)
    assert 'PRECISION = "auto"' in "\n".join(_settings(config, 10**6))
    assert "BF16_PAYS = True" in _settings(config, speed.BF16_WORTHWHILE_MACS)
    assert "BF16_PAYS = False" in _settings(config, 1000)
