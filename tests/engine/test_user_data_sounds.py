"""Sounds as the user keeps them, read as a dataset and trained on: class folders, split
folders and manifests of WAV, FLAC and Ogg files at any rate, standardised per mel band with
the training split's statistics (kept with the run and in export), the Input that fits
them, and sounds that cannot be read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.catalogue import TensorInfo
from engine.data import DataError, load_dataset
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import only_torch_and_numpy, run_bare
from tests.engine.sound_helpers import pitch_classes, tone, write_sound
from tests.engine.training_helpers import chain_project

SPECTROGRAM = TensorInfo((1, 20, 40))


def load(root: Path, entry: dict, sample: TensorInfo = SPECTROGRAM):
    return load_dataset(entry, base_dir=root, sample=sample, cache_dir=root / "p.cache")


def sound_project(folder: Path, dataset: dict, classes: int = 2, **training) -> Path:
    layers = [("Input", {"shape": [1, 20, 40]}),
              ("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
              ("ReLU", {}), ("MaxPool2d", {"kernel_size": 2}), ("ToSequence", {}),
              ("GRU", {"hidden_size": 12}), ("LastStep", {}),
              ("Linear", {"out_features": classes})]
    settings = {"dataset": {"workers": 0, **dataset}, "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 4, "epochs": 3,
                "validation_split": 0.25, "seed": 0, **training}
    chain_project(folder, layers, settings)
    return folder / "tiny.ndproj"


def test_class_folders_of_sounds_in_any_format_and_rate(tmp_path):
    for number, (suffix, rate) in enumerate(((".wav", 8_000), (".flac", 44_100),
                                             (".ogg", 22_050))):
        for label, pitch in (("low", 300.0), ("high", 3000.0)):
            write_sound(tmp_path / "s" / label / f"{number}{suffix}",
                        tone(pitch, 0.5, rate, seed=number), rate, stereo=number == 1)
    data = load(tmp_path, {"path": "s"})
    assert data.classes == ["high", "low"] and len(data.x) == 6
    batch = data.x[0:6]
    assert batch.shape == (6, 1, 20, 40) and batch.dtype == torch.float32


def test_each_mel_band_is_standardised_with_the_training_split(tmp_path):
    pitch_classes(tmp_path / "s", per_class=4)
    data = load(tmp_path, {"path": "s"})
    values = data.x[0:len(data.x)]
    assert values.mean(dim=(0, 1, 3)).abs().max() < 1e-3
    assert (values.std(dim=(0, 1, 3)) - 1).abs().max() < 0.05
    raw = load(tmp_path, {"path": "s", "standardise": False}).x[0:len(data.x)]
    assert abs(float(raw.mean())) > 1  # log-mel power, not standardised
    decoder = data.x.index.decoder
    assert len(decoder.mean) == 20 and decoder.statistics()["per"] == "mel band"


def test_split_folders_and_a_manifest_with_splits(tmp_path):
    for split in ("train", "valid", "test"):
        pitch_classes(tmp_path / "s" / split, per_class=2)
    data = load(tmp_path, {"path": "s"})
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (4, 4, 4)
    rows = ["path,label,split"]
    for number, label in enumerate(("a", "b", "a", "b", "a", "b")):
        write_sound(tmp_path / "m" / f"{number}.wav", tone(300 if label == "a" else 2000))
        split = ("train", "train", "train", "train", "test", "validation")[number]
        rows.append(f"{number}.wav,{label},{split}")
    (tmp_path / "m" / "sounds.csv").write_text("\n".join(rows) + "\n")
    listed = load(tmp_path, {"path": "m/sounds.csv"})
    assert (len(listed.x), len(listed.x_val), len(listed.x_test)) == (4, 1, 1)


def test_an_input_that_is_no_spectrogram_is_refused_with_one_that_fits(tmp_path):
    pitch_classes(tmp_path / "s", seconds=0.5)
    with pytest.raises(DataError) as caught:
        load(tmp_path, {"path": "s"}, TensorInfo((40, 98)))
    assert "holds sounds, read as log-mel spectrograms [1, mel bands, frames]" in str(
        caught.value)
    assert caught.value.suggested_input == [1, 40, 48]


@pytest.mark.parametrize("option, value, said", [
    ("rate", 10, "\"rate\" must be a whole number from 1000"),
    ("hop_ms", 0, "\"hop_ms\" must be a number from 0.5"),
    ("standardise", "yes", "\"standardise\" must be true or false"),
    ("n_mels", 40, "unknown dataset option(s) n_mels; sounds take rate, window_ms"),
])
def test_every_option_is_checked_with_a_sentence(tmp_path, option, value, said):
    pitch_classes(tmp_path / "s")
    with pytest.raises(DataError, match=re.escape(said)):
        load(tmp_path, {"path": "s", option: value})


def test_too_many_mel_bands_for_the_window_are_refused(tmp_path):
    pitch_classes(tmp_path / "s")
    with pytest.raises(DataError, match="300 mel bands need windows of at least 598 samples"):
        load(tmp_path, {"path": "s", "window_ms": 10}, TensorInfo((1, 300, 20)))


def test_a_run_trains_on_sounds_keeps_the_standardisation_and_lists_bad_files(tmp_path,
                                                                             capsys):
    pitch_classes(tmp_path / "s", per_class=5, seconds=0.3)
    (tmp_path / "s" / "low" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    project = sound_project(tmp_path, {"path": "s"})
    code, out, err = run(capsys, "train", str(project))
    assert code == 0, err + out
    assert "10 sounds lasted less than the 0.42 s the Input's 40 frames take" in out
    assert "low/broken.wav cannot be read as sound" in out
    run_folder = next(project.with_name("tiny.runs").iterdir())
    saved = json.loads((run_folder / "metrics.json").read_text())
    assert len(saved["data"]["standardisation"]["mean"]) == 20
    assert saved["data"]["skipped"][0]["sample"] == "low/broken.wav"


def test_the_exported_train_py_reads_the_sounds_as_netdesigner_does(tmp_path, capsys):
    pitch_classes(tmp_path / "s", per_class=4, seconds=0.5)
    project = sound_project(tmp_path, {"path": "s"}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    code = tmp_path / "code"
    assert run(capsys, "export", str(project), "--format", "python", "-o", str(code))[0] == 0
    assert (code / "sound_reading.py").exists()
    listing = json.loads((code / "data.json").read_text())
    assert len(listing["standardisation"]["mean"]) == 20
    packages = only_torch_and_numpy(tmp_path / "site", also=("soundfile",))
    measured = run_bare(["train.py", "--init", "weights.safetensors", "--epochs", "0"], code,
                        packages)
    assert measured.returncode == 0, measured.stderr
    figures = dict(re.findall(r"(val_\w+) ([-\d.e]+)", measured.stdout))
    run_folder = next(project.with_name("tiny.runs").iterdir())
    ours = json.loads((run_folder / "metrics.json").read_text())["result"]["metrics"]
    assert float(figures["val_loss"]) == pytest.approx(ours["val_loss"], abs=1e-4)


def test_the_built_in_sounds_are_spectrograms_of_five_kinds():
    from engine.data import BUILTINS

    data = BUILTINS["sounds"].make(0)
    assert data.sample_shape == (1, 40, 98) and len(data.classes) == 5
    assert len(data.x) == 2000 and len(data.x_val) == 500
    assert sorted(np.bincount(data.y.numpy())) == sorted(np.bincount(data.y.numpy()))
    assert abs(float(data.x.mean())) < 0.05
