"""Video clips as the user keeps them, read as a dataset: every layout (class folders of
videos or of frame folders, split folders, videos with per-frame label files, a CSV of
segments, a manifest CSV) indexed into samples, targets and splits, fitted to the Input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.catalogue import TensorInfo
from engine.data import DataError, load_dataset, split_validation
from engine.data.dataset import UNSCORED
from tests.engine.clip_helpers import moving_square, write_frames, write_labels, write_video

CLIP = TensorInfo((6, 1, 16, 16))


def load(root: Path, entry: dict, sample: TensorInfo = CLIP, cache: bool = True):
    return load_dataset(entry, base_dir=root, sample=sample,
                        cache_dir=root / "project.cache" if cache else None)


def refusal(root: Path, entry: dict, sample: TensorInfo = CLIP) -> DataError:
    with pytest.raises(DataError) as caught:
        load(root, entry, sample)
    return caught.value


def class_folders(root: Path, per_class: int = 3, frames: int = 8, suffix: str = ".mp4",
                  classes: tuple[str, ...] = ("left", "right")) -> Path:
    for number in range(per_class):
        for name in classes:
            write_video(root / name / f"clip{number}{suffix}",
                        moving_square(frames, 16, 16, name, seed=number))
    return root


def test_class_folders_of_videos_give_one_sample_per_clip_labelled_by_its_folder(tmp_path):
    class_folders(tmp_path / "gestures", classes=("right", "left", "up"))
    data = load(tmp_path, {"path": "gestures"})
    assert data.classes == ["left", "right", "up"]  # sorted, not in the order written
    assert len(data.x) == 9 and data.sample_shape == (6, 1, 16, 16)
    assert sorted(data.y.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert data.x_val is None and data.x_test is None  # split off by validation_split
    batch = data.x[0:3]
    assert batch.shape == (3, 6, 1, 16, 16) and batch.dtype == torch.float32
    assert float(batch.min()) >= 0.0 and float(batch.max()) <= 1.0


def test_class_folders_of_frame_folders_the_jester_layout(tmp_path):
    for label, direction in (("swipe_left", "left"), ("swipe_right", "right")):
        for number in range(2):
            write_frames(tmp_path / "jester" / label / f"{number + 10}",
                         moving_square(7, 16, 16, direction, seed=number))
    data = load(tmp_path, {"path": "jester"})
    assert data.classes == ["swipe_left", "swipe_right"] and len(data.x) == 4
    assert data.x[0].shape == (6, 1, 16, 16)


def test_clips_below_their_class_folder_at_any_depth_and_numeric_class_names(tmp_path):
    for label in ("2", "10", "1"):
        write_video(tmp_path / "data" / label / "subject_a" / "take.avi", moving_square(6))
        write_video(tmp_path / "data" / label / "take.webm", moving_square(6, seed=1))
    data = load(tmp_path, {"path": "data"})
    assert data.classes == ["1", "2", "10"]  # names as written, in natural order
    assert len(data.x) == 6


def test_split_folders_are_the_splits_and_a_test_split_is_kept_apart(tmp_path):
    for split, count in (("train", 3), ("val", 1), ("test", 2)):
        class_folders(tmp_path / "clips" / split, per_class=count)
    data = load(tmp_path, {"path": "clips"})
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (6, 2, 4)
    assert split_validation(data, 0.5, 0) is data  # the data's own validation split stays


def test_without_a_validation_split_it_is_split_off_the_training_part(tmp_path):
    for split in ("train", "test"):
        class_folders(tmp_path / "clips" / split, per_class=4)
    data = split_validation(load(tmp_path, {"path": "clips"}), 0.25, 0)
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (6, 2, 8)


def test_a_video_beside_its_label_file_is_cut_into_clips_labelled_per_frame(tmp_path):
    folder = tmp_path / "labelled"
    labels = ["walk"] * 5 + ["run"] * 8
    write_video(folder / "a.mp4", moving_square(13, 16, 16))
    write_labels(folder / "a.txt", labels)
    write_video(folder / "b.mp4", moving_square(6, 16, 16))
    write_labels(folder / "b.txt", ["1"] * 6)
    data = load(tmp_path, {"path": "labelled"})
    assert data.classes == ["1", "run", "walk"]
    # a: 13 frames → clips of 6, 6 and 1 real frame (the rest padded, not scored); b: 1 clip
    assert data.y.tolist() == [
        [2, 2, 2, 2, 2, 1], [1, 1, 1, 1, 1, 1], [1] + [UNSCORED] * 5, [0] * 6]
    assert data.groups.tolist() == [0, 0, 0, 1]  # validation splits off whole videos
    last = data.x[2]
    assert torch.equal(last[1], last[5])  # the padding repeats the last frame


def test_a_csv_of_segments_labels_frames_and_leaves_the_rest_unscored(tmp_path):
    folder = tmp_path / "videos"
    write_video(folder / "one.mp4", moving_square(12, 16, 16))
    write_video(folder / "two.mp4", moving_square(6, 16, 16))
    (folder / "segments.csv").write_text(
        "video,start_frame,end_frame,label\none.mp4,0,4,reach\none.mp4,4,10,grasp\n"
        "two.mp4,0,6,idle\n")
    by_folder = load(tmp_path, {"path": "videos"})
    by_file = load(tmp_path, {"path": "videos/segments.csv"})
    for data in (by_folder, by_file):
        assert data.classes == ["grasp", "idle", "reach"]
        assert data.y.tolist() == [[2, 2, 2, 2, 0, 0], [0, 0, 0, 0, UNSCORED, UNSCORED],
                                   [1] * 6]


def test_a_manifest_names_files_labels_and_splits(tmp_path):
    for number, direction in enumerate(("left", "right", "left", "right", "up")):
        write_video(tmp_path / "media" / f"v{number}.mov",
                    moving_square(8, 16, 16, direction))
    (tmp_path / "media" / "index.csv").write_text(
        "File_Name,Label,Split\nv0.mov,left,train\nv1.mov,right,train\nv2.mov,left,"
        "validation\nv3.mov,right,test\nv4.mov,up,\n")
    data = load(tmp_path, {"path": "media/index.csv"})
    assert data.classes == ["left", "right", "up"]
    assert (len(data.x), len(data.x_val), len(data.x_test)) == (3, 1, 1)  # no split: train
    assert data.y.tolist() == [0, 1, 2] and data.y_test.tolist() == [1]


def test_a_manifest_of_sony_nnc_columns_and_semicolons(tmp_path):
    for number in range(4):
        write_frames(tmp_path / "frames" / f"c{number}", moving_square(5, 16, 16))
    (tmp_path / "train.csv").write_text(
        "x:clip;y:label\nframes/c0;a\nframes/c1;b\nframes/c2;a\nframes/c3;b\n")
    data = load(tmp_path, {"path": "train.csv"})
    assert data.classes == ["a", "b"] and len(data.x) == 4


def test_a_manifest_may_give_each_video_a_file_of_per_frame_labels(tmp_path):
    write_video(tmp_path / "v.mp4", moving_square(6, 16, 16))
    write_labels(tmp_path / "v-labels.txt", ["a", "a", "b", "b", "b", "b"])
    (tmp_path / "list.csv").write_text("path,label\nv.mp4,v-labels.txt\n")
    data = load(tmp_path, {"path": "list.csv"})
    assert data.y.tolist() == [[0, 0, 1, 1, 1, 1]]


def test_the_input_decides_the_frames_size_and_colour_of_every_clip(tmp_path):
    write_video(tmp_path / "c" / "a" / "x.mp4", moving_square(20, 48, 64, colour=True))
    write_video(tmp_path / "c" / "b" / "y.mp4", moving_square(5, 48, 64, colour=True))
    data = load(tmp_path, {"path": "c"}, TensorInfo((8, 3, 24, 24)))
    assert data.x[0:2].shape == (2, 8, 3, 24, 24)


@pytest.mark.parametrize("shape, why", [
    ((1, 16, 16), "the network's Input is [1, 16, 16]"),
    ((6, 2, 16, 16), "1 channel for grey, 3 for colour"),
])
def test_an_input_that_is_no_clip_is_refused_with_the_input_that_fits(tmp_path, shape, why):
    class_folders(tmp_path / "clips", frames=9)
    error = refusal(tmp_path, {"path": "clips"}, TensorInfo(shape))
    assert why in str(error)
    assert error.suggested_input == [9, 1, 16, 16]
    assert "set the Input to [9, 1, 16, 16]" in str(error)


def test_a_folder_of_videos_is_read_as_clips_even_before_the_input_is_one(tmp_path):
    class_folders(tmp_path / "clips")
    assert "holds video clips" in str(refusal(tmp_path, {"path": "clips"},
                                              TensorInfo((1, 16, 16))))


@pytest.mark.parametrize("option, value, said", [
    ("sampling", "random", "\"sampling\" is 'random'; expected 'uniform' or 'consecutive'"),
    ("stride", 0, "\"stride\" must be a whole number from 1"),
    ("resize", "pad", "expected 'crop' or 'stretch'"),
    ("short", "drop", "expected 'repeat' or 'refuse'"),
    ("strict", "yes", "\"strict\" must be true or false"),
    ("max_bad", 2, "\"max_bad\" must be a number from 0 to 1"),
    ("workers", -1, "\"workers\" must be a whole number from 0"),
    ("frames", 8, "unknown dataset option(s) frames; clips take sampling, stride"),
])
def test_every_option_is_checked_with_a_sentence(tmp_path, option, value, said):
    class_folders(tmp_path / "clips")
    assert said in str(refusal(tmp_path, {"path": "clips", option: value}))


def test_options_change_how_clips_are_fitted(tmp_path):
    frames = np.stack([np.full((16, 32), 10 * i, np.uint8) for i in range(12)])
    for label in ("a", "b"):
        write_video(tmp_path / "c" / label / "x.mp4", frames, full_range=True)
    uniform = load(tmp_path, {"path": "c"}, TensorInfo((3, 1, 16, 16))).x[0]
    consecutive = load(tmp_path, {"path": "c", "sampling": "consecutive", "stride": 2},
                       TensorInfo((3, 1, 16, 16))).x[0]
    assert [round(float(f.mean()) * 255) for f in uniform] == [0, 60, 110]
    assert [round(float(f.mean()) * 255) for f in consecutive] == [30, 50, 70]


@pytest.mark.parametrize("make, said", [
    (lambda root: (root / "clips").mkdir(), "holds no samples"),
    (lambda root: [write_video(root / "clips" / "a" / "x.mp4", moving_square(4)),
                   (root / "clips" / "empty").mkdir()],
     "the class folder 'empty' holds no samples"),
    (lambda root: write_video(root / "clips" / "only" / "x.mp4", moving_square(4)),
     "has only the class 'only'; expected at least two classes"),
    (lambda root: write_video(root / "clips" / "x.mp4", moving_square(4)),
     "holds 1 samples but no labels"),
    (lambda root: [class_folders(root / "clips" / "validation"), (root / "clips" / "test")
                   .mkdir()], "but no train/ folder"),
])
def test_layouts_that_cannot_be_read_say_what_was_found(tmp_path, make, said):
    make(tmp_path)
    assert said in str(refusal(tmp_path, {"path": "clips"}))


def test_a_manifest_split_that_is_not_one_is_named_with_its_line(tmp_path):
    class_folders(tmp_path / "c")
    (tmp_path / "m.csv").write_text("file,label,split\nc/left/clip0.mp4,a,train\n"
                                    "c/right/clip0.mp4,b,holdout\n")
    assert "m.csv, line 3: the split 'holdout' is not one of train, validation, test" in \
        str(refusal(tmp_path, {"path": "m.csv"}))


def test_a_single_video_is_not_a_dataset(tmp_path):
    write_video(tmp_path / "one.mp4", moving_square(4))
    assert "one.mp4 is one video; a dataset is a folder of them" in str(
        refusal(tmp_path, {"path": "one.mp4"}))


def test_a_manifest_written_on_windows_names_its_files_with_backslashes(tmp_path):
    for label in ("a", "b"):
        write_video(tmp_path / "media" / label / "x.mp4", moving_square(6))
    (tmp_path / "list.csv").write_text("file,label\nmedia\\a\\x.mp4,a\nmedia\\b\\x.mp4,b\n")
    assert len(load(tmp_path, {"path": "list.csv"}).x) == 2


def test_a_manifest_row_naming_a_missing_file_is_skipped_and_named(tmp_path):
    for label in ("a", "b"):
        write_video(tmp_path / "m" / f"{label}.mp4", moving_square(6))
    (tmp_path / "m" / "list.csv").write_text("file,label\na.mp4,a\nb.mp4,b\ngone.mp4,b\n")
    data = load(tmp_path, {"path": "m/list.csv"})
    assert len(data.x) == 3
    assert data.x.index.bad() == {2: "does not exist (list.csv, line 4)"}
    assert data.x.describe(2) == "gone.mp4"


def test_a_link_back_up_the_tree_is_followed_once(tmp_path):
    class_folders(tmp_path / "clips", per_class=1)
    (tmp_path / "clips" / "left" / "again").symlink_to(tmp_path / "clips" / "left")
    assert len(load(tmp_path, {"path": "clips"}).x) == 2
