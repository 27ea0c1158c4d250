"""The user's own data as a project names it: .npz arrays, CSV tables and folders of class
subfolders of images, each read into the tensors the trainer needs, and each unusable file
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
from engine.data import PAD, DataError, Dataset, load_dataset
from engine.data.files import load_csv, load_image_folder, load_npz

GREY_8x8 = TensorInfo((1, 8, 8))


def load(tmp_path: Path, entry: dict[str, Any], sample: TensorInfo | None = GREY_8x8
         ) -> Dataset:
    return load_dataset(entry, base_dir=tmp_path, sample=sample)


def refusal(tmp_path: Path, entry: dict[str, Any], sample: TensorInfo | None = GREY_8x8) -> str:
    with pytest.raises(DataError) as caught:
        load(tmp_path, entry, sample)
    return str(caught.value)


# --- .npz -------------------------------------------------------------------------------

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


def test_npz_classes_run_up_to_the_largest_id_even_when_some_are_absent(tmp_path):
    path = write_npz(tmp_path, x=np.zeros((2, 3)), y=np.array([0, 4], np.uint8))
    assert load_npz(path).classes == ["0", "1", "2", "3", "4"]


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


# --- CSV --------------------------------------------------------------------------------

def write_csv(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


IRIS_LIKE = """\
length,width,species
5.1,3.5,setosa
7.0,3.2,versicolor
6.3,3.3,virginica
4.9,3.0,setosa
"""


def test_csv_text_labels_become_classes_in_sorted_order(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    dataset = load(tmp_path, {"path": "table.csv", "target": "species"})
    assert dataset.name == "table.csv"
    assert dataset.kind == "classes"
    assert dataset.classes == ["setosa", "versicolor", "virginica"]
    assert dataset.y.tolist() == [0, 1, 2, 0]
    assert dataset.x.dtype == torch.float32
    assert torch.equal(dataset.x, torch.tensor([[5.1, 3.5], [7.0, 3.2], [6.3, 3.3],
                                                [4.9, 3.0]]))


def test_csv_integer_targets_are_class_ids(tmp_path):
    path = write_csv(tmp_path, "a,b,digit\n1,2,3\n4,5,0\n7,8,1\n")
    dataset = load_csv(path, target="digit")
    assert dataset.kind == "classes"
    assert dataset.classes == ["0", "1", "2", "3"]
    assert dataset.y.dtype == torch.int64 and dataset.y.tolist() == [3, 0, 1]


def test_csv_decimal_targets_are_float32_values(tmp_path):
    path = write_csv(tmp_path, "rooms,area,price\n3,70,1.5e5\n4,95,210000.0\n2,40,99000\n")
    dataset = load_csv(path, target="price")
    assert dataset.kind == "values" and dataset.classes == []
    assert dataset.y.dtype == torch.float32
    assert dataset.y.tolist() == [150000.0, 210000.0, 99000.0]


def test_csv_features_pick_the_input_columns_in_the_order_given(tmp_path):
    path = write_csv(tmp_path, "id,a,b,c,label\n10,1,2,3,x\n11,4,5,6,y\n")
    dataset = load_csv(path, target="label", features=["c", "a"])
    assert dataset.x.tolist() == [[3.0, 1.0], [6.0, 4.0]]


def test_csv_unused_columns_may_hold_anything(tmp_path):
    path = write_csv(tmp_path, "name,a,label\nAda,1,x\n,2,y\n")
    assert load_csv(path, target="label", features=["a"]).x.tolist() == [[1.0], [2.0]]


def test_csv_window_makes_overlapping_sequences_labelled_by_their_last_row(tmp_path):
    rows = "".join(f"{t},{10 * t},{t % 3}\n" for t in range(6))
    write_csv(tmp_path, "t,u,phase\n" + rows)
    dataset = load(tmp_path, {"path": "table.csv", "target": "phase", "window": 4})
    assert dataset.x.shape == (3, 4, 2)  # 6 rows - 4 + 1 sequences of 4 rows × 2 features
    assert dataset.x[1].tolist() == [[1, 10], [2, 20], [3, 30], [4, 40]]
    assert dataset.y.tolist() == [3 % 3, 4 % 3, 5 % 3]
    assert dataset.x.is_contiguous()


def test_csv_window_as_long_as_the_file_makes_one_sequence(tmp_path):
    path = write_csv(tmp_path, "a,y\n1,0.5\n2,1.5\n3,2.5\n")
    dataset = load_csv(path, target="y", window=3)
    assert dataset.x.shape == (1, 3, 1) and dataset.y.tolist() == [2.5]


def test_csv_tolerates_a_byte_order_mark_spaces_quotes_and_blank_lines(tmp_path):
    text = '\ufeff a , "b" ,label\n\n 1 ,2, cat \n"3",4,dog\n\n'
    path = write_csv(tmp_path, text)
    dataset = load_csv(path, target="label")
    assert dataset.x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert dataset.classes == ["cat", "dog"]


def test_csv_empty_file_is_refused(tmp_path):
    write_csv(tmp_path, "\n\n")
    assert "table.csv is empty; expected a header row" in refusal(
        tmp_path, {"path": "table.csv", "target": "y"})


def test_csv_with_only_a_header_is_refused(tmp_path):
    write_csv(tmp_path, "a,y\n")
    assert "has column names but no rows of data" in refusal(
        tmp_path, {"path": "table.csv", "target": "y"})


def test_csv_without_a_header_row_is_refused(tmp_path):
    write_csv(tmp_path, "1,2,0\n3,4,1\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "y"})
    assert "the first row holds numbers (1, 2, 0) rather than column names" in message


def test_csv_ragged_rows_are_refused_with_their_line_number(tmp_path):
    write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,6\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "y"})
    assert "line 4 has 2 fields but the header names 3 columns" in message


def test_csv_without_a_target_is_refused_listing_the_columns(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv"})
    assert "no \"target\" column was given" in message
    assert "'length', 'width', 'species'" in message


def test_csv_unknown_target_is_refused_with_a_guess(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "specie"})
    assert "has no column 'specie' (the target); did you mean 'species'?" in message


def test_csv_unknown_feature_is_refused_with_a_guess(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "species",
                                 "features": ["length", "widht"]})
    assert "has no column 'widht' (the feature); did you mean 'width'?" in message


def test_csv_target_that_is_also_a_feature_is_refused(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "width",
                                 "features": ["length", "width"]})
    assert "'width' is both the target and a feature" in message


@pytest.mark.parametrize("features", ["length", [], [1, 2]])
def test_csv_features_that_are_not_a_list_of_names_are_refused(tmp_path, features):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "species",
                                 "features": features})
    assert "expected a list of column names" in message


def test_csv_text_in_a_feature_column_is_refused_naming_column_and_row(tmp_path):
    write_csv(tmp_path, "a,b,y\n1,2,0\n3,four,1\n5,6,0\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "y"})
    assert "feature column 'b' has 'four' in row 2 (line 3)" in message


def test_csv_missing_feature_value_is_refused_as_an_empty_cell(tmp_path):
    write_csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,,0\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "y"})
    assert "feature column 'b' has an empty cell in row 3 (line 4)" in message


def test_csv_nan_in_a_feature_column_is_refused_saying_how_many(tmp_path):
    write_csv(tmp_path, "a,y\n1,0\nnan,1\ninf,0\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "y"})
    assert "'a' holds 2 NaN or infinite values (the first on line 3)" in message


def test_csv_missing_target_is_refused(tmp_path):
    write_csv(tmp_path, "a,y\n1,cat\n2,\n")
    assert "the target column 'y' is empty in row 2 (line 3)" in refusal(
        tmp_path, {"path": "table.csv", "target": "y"})


def test_csv_negative_whole_number_targets_are_refused_as_class_ids(tmp_path):
    write_csv(tmp_path, "a,t\n1,5\n2,-3\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "t"})
    assert "one is -3; expected class ids counting from 0" in message
    assert "-3.0" in message


def test_csv_whole_number_targets_too_large_to_be_class_ids_are_refused(tmp_path):
    write_csv(tmp_path, "a,price\n1,250000\n2,3000000\n")
    message = refusal(tmp_path, {"path": "table.csv", "target": "price"})
    assert "the largest class id in the target column 'price' is 3000000" in message
    assert "write them with a decimal point" in message


@pytest.mark.parametrize("window", [0, -2, 2.5, "3", True])
def test_csv_window_that_is_not_a_positive_whole_number_is_refused(tmp_path, window):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "species", "window": window})
    assert f"\"window\" is {window!r}; expected a positive whole number" in message


def test_csv_window_longer_than_the_file_is_refused(tmp_path):
    write_csv(tmp_path, IRIS_LIKE)
    message = refusal(tmp_path, {"path": "table.csv", "target": "species", "window": 5})
    assert "a window of 5 rows is longer than the file's 4 rows" in message


def test_csv_unnamed_column_is_refused_unless_features_leave_it_out(tmp_path):
    path = write_csv(tmp_path, ",a,y\n0,1.5,0\n1,2.5,1\n")  # as pandas writes its index
    with pytest.raises(DataError, match=r"column 1 has no name.*index=False"):
        load_csv(path, target="y")
    assert load_csv(path, target="y", features=["a"]).x.tolist() == [[1.5], [2.5]]


def test_csv_duplicate_column_names_are_refused(tmp_path):
    write_csv(tmp_path, "a,a,y\n1,2,0\n")
    assert "names column 'a' 2 times" in refusal(tmp_path, {"path": "table.csv", "target": "y"})


def test_csv_separated_by_semicolons_is_refused(tmp_path):
    write_csv(tmp_path, "a;b;y\n1;2;0\n")
    assert "separates its columns with semicolons" in refusal(
        tmp_path, {"path": "table.csv", "target": "y"})


def test_csv_that_is_not_utf8_text_is_refused(tmp_path):
    (tmp_path / "table.csv").write_bytes(b"a,y\n1,\xff\xfe\x00caf\xe9\n")
    assert "table.csv is not UTF-8 text" in refusal(tmp_path, {"path": "table.csv",
                                                                "target": "y"})


# --- image folders ----------------------------------------------------------------------

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
    assert "reads .npz and .csv files and folders of images" in refusal(
        tmp_path, {"path": "imgs.zip"})
