"""Built-in video data, generated from the digit images: short greyscale clips
[frames, 1, 16, 16] of a digit that moves (gestures) or of cuts between digits
(video_labels). Held-out clips are made only from digit images no training clip uses."""

from __future__ import annotations

import numpy as np
import torch

from engine.data.dataset import Dataset
from engine.data.digit_images import digit_images, split_sources

FRAME = 16
"""Frames are FRAME × FRAME pixels; the 8×8 digit moves inside them."""
ROOM = FRAME - 8
"""The largest top-left position of the digit in a frame."""

GESTURE_FRAMES = 12
GESTURES = ["left", "right", "up", "down", "clockwise", "anticlockwise"]
"""How the digit moves: straight across the frame, or round in a circle. Neither a single
frame nor the set of frames tells left from right or clockwise from anticlockwise: only
their order does."""

LABELLED_FRAMES = 10
DIGITS = [str(d) for d in range(10)]


def _paste(clip: np.ndarray, image: np.ndarray, frames: np.ndarray, rows: np.ndarray,
           columns: np.ndarray) -> None:
    """Draw the 8×8 `image` into each of the clip's `frames` at its (row, column)."""
    for frame, row, column in zip(frames, rows, columns, strict=True):
        window = clip[frame, 0, row:row + 8, column:column + 8]
        np.maximum(window, image, out=window)


def _noisy(clips: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    clips += rng.normal(0.0, sigma, clips.shape).astype(np.float32)
    return np.clip(clips, 0.0, 1.0, out=clips)


def _gesture_path(gesture: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The digit's top-left (rows, columns) in each frame of a clip of one gesture, with a
    speed, start and wobble of its own."""
    steps = np.arange(GESTURE_FRAMES)
    if gesture < 4:  # straight across
        travel = rng.uniform(5.0, ROOM)
        start = rng.uniform(0.0, ROOM - travel)
        along = start + travel * steps / (GESTURE_FRAMES - 1)
        if gesture in (0, 2):  # left and up run against the axis
            along = ROOM - along
        across = rng.uniform(1.0, ROOM - 1.0) + rng.normal(0.0, 0.4, GESTURE_FRAMES)
        rows, columns = (across, along) if gesture < 2 else (along, across)
    else:
        radius = rng.uniform(2.5, 3.5)
        centre = ROOM / 2 + rng.uniform(-0.5, 0.5, 2)
        turn = rng.uniform(0.75, 1.0) * 2 * np.pi / GESTURE_FRAMES
        angle = rng.uniform(0.0, 2 * np.pi) + (turn if gesture == 4 else -turn) * steps
        # rows grow downwards: clockwise on the screen is a growing angle
        rows, columns = centre[0] + radius * np.sin(angle), centre[1] + radius * np.cos(angle)
    return (np.clip(np.rint(rows), 0, ROOM).astype(int),
            np.clip(np.rint(columns), 0, ROOM).astype(int))


def _gesture_clips(images: np.ndarray, count: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    clips = np.zeros((count, GESTURE_FRAMES, 1, FRAME, FRAME), np.float32)
    labels = rng.integers(0, len(GESTURES), count)
    for clip, gesture in zip(clips, labels, strict=True):
        image = images[rng.integers(len(images))] * rng.uniform(0.7, 1.0)
        _paste(clip, image, np.arange(GESTURE_FRAMES), *_gesture_path(int(gesture), rng))
    return _noisy(clips, rng, 0.1), labels.astype(np.int64)


def gestures(seed: int = 0, train_count: int = 2400, test_count: int = 600) -> Dataset:
    """Clips of 12 frames in which a digit moves left, right, up or down across the frame,
    or round clockwise or anticlockwise, at its own speed, start and wobble, in noise;
    labelled with the gesture."""
    images, _ = digit_images()
    rng = np.random.default_rng(seed)
    train_sources, test_sources = split_sources(len(images), rng)
    x, y = _gesture_clips(images[train_sources], train_count, rng)
    x_val, y_val = _gesture_clips(images[test_sources], test_count, rng)
    return Dataset("gestures", torch.from_numpy(x), torch.from_numpy(y), "classes",
                   list(GESTURES), torch.from_numpy(x_val), torch.from_numpy(y_val))


def _cuts(rng: np.random.Generator) -> np.ndarray:
    """Which shot each frame of a clip belongs to: 2 or 3 shots of at least 2 frames."""
    shots = int(rng.integers(2, 4))
    starts = np.sort(rng.choice(np.arange(2, LABELLED_FRAMES - 1), shots - 1, replace=False))
    while np.any(np.diff(np.concatenate([[0], starts, [LABELLED_FRAMES]])) < 2):
        starts = np.sort(rng.choice(np.arange(2, LABELLED_FRAMES - 1), shots - 1,
                                    replace=False))
    return np.searchsorted(starts, np.arange(LABELLED_FRAMES), side="right")


def _labelled_clips(images: np.ndarray, labels: np.ndarray, count: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    clips = np.zeros((count, LABELLED_FRAMES, 1, FRAME, FRAME), np.float32)
    targets = np.zeros((count, LABELLED_FRAMES), np.int64)
    for clip, target in zip(clips, targets, strict=True):
        shot_of_frame = _cuts(rng)
        digit = -1
        for shot in range(shot_of_frame[-1] + 1):
            frames = np.flatnonzero(shot_of_frame == shot)
            digit = (digit + int(rng.integers(1, 10))) % 10 if digit >= 0 else int(
                rng.integers(10))  # each shot shows another digit than the one before
            image = images[rng.choice(np.flatnonzero(labels == digit))]
            # the camera drifts a little within a shot
            rows = np.clip(rng.integers(1, ROOM) + np.cumsum(rng.integers(-1, 2, len(frames))),
                           0, ROOM)
            columns = np.clip(rng.integers(1, ROOM) + np.cumsum(
                rng.integers(-1, 2, len(frames))), 0, ROOM)
            _paste(clip, image, frames, rows, columns)
            target[frames] = digit
        # a frame now and then is spoilt (a flash of noise over it): only the frames around
        # it tell what it shows
        spoilt = rng.random(LABELLED_FRAMES) < 0.15
        clip[spoilt] = np.maximum(clip[spoilt], rng.uniform(
            0.0, 1.0, clip[spoilt].shape).astype(np.float32) * 0.9)
    return _noisy(clips, rng, 0.1), targets


def video_labels(seed: int = 0, train_count: int = 2000, test_count: int = 500) -> Dataset:
    """Clips of 10 frames that cut between 2 or 3 shots of different digits (drifting a
    little, in noise, a frame now and then spoilt by a flash), labelled frame by frame with
    the digit in view."""
    images, labels = digit_images()
    rng = np.random.default_rng(seed)
    train_sources, test_sources = split_sources(len(images), rng)
    x, y = _labelled_clips(images[train_sources], labels[train_sources], train_count, rng)
    x_val, y_val = _labelled_clips(images[test_sources], labels[test_sources], test_count,
                                   rng)
    return Dataset("video_labels", torch.from_numpy(x), torch.from_numpy(y), "classes",
                   list(DIGITS), torch.from_numpy(x_val), torch.from_numpy(y_val))
