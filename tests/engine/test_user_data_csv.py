"""The user's own CSV tables as a project names them: a target column and feature columns
(or a window of rows) read into the tensors the trainer needs, and each unusable table
refused with a sentence naming it, what was found and what would fit."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.data import DataError
from engine.data.files import load_csv
from tests.engine.user_data_helpers import load, refusal


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
