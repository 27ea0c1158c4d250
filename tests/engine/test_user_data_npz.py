"""The user's own .npz arrays as a project names them: x and y (and x_val, y_val) read into
the tensors the trainer needs, and each unusable archive refused with a sentence naming
it, what was found and what would fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from engine.data import PAD
from engine.data.files import load_npz
from tests.engine.user_data_helpers import load, refusal


def write_npz(tmp_path: Path, name: str = "data.npz", **arrays: Any) -> Path:
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_npz_float_samples_and_integer_labels_become_float32_and_classes(tmp_path):
    write_npz(tmp_path, x=np.random.default_rng(0).random((6, 1, 8, 8)),
              y=np.array([0, 2, 1, 2, 0, 1]))
    dataset = load(tmp_path, {"path": "data.npz"})
    assert dataset.name == "data.npz"
    assert dataset.x.dtype == torch.float32 and dataset.x.shape == (6, 1, 8, 8)
    assert dataset.y.dtype == torch.int64 and dataset.y.tolist() == [0, 2, 1, 2, 0, 1]
    assert dataset.kind == "classes"
    assert dataset.classes == ["0", "1", "2"]
    assert dataset.x_val is None


def test_npz_integer_labels_are_the_classes_the_data_has(tmp_path):
    """Labels 1 and 2 are two classes, not three with an empty 0."""
    path = write_npz(tmp_path, x=np.zeros((3, 3)), y=np.array([2, 1, 2], np.uint8))
    dataset = load_npz(path)
    assert dataset.classes == ["1", "2"] and dataset.y.tolist() == [1, 0, 1]
    path = write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([0, 4], np.uint8))
    assert load_npz(path).classes == ["0", "4"]


def test_npz_class_names_name_the_ids(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((3, 2)), y=np.array([0, 2, 2]),
                     classes=np.array(["cat", "dog", "owl"]))
    dataset = load_npz(path)
    assert dataset.classes == ["cat", "dog", "owl"] and dataset.y.tolist() == [0, 2, 2]
    path = write_npz(tmp_path, x=np.zeros((2, 2)), y=np.array([0, 3]),
                     classes=np.array(["cat", "dog"]))
    assert "y holds class id 3 but classes names only 2 classes" in refusal(
        tmp_path, {"path": "data.npz"})


def test_npz_test_arrays_are_a_test_split(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]),
                     x_test=np.ones((2, 2)), y_test=np.array([1, 1]))
    dataset = load_npz(path)
    assert dataset.x_test.tolist() == [[1.0, 1.0]] * 2 and dataset.y_test.tolist() == [1, 1]
    assert "2 test" in dataset.describe()
    write_npz(tmp_path, x=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]), x_test=np.ones((2, 2)))
    assert "has x_test but no y_test" in refusal(tmp_path, {"path": "data.npz"})


@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.bool_])
def test_npz_samples_of_any_float_or_bool_type_become_float32(tmp_path, dtype):
    path = write_npz(tmp_path, x=np.ones((3, 4), dtype), y=np.array([0, 1, 0]))
    x = load_npz(path).x
    assert x.dtype == torch.float32
    assert x.tolist() == [[1.0] * 4] * 3


def test_npz_integer_samples_become_int64_token_ids(tmp_path):
    path = write_npz(tmp_path, x=np.array([[3, 1, 4], [1, 5, 9]], np.int32),
                     y=np.array([1, 0]))
    dataset = load_npz(path)
    assert dataset.x.dtype == torch.int64
    assert dataset.dtype == "int64"
    assert dataset.x.tolist() == [[3, 1, 4], [1, 5, 9]]


def test_npz_float_targets_are_float32_values_with_no_classes(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((3, 2)), y=np.array([[0.5], [1.5], [-2.0]]))
    dataset = load_npz(path)
    assert dataset.kind == "values"
    assert dataset.classes == []
    assert dataset.y.dtype == torch.float32 and dataset.y.shape == (3, 1)


def test_npz_label_sequences_padded_with_pad_are_strings_for_ctc(tmp_path):
    y = np.array([[3, 1, PAD, PAD], [2, 2, 2, 1], [1, PAD, PAD, PAD]])
    path = write_npz(tmp_path, x=np.zeros((3, 1, 8, 32), np.float32), y=y)
    dataset = load_npz(path)
    assert dataset.kind == "strings"
    assert dataset.classes == ["1", "2", "3"]  # label 0 is CTC's blank, not a symbol
    assert dataset.y.dtype == torch.int64
    assert dataset.y.tolist() == y.tolist()


def test_npz_two_dimensional_labels_without_padding_are_classes_per_time_step(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((2, 3, 5)), y=np.array([[0, 1, 2], [2, 2, 0]]))
    dataset = load_npz(path)
    assert dataset.kind == "classes"
    assert dataset.classes == ["0", "1", "2"]
    assert dataset.y.shape == (2, 3)


def test_npz_brings_its_own_validation_set_with_x_val_and_y_val(tmp_path):
    write_npz(tmp_path, x=np.zeros((5, 1, 8, 8)), y=np.array([0, 1, 0, 1, 0]),
              x_val=np.ones((2, 1, 8, 8)), y_val=np.array([1, 2]))
    dataset = load(tmp_path, {"path": "data.npz"})
    assert dataset.x_val.shape == (2, 1, 8, 8) and dataset.x_val.dtype == torch.float32
    assert dataset.y_val.tolist() == [1, 2]
    assert dataset.classes == ["0", "1", "2"]  # counted over both sets
    assert "2 validation" in dataset.describe()


def test_npz_validation_label_strings_may_be_padded_to_another_length(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((2, 4, 3)), y=np.array([[1, PAD], [2, 1]]),
                     x_val=np.zeros((1, 4, 3)), y_val=np.array([[1, 2, 2]]))
    dataset = load_npz(path)
    assert dataset.kind == "strings" and dataset.y_val.shape == (1, 3)


def test_npz_ignores_arrays_other_than_x_y_x_val_and_y_val(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([0, 1]),
                     notes=np.array(["kept by the user"]))
    assert load_npz(path).sample_shape == (3,)


def test_npz_that_is_not_an_archive_is_refused(tmp_path):
    (tmp_path / "data.npz").write_bytes(b"certainly not numpy")
    message = refusal(tmp_path, {"path": "data.npz"})
    assert message.startswith("data.npz is not a valid .npz file")
    assert "numpy.savez" in message


def test_npz_cut_short_is_refused_not_crashed(tmp_path):
    whole = write_npz(tmp_path, x=np.zeros((100, 50)), y=np.zeros(100, np.int64))
    data = whole.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        whole.write_bytes(data[:cut])
        assert "data.npz" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_holding_a_bare_npy_array_is_refused(tmp_path):
    np.save(tmp_path / "bare.npy", np.zeros(3))
    (tmp_path / "bare.npy").rename(tmp_path / "data.npz")
    assert "one bare array (an .npy file)" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_without_x_or_y_is_refused_listing_the_arrays_it_has(tmp_path):
    write_npz(tmp_path, arr_0=np.zeros((3, 2)), labels=np.zeros(3))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "has no array x or y: it holds arr_0, labels" in message
    assert "numpy.savez(file, x=samples, y=targets)" in message


class _Trap:
    """Unpickling this creates a file: proof that loading ran code from the data."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_npz_object_arrays_are_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    x = np.empty(2, dtype=object)
    x[:] = [_Trap(marker), _Trap(marker)]
    write_npz(tmp_path, x=x, y=np.array([0, 1]))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "array x holds Python objects" in message
    assert "never unpickles" in message
    assert not marker.exists()


def test_npz_text_arrays_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array(["cat", "dog"]))
    assert "array y holds text; expected numbers" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_with_more_samples_than_targets_is_refused_saying_both_counts(tmp_path):
    write_npz(tmp_path, x=np.zeros((10, 3)), y=np.zeros(9, np.int64))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "x holds 10 samples but y holds 9 targets" in message


@pytest.mark.parametrize(("present", "absent"), [("x_val", "y_val"), ("y_val", "x_val")])
def test_npz_with_half_a_validation_set_is_refused(tmp_path, present, absent):
    write_npz(tmp_path, x=np.zeros((4, 3)), y=np.zeros(4, np.int64),
              **{present: np.zeros((2, 3))})
    message = refusal(tmp_path, {"path": "data.npz"})
    assert f"has {present} but no {absent}" in message


def test_npz_validation_samples_of_another_shape_are_refused_saying_both_shapes(tmp_path):
    write_npz(tmp_path, x=np.zeros((4, 1, 8, 8)), y=np.zeros(4, np.int64),
              x_val=np.zeros((2, 1, 9, 9)), y_val=np.zeros(2, np.int64))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "x_val's samples have shape [1, 9, 9] but x's have shape [1, 8, 8]" in message


def test_npz_validation_samples_and_targets_that_do_not_pair_up_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((4, 3)), y=np.zeros(4, np.int64),
              x_val=np.zeros((2, 3)), y_val=np.zeros(3, np.int64))
    assert "x_val holds 2 samples but y_val holds 3 targets" in refusal(
        tmp_path, {"path": "data.npz"})


def test_npz_samples_with_nan_or_infinity_are_refused_saying_how_many(tmp_path):
    x = np.zeros((4, 3))
    x[0, 0], x[2, 1], x[3, 2] = np.nan, np.inf, -np.inf
    write_npz(tmp_path, x=x, y=np.zeros(4, np.int64))
    assert "x holds 3 NaN or infinite values" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_negative_class_ids_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((3, 2)), y=np.array([0, -3, 1]))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "y holds class id -3; expected class ids counting from 0" in message


def test_npz_pad_in_one_label_per_sample_is_a_negative_class_id(tmp_path):
    write_npz(tmp_path, x=np.zeros((3, 2)), y=np.array([0, PAD, 1]))
    assert "y holds class id -1" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_label_strings_below_pad_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([[1, PAD], [2, -5]]))
    assert "y holds label -5" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_label_strings_using_the_ctc_blank_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([[0, 1], [2, PAD]]))
    assert "also holds label 0, which CTC keeps for the blank" in refusal(
        tmp_path, {"path": "data.npz"})


def test_npz_label_strings_with_labels_after_the_padding_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([[1, 2, PAD], [1, PAD, 3]]))
    assert "row 1 of y has a label after -1 padding" in refusal(tmp_path, {"path": "data.npz"})


@pytest.mark.parametrize(("x", "y", "key"), [
    (np.zeros((0, 3)), np.zeros(0, np.int64), "x"),
    (np.zeros((3, 0)), np.zeros(3, np.int64), "x"),
    (np.zeros((3, 2)), np.zeros((3, 0), np.int64), "y"),
])
def test_npz_empty_arrays_are_refused(tmp_path, x, y, key):
    write_npz(tmp_path, x=x, y=y)
    assert f"array {key} is empty" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_negative_token_ids_are_refused(tmp_path):
    write_npz(tmp_path, x=np.array([[1, -2], [3, 4]]), y=np.array([0, 1]))
    assert "1 of them are negative" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_one_number_per_sample_is_refused_with_the_reshape_that_fits(tmp_path):
    write_npz(tmp_path, x=np.zeros(5), y=np.zeros(5))
    assert "x.reshape(-1, 1)" in refusal(tmp_path, {"path": "data.npz"})


def test_npz_integer_targets_too_large_to_be_class_ids_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([5, 250_000_000]))
    message = refusal(tmp_path, {"path": "data.npz"})
    assert "would make 250,000,001 classes" in message
    assert "If they are numbers to predict, save y as floats" in message


def test_npz_float_targets_with_integer_validation_targets_are_refused(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([0.5, 1.0]),
              x_val=np.zeros((1, 3)), y_val=np.array([1]))
    assert "y holds floats (float64) but y_val holds integers (int64)" in refusal(
        tmp_path, {"path": "data.npz"})


def test_npz_takes_no_options(tmp_path):
    write_npz(tmp_path, x=np.zeros((2, 3)), y=np.zeros(2, np.int64))
    assert "unknown dataset option(s) target" in refusal(
        tmp_path, {"path": "data.npz", "target": "y"})
