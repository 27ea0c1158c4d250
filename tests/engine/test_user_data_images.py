"""The user's own folders of class subfolders of images as a project names them: read at
the network's input size into the tensors the trainer needs, and each unusable folder
refused with a sentence naming it, what was found and what would fit."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from engine.catalogue import TensorInfo
from engine.data.files import load_image_folder
from tests.engine.user_data_helpers import GREY_8x8, load, refusal


def write_image(path: Path, colour: Any, size: tuple[int, int] = (16, 16),
                mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)


def test_image_folder_subfolders_are_classes_in_sorted_order(tmp_path):
    write_image(tmp_path / "shapes" / "zebra" / "a.png", "white")
    write_image(tmp_path / "shapes" / "ant" / "b.png", "black")
    write_image(tmp_path / "shapes" / "ant" / "c.png", "black")
    dataset = load(tmp_path, {"path": "shapes/"})
    assert dataset.name == "shapes"
    assert dataset.kind == "classes"
    assert dataset.classes == ["ant", "zebra"]
    assert dataset.y.tolist() == [0, 0, 1]
    assert dataset.x.shape == (3, 1, 8, 8) and dataset.x.dtype == torch.float32
    assert dataset.x[0].max() == 0.0 and dataset.x[2].min() == 1.0  # scaled to [0, 1]


def test_image_folder_colour_images_become_greyscale_for_one_channel(tmp_path):
    write_image(tmp_path / "imgs" / "a" / "red.png", (255, 0, 0))
    write_image(tmp_path / "imgs" / "b" / "grey.png", 128, mode="L")
    dataset = load_image_folder(tmp_path / "imgs", GREY_8x8)
    luminance_of_red = 76 / 255  # ITU-R 601: 0.299 × 255
    assert dataset.x[0].flatten().tolist() == pytest.approx([luminance_of_red] * 64, abs=1e-6)
    assert dataset.x[1].flatten().tolist() == pytest.approx([128 / 255] * 64, abs=1e-6)


def test_image_folder_greyscale_images_become_rgb_for_three_channels(tmp_path):
    write_image(tmp_path / "imgs" / "a" / "grey.png", 51, mode="L")
    write_image(tmp_path / "imgs" / "b" / "blue.png", (0, 0, 255))
    dataset = load_image_folder(tmp_path / "imgs", TensorInfo((3, 4, 6)))
    assert dataset.x.shape == (2, 3, 4, 6)
    assert dataset.x[0].unique().tolist() == pytest.approx([0.2])
    assert dataset.x[1, 2].unique().tolist() == [1.0]
    assert dataset.x[1, :2].unique().tolist() == [0.0]


def test_image_folder_resizes_to_the_input_with_pillows_bilinear_filter(tmp_path):
    gradient = np.tile(np.linspace(0, 255, 40, dtype=np.uint8), (30, 1))
    (tmp_path / "imgs" / "a").mkdir(parents=True)
    Image.fromarray(gradient).save(tmp_path / "imgs" / "a" / "gradient.png")
    write_image(tmp_path / "imgs" / "b" / "flat.png", 0, mode="L")
    dataset = load_image_folder(tmp_path / "imgs", TensorInfo((1, 6, 10)))
    expected = np.asarray(Image.fromarray(gradient).resize((10, 6), Image.Resampling.BILINEAR))
    assert dataset.x[0, 0].numpy() == pytest.approx(expected / 255, abs=1e-6)


def test_image_folder_reads_every_image_type_in_nested_folders_ignoring_other_files(tmp_path):
    root = tmp_path / "imgs"
    write_image(root / "cats" / "one.PNG", "white")
    write_image(root / "cats" / "2019" / "two.JPEG", "white")
    write_image(root / "cats" / "three.jpg", "white")
    write_image(root / "dogs" / "four.bmp", "black")
    write_image(root / "dogs" / "five.gif", "black")
    write_image(root / "dogs" / ".hidden.png", "black")
    write_image(root / "dogs" / ".thumbnails" / "six.png", "black")
    write_image(root / ".trash" / "seven.png", "black")
    write_image(root / "loose.png", "black")
    (root / "dogs" / "notes.txt").write_text("not an image")
    (root / "README.md").write_text("two classes")
    dataset = load_image_folder(root, GREY_8x8)
    assert dataset.classes == ["cats", "dogs"]
    assert dataset.y.tolist() == [0, 0, 0, 1, 1]


def test_image_folder_refuses_without_the_networks_input(tmp_path):
    write_image(tmp_path / "imgs" / "a" / "x.png", "white")
    write_image(tmp_path / "imgs" / "b" / "x.png", "white")
    message = refusal(tmp_path, {"path": "imgs"}, sample=None)
    assert "no Input shape was given" in message
    assert "[1, height, width] for greyscale images or [3, height, width]" in message


@pytest.mark.parametrize(("sample", "shown"), [
    (TensorInfo((8, 8)), "[8, 8]"),
    (TensorInfo((2, 8, 8)), "[2, 8, 8]"),
    (TensorInfo((1, 0, 8)), "[1, 0, 8]"),
    (TensorInfo((1, 8, 8), "int64"), "[1, 8, 8] int64"),
])
def test_image_folder_refuses_an_input_that_is_not_an_image(tmp_path, sample, shown):
    write_image(tmp_path / "imgs" / "a" / "x.png", "white")
    write_image(tmp_path / "imgs" / "b" / "x.png", "white")
    message = refusal(tmp_path, {"path": "imgs"}, sample=sample)
    assert f"the network's Input is {shown}, which images cannot fill" in message


def test_image_folder_with_one_class_folder_is_refused(tmp_path):
    write_image(tmp_path / "imgs" / "cats" / "x.png", "white")
    message = refusal(tmp_path, {"path": "imgs"})
    assert "imgs/ has only the subfolder 'cats'; expected one subfolder per class" in message


def test_image_folder_of_loose_images_is_refused_asking_for_class_folders(tmp_path):
    write_image(tmp_path / "imgs" / "x.png", "white")
    assert "imgs/ has no subfolders; expected one subfolder per class" in refusal(
        tmp_path, {"path": "imgs"})


def test_image_folder_with_an_empty_class_folder_is_refused_naming_it(tmp_path):
    write_image(tmp_path / "imgs" / "cats" / "x.png", "white")
    (tmp_path / "imgs" / "dogs").mkdir()
    (tmp_path / "imgs" / "dogs" / "dog.txt").write_text("woof")
    assert "the class folder 'dogs' holds no images" in refusal(tmp_path, {"path": "imgs"})


def test_image_folder_with_an_unreadable_image_is_refused_naming_the_file(tmp_path):
    write_image(tmp_path / "imgs" / "cats" / "x.png", "white")
    (tmp_path / "imgs" / "dogs").mkdir()
    (tmp_path / "imgs" / "dogs" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    assert "Pillow cannot read dogs/broken.jpg" in refusal(tmp_path, {"path": "imgs"})


def test_image_folder_with_a_truncated_image_is_refused_naming_the_file(tmp_path):
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    Image.fromarray(noise).save(buffer, "PNG")
    write_image(tmp_path / "imgs" / "a" / "x.png", "white")
    (tmp_path / "imgs" / "b").mkdir()
    (tmp_path / "imgs" / "b" / "cut.png").write_bytes(buffer.getvalue()[:2000])
    assert "Pillow cannot read b/cut.png" in refusal(tmp_path, {"path": "imgs"})


@pytest.mark.parametrize("contents", [[], ["a/notes.txt", "b/data.csv"]])
def test_image_folder_without_any_image_is_refused(tmp_path, contents):
    (tmp_path / "imgs").mkdir()
    for name in contents:
        (tmp_path / "imgs" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "imgs" / name).write_text("text")
    message = refusal(tmp_path, {"path": "imgs"})
    assert "imgs/ holds no images at all" in message
    assert ".png" in message


def test_image_folder_takes_no_options(tmp_path):
    write_image(tmp_path / "imgs" / "a" / "x.png", "white")
    write_image(tmp_path / "imgs" / "b" / "x.png", "white")
    assert "unknown dataset option(s) size" in refusal(tmp_path, {"path": "imgs", "size": 8})


def test_zipfile_of_images_is_not_an_image_folder(tmp_path):
    with zipfile.ZipFile(tmp_path / "imgs.zip", "w") as archive:
        archive.writestr("a/x.png", b"")
    said = refusal(tmp_path, {"path": "imgs.zip"})
    assert "reads .npz and .csv files, FASTA and BED files, folders of images and folders " \
        "of video clips or sounds" in said
