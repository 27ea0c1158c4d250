"""Clips read from videos and frame folders, fitted to the Input's [T, C, H, W]: which
frames are taken, how pictures are resized, grey and colour, short clips, long videos cut
into consecutive clips, and what a damaged file says (engine.data.standalone.clip_reading)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.standalone.clip_reading import (
    ClipError,
    Fitting,
    clip_facts,
    count_frames,
    cut_count,
    cut_frames,
    cut_steps,
    frame_files,
    frame_indices,
    read_clip,
    read_cuts,
)
from tests.engine.clip_helpers import moving_square, write_frames, write_video


def numbered(frames: int, height: int = 16, width: int = 16) -> np.ndarray:
    """Grey frames whose every pixel is the frame's number × 10: which frame a fitted
    picture came from can be read off it."""
    return np.stack([np.full((height, width), 10 * i, np.uint8) for i in range(frames)])


def test_frames_are_taken_evenly_over_the_clip():
    assert frame_indices(10, Fitting(4, 1, 8, 8)) == ([0, 3, 6, 9], False)
    assert frame_indices(4, Fitting(4, 1, 8, 8)) == ([0, 1, 2, 3], False)
    assert frame_indices(100, Fitting(3, 1, 8, 8))[0] == [0, 50, 99]  # numpy's rounding


def test_consecutive_frames_are_taken_stride_apart_from_the_middle():
    fitting = Fitting(3, 1, 8, 8, sampling="consecutive", stride=2)
    assert frame_indices(11, fitting) == ([3, 5, 7], False)
    assert frame_indices(5, fitting) == ([0, 2, 4], False)


def test_a_short_clip_repeats_its_last_frame_or_is_refused():
    assert frame_indices(3, Fitting(5, 1, 8, 8)) == ([0, 1, 2, 2, 2], True)
    assert frame_indices(3, Fitting(3, 1, 8, 8, sampling="consecutive", stride=2)) == (
        [0, 2, 2], True)
    with pytest.raises(ClipError, match="has 3 frames, fewer than the 5 frames"):
        frame_indices(3, Fitting(5, 1, 8, 8, short="refuse"))
    with pytest.raises(ClipError, match="no frames"):
        frame_indices(0, Fitting(5, 1, 8, 8))


@pytest.mark.parametrize("suffix", [".mp4", ".avi", ".mkv", ".webm", ".mov"])
def test_each_container_gives_the_frames_asked_for(tmp_path, suffix):
    video = write_video(tmp_path / f"clip{suffix}", numbered(10), full_range=True)
    assert count_frames(video) == 10
    clip, short = read_clip(video, Fitting(4, 1, 16, 16))
    assert clip.shape == (4, 1, 16, 16) and clip.dtype == np.uint8 and not short
    # frames 0, 3, 6 and 9: their numbers read back within the codec's error
    assert np.abs(clip.reshape(4, -1).mean(1) - [0, 30, 60, 90]).max() < 4


def test_lossless_full_range_video_decodes_exactly(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    video = write_video(tmp_path / "noise.mp4", frames, full_range=True)
    clip, _ = read_clip(video, Fitting(6, 1, 16, 16))
    assert np.array_equal(clip[:, 0], frames)


def test_colour_and_grey_follow_the_input_channels(tmp_path):
    video = write_video(tmp_path / "red.mp4", moving_square(6, 32, 32, colour=True))
    colour, _ = read_clip(video, Fitting(6, 3, 32, 32))
    grey, _ = read_clip(video, Fitting(6, 1, 32, 32))
    assert colour.shape == (6, 3, 32, 32) and grey.shape == (6, 1, 32, 32)
    square = colour[0, :, colour[0].sum(0).argmax() // 32, colour[0].sum(0).argmax() % 32]
    assert square[0] > 180 and square[1] < 110  # red stays red
    assert clip_facts(video).channels == 3
    assert clip_facts(write_video(tmp_path / "grey.mp4", moving_square(6))).channels == 1


def halves(frames: int, height: int, width: int) -> np.ndarray:
    """Black on the left third, white on the right third, grey between."""
    picture = np.full((height, width), 128, np.uint8)
    picture[:, : width // 3] = 0
    picture[:, width - width // 3:] = 255
    return np.repeat(picture[None], frames, axis=0)


def test_crop_keeps_the_aspect_and_cuts_out_the_centre(tmp_path):
    video = write_video(tmp_path / "wide.mp4", halves(4, 32, 96), full_range=True)
    cropped, _ = read_clip(video, Fitting(2, 1, 16, 16))
    # the middle third (grey) fills the square: the black and white sides are cut off
    assert np.abs(cropped.astype(int) - 128).max() < 12


def test_stretch_squeezes_the_whole_frame(tmp_path):
    video = write_video(tmp_path / "wide.mp4", halves(4, 32, 96), full_range=True)
    stretched, _ = read_clip(video, Fitting(2, 1, 16, 16, resize="stretch"))
    assert stretched[0, 0, :, 0].max() < 20 and stretched[0, 0, :, -1].min() > 235


def test_frame_folders_are_read_in_the_order_of_the_numbers_in_their_names(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    frames = numbered(12, 8, 8)
    from PIL import Image

    for number, picture in enumerate(frames, start=1):  # 1.png … 12.png: '10' after '9'
        Image.fromarray(picture).save(folder / f"{number}.png")
    assert [p.name for p in frame_files(folder)][:3] == ["1.png", "2.png", "3.png"]
    assert frame_files(folder)[-1].name == "12.png"
    clip, _ = read_clip(folder, Fitting(12, 1, 8, 8))
    assert clip.reshape(12, -1).mean(1).tolist() == [10.0 * i for i in range(12)]


def test_a_frame_folder_with_a_gap_in_its_numbers_is_refused(tmp_path):
    folder = write_frames(tmp_path / "clip", numbered(5, 8, 8))
    (folder / "00003.jpg").unlink()
    with pytest.raises(ClipError, match="gaps in its frame numbers: 1 missing \\(3\\)"):
        read_clip(folder, Fitting(4, 1, 8, 8))


def test_a_damaged_video_says_why(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    with pytest.raises(ClipError, match="cannot be opened as a video"):
        read_clip(broken, Fitting(4, 1, 8, 8))
    truncated = tmp_path / "truncated.mp4"
    whole = write_video(tmp_path / "whole.mp4", moving_square(30, 64, 64)).read_bytes()
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(ClipError):
        read_clip(truncated, Fitting(4, 1, 8, 8))


def test_a_long_video_is_cut_into_consecutive_clips_its_last_padded(tmp_path):
    fitting = Fitting(4, 1, 16, 16)
    assert cut_count(10, fitting) == 3
    assert cut_frames(2, fitting, 10) == [8, 9, 9, 9]
    assert cut_steps(2, fitting, 10) == 2
    video = write_video(tmp_path / "long.mp4", numbered(10), full_range=True)
    cuts = dict(read_cuts(video, fitting, 10))
    assert sorted(cuts) == [0, 1, 2]
    assert cuts[1].reshape(4, -1).mean(1).tolist() == [40.0, 50.0, 60.0, 70.0]
    assert cuts[2].reshape(4, -1).mean(1).tolist() == [80.0, 90.0, 90.0, 90.0]
    only = dict(read_cuts(video, fitting, 10, [1]))
    assert list(only) == [1] and np.array_equal(only[1], cuts[1])


def test_cuts_with_a_stride_take_every_strideth_frame(tmp_path):
    fitting = Fitting(2, 1, 16, 16, stride=3)
    video = write_video(tmp_path / "long.mp4", numbered(12), full_range=True)
    cuts = dict(read_cuts(video, fitting, 12))
    assert cut_count(12, fitting) == 2
    assert cuts[0].reshape(2, -1).mean(1).tolist() == [0.0, 30.0]
    assert cuts[1].reshape(2, -1).mean(1).tolist() == [60.0, 90.0]


def test_a_video_shorter_than_its_labels_promise_says_so(tmp_path):
    video = write_video(tmp_path / "short.mp4", numbered(6))
    with pytest.raises(ClipError, match="ended after 6 frames"):
        list(read_cuts(video, Fitting(4, 1, 16, 16), 12))


def test_facts_say_size_rate_and_length(tmp_path):
    facts = clip_facts(write_video(tmp_path / "v.mp4", moving_square(25, 24, 40), fps=25))
    assert (facts.width, facts.height, facts.frames, facts.fps) == (40, 24, 25, 25.0)
    assert facts.seconds == pytest.approx(1.0)
    folder = write_frames(tmp_path / "frames", moving_square(7, 12, 20))
    assert (clip_facts(folder).frames, clip_facts(folder).fps) == (7, None)


def test_a_folder_with_frames_and_optical_flow_reads_the_frames(tmp_path):
    """TSN's extraction writes img_00001.jpg beside flow_x_00001.jpg and flow_y_00001.jpg."""
    folder = tmp_path / "clip"
    write_frames(folder, numbered(6, 8, 8), "img_{:05d}.png")
    write_frames(folder, np.full((6, 8, 8), 255, np.uint8), "flow_x_{:05d}.png")
    write_frames(folder, np.full((6, 8, 8), 255, np.uint8), "flow_y_{:05d}.png")
    assert {p.name[:4] for p in frame_files(folder)} == {"img_"}
    clip, _ = read_clip(folder, Fitting(6, 1, 8, 8))
    assert clip.reshape(6, -1).mean(1).tolist() == [10.0 * i for i in range(6)]


def marked(frames: int) -> np.ndarray:
    """Frames whose grey level is 7 × their number (mod 256): an off-by-one frame is off
    by 7."""
    return np.stack([np.full((32, 32), 7 * i % 256, np.uint8) for i in range(frames)])


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".webm"])
def test_frames_far_into_a_long_video_are_reached_by_seeking_exactly(tmp_path, suffix):
    video = write_video(tmp_path / f"long{suffix}", marked(900), fps=25, full_range=True)
    clip, _ = read_clip(video, Fitting(5, 1, 32, 32))  # 225 frames apart: seeks
    wanted = frame_indices(900, Fitting(5, 1, 32, 32))[0]
    assert np.abs(clip.reshape(5, -1).mean(1) - [7 * i % 256 for i in wanted]).max() < 3
    (cut,) = read_cuts(video, Fitting(4, 1, 32, 32), 900, [150])  # frames 600 to 603
    assert np.abs(cut[1].reshape(4, -1).mean(1) - [7 * i % 256 for i in range(600, 604)]
                  ).max() < 3
