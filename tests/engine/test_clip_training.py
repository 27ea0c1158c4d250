"""Training on clips read from files: through the command line, with decoding workers,
the cache of decoded clips (kept, reused, remade when the files or the fitting change,
done without when it cannot be written), a test split, clips that cannot be read (skipped
and listed, or stopping a strict run or one with too many), short clips, export and
inspection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.engine.cli_helpers import run
from tests.engine.clip_helpers import moving_square, write_frames, write_labels, write_video
from tests.engine.export_helpers import only_torch_and_numpy, run_bare
from tests.engine.training_helpers import chain_project

DIRECTIONS = ("left", "right", "up")


def clip_project(folder: Path, dataset: dict, classes: int = 3, per_frame: bool = False,
                 frames: int = 6, **training) -> Path:
    layers = [("Input", {"shape": [frames, 1, 16, 16]}),
              ("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
              ("ReLU", {}), ("MaxPool2d", {"kernel_size": 4}), ("ToSequence", {}),
              ("GRU", {"hidden_size": 16})]
    if not per_frame:
        layers.append(("LastStep", {}))
    layers.append(("Linear", {"out_features": classes}))
    settings = {"dataset": {"workers": 0, **dataset}, "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 4, "epochs": 2,
                "validation_split": 0.25, "seed": 0, **training}
    chain_project(folder, layers, settings)
    return folder / "tiny.ndproj"


def gestures(root: Path, per_class: int = 4, frames: int = 8) -> Path:
    for direction in DIRECTIONS:
        for number in range(per_class):
            write_video(root / direction / f"{number}.mp4",
                        moving_square(frames, 16, 16, direction, seed=number))
    return root


def result(project: Path) -> dict:
    runs = sorted(project.with_name("tiny.runs").iterdir())
    return json.loads((runs[-1] / "metrics.json").read_text())


def caches(project: Path) -> list[str]:
    folder = project.with_name("tiny.cache")
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def test_a_run_decodes_in_workers_then_reads_the_cache_and_measures_the_test_split(
        tmp_path, capsys):
    for split, count in (("train", 4), ("validation", 1), ("test", 1)):
        gestures(tmp_path / "clips" / split, count)
    project = clip_project(tmp_path, {"path": "clips", "workers": 1})
    code, out, err = run(capsys, "train", str(project))
    assert code == 0, err
    # training and validation clips in the first epoch; the test clips at the end
    assert "decoded 15 clips in" in out and "later epochs read them from the cache" in out
    assert "test_accuracy" in out.splitlines()[-1]
    saved = result(project)
    assert {"val_accuracy", "test_accuracy", "test_loss"} <= set(saved["result"]["metrics"])
    assert saved["data"]["samples"] == 18 and saved["data"]["skipped"] == []
    assert len(caches(project)) == 1

    code, again, _ = run(capsys, "train", str(project))  # every clip from the cache
    assert code == 0 and "decoded" not in again
    for before, after in zip(saved["history"], result(project)["history"], strict=True):
        assert after["val_loss"] == pytest.approx(before["val_loss"], rel=1e-5)
        assert after["train_loss"] == pytest.approx(before["train_loss"], rel=1e-5)


def test_the_cache_is_made_again_when_a_file_or_the_fitting_changes(tmp_path, capsys):
    gestures(tmp_path / "clips", 2)
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    first = caches(project)
    write_video(tmp_path / "clips" / "up" / "0.mp4", moving_square(8, 16, 16, "down"))
    code, out, _ = run(capsys, "train", str(project))
    assert code == 0 and "decoded 6 clips" in out
    second = caches(project)
    assert len(second) == 1 and second != first  # the stale cache is gone
    saved = json.loads(project.read_text())
    saved["graph"]["nodes"][0]["params"]["shape"] = [4, 1, 16, 16]
    project.write_text(json.dumps(saved))
    assert "decoded 6 clips" in run(capsys, "train", str(project))[1]
    assert len(caches(project)) == 1 and caches(project) != second


def test_without_a_writable_cache_folder_every_epoch_decodes_and_says_so(tmp_path, capsys):
    gestures(tmp_path / "clips", 2)
    project = clip_project(tmp_path, {"path": "clips"})
    (tmp_path / "tiny.cache").write_text("a file where the cache folder would go")
    code, _, err = run(capsys, "train", str(project))
    assert code == 0
    assert "warning: no cache of decoded samples can be kept" in err
    assert "every epoch decodes them again" in err


def test_the_cache_option_turns_it_off(tmp_path, capsys):
    gestures(tmp_path / "clips", 2)
    project = clip_project(tmp_path, {"path": "clips", "cache": False}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    assert caches(project) == []


def broken_clips(root: Path) -> None:
    """Beside good clips: a damaged video, a frame folder with a gap, an empty file."""
    (root / "left" / "damaged.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(300))
    gap = write_frames(root / "right" / "gappy", moving_square(8, 16, 16, "right"))
    (gap / "00004.jpg").unlink()
    (root / "up" / "empty.mkv").write_bytes(b"")


def test_clips_that_cannot_be_read_are_skipped_counted_and_listed(tmp_path, capsys):
    gestures(tmp_path / "clips", 5)
    broken_clips(tmp_path / "clips")
    project = clip_project(tmp_path, {"path": "clips", "max_bad": 0.25})
    code, out, _ = run(capsys, "train", str(project))
    assert code == 0, out
    assert "3 could not be read" in out
    last = out.splitlines()[-1]
    assert "skipped 3 clips of 18 that could not be read" in last
    assert "left/damaged.mp4 cannot be opened as a video" in last
    assert "right/gappy has gaps in its frame numbers: 1 missing (4)" in last
    assert "up/empty.mkv cannot be opened as a video" in last
    skipped = {s["sample"]: s["why"] for s in result(project)["data"]["skipped"]}
    assert set(skipped) == {"left/damaged.mp4", "right/gappy", "up/empty.mkv"}


def test_a_strict_dataset_stops_at_the_first_clip_that_cannot_be_read(tmp_path, capsys):
    gestures(tmp_path / "clips", 3)
    broken_clips(tmp_path / "clips")
    project = clip_project(tmp_path, {"path": "clips", "strict": True})
    code, out, _ = run(capsys, "train", str(project))
    assert code == 1
    assert "the dataset is strict: any sample that cannot be read stops the run" in out
    assert "cannot be opened as a video" in out or "gaps in its frame numbers" in out


def test_a_run_stops_when_more_clips_cannot_be_read_than_max_bad_allows(tmp_path, capsys):
    gestures(tmp_path / "clips", 2)
    broken_clips(tmp_path / "clips")
    project = clip_project(tmp_path, {"path": "clips", "max_bad": 0.1})
    code, out, _ = run(capsys, "train", str(project))
    assert code == 1
    assert "samples cannot be read, more than the 10% the dataset's max_bad allows" in out
    assert "left/damaged.mp4" in out


def test_missing_files_and_labels_that_do_not_fit_are_listed_before_training(tmp_path,
                                                                            capsys):
    folder = tmp_path / "labelled"
    for name, frames, labels in (("a", 12, 12), ("b", 12, 12), ("c", 12, 9)):
        write_video(folder / f"{name}.mp4", moving_square(frames, 16, 16))
        write_labels(folder / f"{name}.txt", ["x", "y", "z"] * (labels // 3))
    write_video(folder / "d.mp4", moving_square(12, 16, 16))  # no d.txt
    project = clip_project(tmp_path, {"path": "labelled", "max_bad": 0.9}, per_frame=True,
                           validation_split=0.5)
    code, out, err = run(capsys, "train", str(project))
    assert code == 0, err
    last = out.splitlines()[-1]
    assert "c.mp4 has 12 frames but c.txt has 9 labels; expected one label per frame" in last
    assert "d.mp4 has no label file d.txt beside it" in last


def test_short_clips_repeat_their_last_frame_and_are_counted_or_refused(tmp_path, capsys):
    gestures(tmp_path / "clips", 3, frames=8)
    write_video(tmp_path / "clips" / "up" / "short.mp4", moving_square(3, 16, 16, "up"))
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    code, out, _ = run(capsys, "train", str(project))
    assert code == 0 and "1 clip had fewer frames than the Input's 6: the last frame was " \
        "repeated" in out
    clip_project(tmp_path, {"path": "clips", "short": "refuse"}, epochs=1)
    code, out, _ = run(capsys, "train", str(project))
    assert code == 0 and "up/short.mp4 has 3 frames, fewer than the 6 frames" in out


def test_per_frame_labels_train_a_labeller_and_padded_steps_are_not_scored(tmp_path, capsys):
    folder = tmp_path / "videos"
    for number in range(4):
        write_video(folder / f"v{number}.mp4",
                    moving_square(14, 16, 16, DIRECTIONS[number % 2], seed=number))
        write_labels(folder / f"v{number}.txt", ["still"] * 7 + ["moving"] * 7)
    project = clip_project(tmp_path, {"path": "videos"}, classes=2, per_frame=True)
    code, _, err = run(capsys, "train", str(project))
    assert code == 0, err
    matrix = result(project)["result"]["metrics"]["confusion_matrix"]
    # validation: one whole video of 14 frames, in 3 clips of 6 (4 padded steps unscored)
    assert sum(map(sum, matrix)) == 14


def test_export_writes_train_py_that_reads_the_same_clips(tmp_path, capsys):
    for split, count in (("train", 3), ("test", 1)):
        gestures(tmp_path / "clips" / split, count)
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    code, _, err = run(capsys, "export", str(project), "--format", "python", "-o",
                         str(tmp_path / "code"))
    assert code == 0, err
    files = sorted(p.name for p in (tmp_path / "code").iterdir())
    assert files == ["clip_reading.py", "data.json", "model.py", "train.py",
                     "weights.safetensors"]
    listing = json.loads((tmp_path / "code" / "data.json").read_text())
    assert listing["root"] == str(tmp_path / "clips")
    assert {part: len(clips) for part, clips in listing["parts"].items()} == {
        "train": 7, "validation": 2, "test": 3}
    assert listing["fitting"]["frames"] == 6


def test_the_exported_train_py_decodes_the_clips_as_netdesigner_does(tmp_path, capsys):
    """Run by a Python that has only torch, numpy, PyAV and Pillow: the project's weights
    measured by train.py give the validation figures Netdesigner's run gave, and it
    trains on the same files and measures the test split."""
    for split, count in (("train", 3), ("test", 1)):
        gestures(tmp_path / "clips" / split, count)
    write_frames(tmp_path / "clips" / "train" / "up" / "frames", moving_square(8, 16, 16))
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    code = tmp_path / "code"
    assert run(capsys, "export", str(project), "--format", "python", "-o", str(code))[0] == 0
    packages = only_torch_and_numpy(tmp_path / "site", also=("av", "pillow"))
    measured = run_bare(["train.py", "--init", "weights.safetensors", "--epochs", "0"],
                        code, packages)
    assert measured.returncode == 0, measured.stderr
    figures = dict(re.findall(r"(val_\w+) ([-\d.e]+)", measured.stdout))
    ours = result(project)["result"]["metrics"]
    assert float(figures["val_loss"]) == pytest.approx(ours["val_loss"], abs=1e-4)
    assert float(figures["val_accuracy"]) == pytest.approx(ours["val_accuracy"])
    trained = run_bare(["train.py", "--epochs", "1", "--out", "again"], code, packages)
    assert trained.returncode == 0, trained.stderr
    assert "test_accuracy" in trained.stdout
    assert (code / "again" / "weights.safetensors").exists()


def test_inspect_looks_at_a_validation_clip(tmp_path, capsys):
    gestures(tmp_path / "clips", 3)
    project = clip_project(tmp_path, {"path": "clips"}, epochs=1)
    assert run(capsys, "train", str(project))[0] == 0
    code, out, err = run(capsys, "inspect", str(project), "--out", str(tmp_path / "look"),
                         "--sample", "1")
    assert code == 0, err
    assert "sample 1: predicted" in out and (tmp_path / "look" / "figures.json").exists()


def test_two_processes_share_the_clips_and_one_cache(tmp_path, capsys):
    gestures(tmp_path / "clips", 4)
    project = clip_project(tmp_path, {"path": "clips"}, epochs=2)
    code, out, err = run(capsys, "train", str(project), "--nproc", "2")
    assert code == 0, err + out
    assert len(caches(project)) == 1
