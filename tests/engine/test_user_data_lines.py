"""Text lines for CTC as the user keeps them: a folder of line images with labels.csv
(file_name,text), fitted to the Input's height with the aspect kept and padded with the
image's own background; the alphabet taken from the data and kept with the run; lines
whose transcript is too long for the output set aside and named; export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.catalogue import TensorInfo
from engine.data import PAD, DataError, load_dataset
from engine.data.standalone.line_reading import read_line
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import only_torch_and_numpy, run_bare
from tests.engine.training_helpers import chain_project

LINE = TensorInfo((1, 16, 64))


def write_line(path: Path, text: str, height: int = 24, dark_on_light: bool = True) -> Path:
    font = ImageFont.load_default(size=height - 6)
    width = int(font.getlength(text)) + 8
    paper, ink = (235, 20) if dark_on_light else (15, 240)
    image = Image.new("L", (width, height), paper)
    ImageDraw.Draw(image).text((4, 2), text, fill=ink, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def lines_folder(root: Path, transcripts: list[str], **kwargs) -> Path:
    rows = ["file_name,text"]
    for number, text in enumerate(transcripts):
        write_line(root / "lines" / f"{number}.png", text, **kwargs)
        rows.append(f"lines/{number}.png,{text}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def load(root: Path, entry: dict, sample: TensorInfo = LINE):
    return load_dataset(entry, base_dir=root, sample=sample, cache_dir=root / "p.cache")


def test_transcripts_become_label_strings_over_the_data_s_alphabet(tmp_path):
    lines_folder(tmp_path / "ocr", ["cab", "ab a", "b"])
    data = load(tmp_path, {"path": "ocr"})
    assert data.kind == "strings" and data.classes == [" ", "a", "b", "c"]
    assert data.y.tolist() == [[4, 2, 3, PAD], [2, 3, 1, 2], [3, PAD, PAD, PAD]]
    assert data.x[0:3].shape == (3, 1, 16, 64)
    assert load(tmp_path, {"path": "ocr/labels.csv"}).classes == data.classes


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_a_line_keeps_its_aspect_and_is_padded_with_its_own_background(tmp_path,
                                                                        dark_on_light):
    path = write_line(tmp_path / "l.png", "ab", height=32, dark_on_light=dark_on_light)
    values, used = read_line(path, 1, 16, 64)
    with Image.open(path) as image:
        assert used == round(image.width * 16 / 32)
    paper = 235 if dark_on_light else 15
    assert np.all(values[0, :, used:] == paper)


def test_a_line_wider_than_the_input_is_squeezed_and_stretch_fills_the_width(tmp_path):
    path = write_line(tmp_path / "long.png", "a rather long line of text", height=16)
    values, used = read_line(path, 1, 16, 32)
    assert used == 32 and values.shape == (1, 16, 32)
    short = write_line(tmp_path / "short.png", "ab", height=16)
    _, stretched = read_line(short, 1, 16, 64, resize="stretch")
    assert stretched == 64


def test_lines_that_cannot_be_read_and_empty_transcripts_are_named(tmp_path):
    lines_folder(tmp_path / "ocr", ["ab", "ba"])
    table = tmp_path / "ocr" / "labels.csv"
    table.write_text(table.read_text() + "lines/gone.png,ab\nlines/0.png,\n")
    data = load(tmp_path, {"path": "ocr"})
    assert data.x.index.known_bad == {
        2: "does not exist or is not an image (labels.csv, line 4)",
        3: "has an empty transcript (labels.csv, line 5)"}


def test_a_split_column_and_an_input_that_is_no_image(tmp_path):
    lines_folder(tmp_path / "ocr", ["ab", "ba", "aa", "bb"])
    table = tmp_path / "ocr" / "labels.csv"
    rows = table.read_text().splitlines()
    table.write_text("\n".join([rows[0] + ",split"] + [
        f"{row},{split}" for row, split in zip(rows[1:], ("train", "train", "val", "test"),
                                               strict=True)]) + "\n")
    data = load(tmp_path, {"path": "ocr"})
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (2, 1, 1)
    with pytest.raises(DataError) as caught:
        load(tmp_path, {"path": "ocr"}, TensorInfo((16, 64)))
    assert "holds images of text lines" in str(caught.value)
    assert caught.value.suggested_input[:2] == [1, 32]


def ctc_project(folder: Path, dataset: dict, classes: int, epochs: int = 2) -> Path:
    layers = [("Input", {"shape": [1, 16, 64]}),
              ("Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}), ("ReLU", {}),
              ("MaxPool2d", {"kernel_size": 2}), ("ToSequence", {}),
              ("LSTM", {"hidden_size": 16, "bidirectional": True}),
              ("Linear", {"out_features": classes + 1})]
    chain_project(folder, layers, {"dataset": {"workers": 0, **dataset}, "loss": "CTCLoss",
                                   "batch_size": 4, "epochs": epochs, "seed": 0,
                                   "validation_split": 0.25})
    return folder / "tiny.ndproj"


def test_a_run_keeps_the_alphabet_sets_aside_lines_too_long_and_exports(tmp_path, capsys):
    texts = ["ab", "ba", "abba", "baab", "aab", "bba", "ab ab", "b a"] * 2
    texts.append("ab" * 20)  # 40 characters: more than the output's 32 steps can read
    lines_folder(tmp_path / "ocr", texts)
    project = ctc_project(tmp_path, {"path": "ocr"}, classes=3)
    code, out, err = run(capsys, "train", str(project))
    assert code == 0, err + out
    assert "1 line set aside: their label strings need more than the output's 32" in err
    assert ("lines/16.png has a transcript of 40 characters that needs 40 time steps, but "
            "the network's output has 32") in out
    run_folder = next(project.with_name("tiny.runs").iterdir())
    assert json.loads((run_folder / "metrics.json").read_text())["alphabet"] == " ab"
    code_folder = tmp_path / "code"
    assert run(capsys, "export", str(project), "--format", "python", "-o",
               str(code_folder))[0] == 0
    packages = only_torch_and_numpy(tmp_path / "site", also=("pillow",))
    measured = run_bare(["train.py", "--init", "weights.safetensors", "--epochs", "0"],
                        code_folder, packages)
    assert measured.returncode == 0, measured.stderr
    figures = dict(re.findall(r"(val_\w+) ([-\d.e]+)", measured.stdout))
    ours = json.loads((run_folder / "metrics.json").read_text())["result"]["metrics"]
    assert float(figures["val_loss"]) == pytest.approx(ours["val_loss"], rel=1e-3)


def test_lines_too_long_for_the_output_refuse_the_run_when_they_are_many(tmp_path, capsys):
    lines_folder(tmp_path / "ocr", ["ab" * 20, "ba" * 20, "ab", "ba"])
    project = ctc_project(tmp_path, {"path": "ocr"}, classes=2)
    code, _, err = run(capsys, "train", str(project))
    assert code == 1
    assert "longest string needs 40 time steps" in err
