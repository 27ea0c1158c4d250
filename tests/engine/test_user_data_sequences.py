"""Sequences as users keep them (sensor recordings, motion capture, features per frame):
one file per sequence, .npy or a .csv / .tsv / .txt table with or without a header, in
class folders, split folders or listed by a manifest; fitted to the Input's steps with
their true lengths kept, standardised per feature over the real steps only, read [steps,
features] or, for a network that starts with Conv1d, [features, steps]; files that cannot
be read are named with the line at fault; a run trains on them and train.py reads them as
Netdesigner does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.catalogue import TensorInfo
from engine.data import DataError, load_dataset
from engine.project import load_project
from engine.training.run import plan_run
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import only_torch_and_numpy, run_bare
from tests.engine.training_helpers import chain_project

STEPS, FEATURES = 16, 3
SEQUENCE = TensorInfo((STEPS, FEATURES))


def write_sequence(path: Path, values: np.ndarray, style: str = "npy") -> None:
    """One sequence [steps, features] as people save them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if style == "npy":
        np.save(path.with_suffix(".npy"), values)
        return
    rows = [[f"{v:.5f}" for v in row] for row in values]
    names = [f"sensor_{i}" for i in range(values.shape[1])]
    if style == "csv_header":
        text = "\n".join(",".join(r) for r in [names, *rows])
        suffix = ".csv"
    elif style == "csv":
        text = "\n".join(",".join(r) for r in rows)
        suffix = ".csv"
    elif style == "semicolon":
        text = "\n".join(";".join(r) for r in [names, *rows])
        suffix = ".csv"
    elif style == "tsv":
        text = "\n".join("\t".join(r) for r in [names, *rows])
        suffix = ".tsv"
    else:  # whitespace-separated text, as numpy.savetxt writes it
        text = "\n".join(" ".join(r) for r in rows)
        suffix = ".txt"
    path.with_suffix(suffix).write_text(text + "\n", encoding="utf-8")


def last_sign_task(root: Path, count: int = 40, seed: int = 0, style: str = "npy",
                   shortest: int = 3, longest: int = 16, layout: str = "classes") -> Path:
    """Sequences of 3 to 16 steps whose class is the sign of the first feature at their
    last step: only a network that finds each sequence's end gets them right."""
    rng = np.random.default_rng(seed)
    lines = ["file,label"]
    for number in range(count):
        length = int(rng.integers(shortest, longest + 1))
        values = rng.normal(0, 1, (length, FEATURES)).astype(np.float32)
        label = "up" if values[-1, 0] > 0 else "down"
        if layout == "classes":
            write_sequence(root / label / f"s{number:03d}", values, style)
        else:
            write_sequence(root / "recordings" / f"s{number:03d}", values, style)
            lines.append(f"recordings/s{number:03d}.npy,{label}")
    if layout == "manifest":
        (root / "labels.csv").write_text("\n".join(lines) + "\n")
        return root / "labels.csv"
    return root


def load(root: Path, entry: dict, sample: TensorInfo = SEQUENCE, consumer: str = "LSTM"):
    return load_dataset(entry, base_dir=root, sample=sample, cache_dir=root / "p.cache",
                        consumer=consumer)


@pytest.mark.parametrize("style", ["npy", "csv_header", "csv", "semicolon", "tsv", "txt"])
def test_each_file_style_reads_the_same_values(tmp_path, style):
    values = np.arange(30, dtype=np.float32).reshape(10, 3) / 7
    for label in ("a", "b"):
        write_sequence(tmp_path / "s" / label / "one", values, style)
    data = load(tmp_path, {"path": "s", "standardise": False})
    (batch, lengths), _ = data.x.read_inputs(np.arange(2))
    assert batch.shape == (2, STEPS, FEATURES) and lengths.tolist() == [10, 10]
    np.testing.assert_allclose(batch[0, :10].numpy(), values, atol=1e-5)
    assert float(batch[0, 10:].abs().max()) == 0


def test_sequences_are_padded_or_cropped_at_the_end_with_their_true_lengths(tmp_path):
    for label, length in (("short", 5), ("long", 40)):
        write_sequence(tmp_path / "s" / label / "x",
                       np.ones((length, FEATURES), np.float32) * (length % 7 + 1))
    data = load(tmp_path, {"path": "s", "standardise": False})
    (batch, lengths), _ = data.x.read_inputs(np.arange(2))
    assert sorted(lengths.tolist()) == [5, STEPS]
    short = int(np.argmin(lengths.numpy()))
    assert float(batch[short, 5:].abs().max()) == 0 and float(batch[short, :5].min()) == 6


def test_centred_sequences_come_without_lengths(tmp_path):
    for label in ("a", "b"):
        write_sequence(tmp_path / "s" / label / "x", np.ones((6, FEATURES), np.float32))
    data = load(tmp_path, {"path": "s", "fit": "centre", "standardise": False})
    inputs, _ = data.x.read_inputs(np.arange(2))
    assert len(inputs) == 1
    assert inputs[0][0, :, 0].tolist() == [0] * 5 + [1] * 6 + [0] * 5


def test_each_feature_is_standardised_over_the_real_steps_only(tmp_path):
    rng = np.random.default_rng(1)
    for number in range(12):
        values = rng.normal([5, -3, 100], [2, 0.5, 10], (int(rng.integers(4, 16)), 3))
        write_sequence(tmp_path / "s" / ("a" if number % 2 else "b") / f"{number}",
                       values.astype(np.float32))
    data = load(tmp_path, {"path": "s"})
    (batch, lengths), _ = data.x.read_inputs(np.arange(len(data.x)))
    real = torch.arange(STEPS)[None] < lengths[:, None]
    steps = batch[real]
    assert steps.mean(0).abs().max() < 0.35 and (steps.std(0) - 1).abs().max() < 0.35
    assert float(batch[~real].abs().max()) == 0


def test_a_network_that_starts_with_conv1d_reads_features_first(tmp_path):
    last_sign_task(tmp_path / "s", count=6)
    data = load(tmp_path, {"path": "s"}, TensorInfo((FEATURES, STEPS)), consumer="Conv1d")
    inputs, _ = data.x.read_inputs(np.arange(2))
    assert len(inputs) == 1 and inputs[0].shape == (2, FEATURES, STEPS)


def test_a_manifest_lists_the_sequences_and_their_labels(tmp_path):
    manifest = last_sign_task(tmp_path / "d", count=10, layout="manifest")
    data = load(tmp_path, {"path": str(manifest.relative_to(tmp_path))})
    assert data.classes == ["down", "up"] and len(data.x) + len(data.x_val or []) == 10


def test_an_input_that_does_not_fit_is_refused_with_the_one_that_would(tmp_path):
    last_sign_task(tmp_path / "s", count=4)
    with pytest.raises(DataError) as caught:
        load(tmp_path, {"path": "s"}, TensorInfo((STEPS, 5)))
    assert "holds sequences of 3 features" in str(caught.value)
    assert caught.value.suggested_input[1] == 3


@pytest.mark.parametrize("text, why", [
    ("a,b,c\n1,2,3\n4,,6\n", "line 3 has 2 values where the first has 3"),
    ("1,2,3\n4,nan,6\n", "NaN or infinite) at line 2, column 2"),
    ("1,2,3\n4,five,6\n", "line 2, column 2: 'five' is not a number"),
    ("1,2,3\n4," + "ACGT" * 50 + ",6\n",
     "line 2, column 2: 'ACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT'… (200 characters) is not "
     "a number"),
    ("a,b,c\n", "has a header row but no values"),
    ("1,2\n3,4\n", "has 2 feature columns; the Input takes 3"),
], ids=["ragged", "nan", "word", "long_cell", "header_only", "wrong_width"])
def test_a_file_that_cannot_be_read_is_skipped_and_named_with_why(tmp_path, text, why):
    last_sign_task(tmp_path / "s", count=20, style="csv_header")
    (tmp_path / "s" / "up" / "broken.csv").write_text(text)
    data = load(tmp_path, {"path": "s", "standardise": False})
    names = [data.x.index.describe(int(record)) for record in data.x.records]
    broken = next(n for n, name in enumerate(names) if "broken.csv" in name)
    inputs, kept = data.x.read_inputs(np.arange(len(data.x)))
    assert broken not in kept.tolist() and len(inputs[0]) == len(data.x) - 1
    with pytest.raises(DataError) as caught:
        data.x[broken]
    assert "broken.csv" in str(caught.value) and why in str(caught.value)


def test_a_run_trains_on_variable_length_sequences_and_uses_their_lengths(tmp_path, capsys):
    last_sign_task(tmp_path / "s", count=160)
    layers = [("Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
              ("GRU", {"hidden_size": 16}), ("LastStep", {}),
              ("Linear", {"out_features": 2})]
    settings = {"dataset": {"path": "s", "workers": 0}, "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.02}, "batch_size": 16, "epochs": 12,
                "validation_split": 0.25, "seed": 0}
    chain_project(tmp_path, layers, settings)
    code, out, err = run(capsys, "train", str(tmp_path / "tiny.ndproj"))
    assert code == 0, err + out
    assert "padded with zeros at the end" in out
    run_folder = next((tmp_path / "tiny.runs").iterdir())
    metrics = json.loads((run_folder / "metrics.json").read_text())["result"]["metrics"]
    assert metrics["val_accuracy"] >= 0.9


def test_a_fixed_length_input_on_sequences_that_vary_is_warned_with_the_fix(tmp_path):
    last_sign_task(tmp_path / "s", count=12)
    layers = [("Input", {"shape": [STEPS, FEATURES]}), ("LSTM", {"hidden_size": 4}),
              ("LastStep", {}), ("Linear", {"out_features": 2})]
    settings = {"dataset": {"path": "s", "workers": 0}, "loss": "CrossEntropyLoss",
                "epochs": 1, "validation_split": 0.25}
    chain_project(tmp_path, layers, settings)
    plan = plan_run(load_project(tmp_path / "tiny.ndproj"))
    assert any("set the Input 'n0' to variable_length" in w for w in plan.warnings)


def test_the_exported_train_py_reads_the_sequences_as_netdesigner_does(tmp_path, capsys):
    last_sign_task(tmp_path / "s", count=24, style="csv_header")
    layers = [("Input", {"shape": [STEPS, FEATURES], "variable_length": True}),
              ("LSTM", {"hidden_size": 8, "bidirectional": True}), ("LastStep", {}),
              ("Linear", {"out_features": 2})]
    settings = {"dataset": {"path": "s", "workers": 0}, "loss": "CrossEntropyLoss",
                "batch_size": 4, "epochs": 1, "validation_split": 0.25, "seed": 0}
    project = tmp_path / "tiny.ndproj"
    chain_project(tmp_path, layers, settings)
    assert run(capsys, "train", str(project))[0] == 0
    code = tmp_path / "code"
    assert run(capsys, "export", str(project), "--format", "python", "-o", str(code))[0] == 0
    listing = json.loads((code / "data.json").read_text())
    assert listing["lengths"] is True and len(listing["standardisation"]["mean"]) == 3
    measured = run_bare(["train.py", "--init", "weights.safetensors", "--epochs", "0"], code,
                        only_torch_and_numpy(tmp_path / "site"))
    assert measured.returncode == 0, measured.stderr
    figures = dict(re.findall(r"(val_\w+) ([-\d.e]+)", measured.stdout))
    run_folder = next(project.with_name("tiny.runs").iterdir())
    ours = json.loads((run_folder / "metrics.json").read_text())["result"]["metrics"]
    assert float(figures["val_loss"]) == pytest.approx(ours["val_loss"], abs=1e-4)
