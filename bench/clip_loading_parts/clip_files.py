"""Clips written as files for the clip benchmarks: the built-in gestures as .mp4 class
folders and the built-in video labels as long videos with a file of per-frame labels
beside each (both split into train/ and validation/ as the built-ins are), and camera-like
colour videos for timing decoding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.data import Dataset


def write_video(path: Path, frames: np.ndarray, fps: int = 25, lossless: bool = True) -> None:
    """[T, H, W] grey or [T, H, W, 3] RGB uint8 frames as H.264: lossless and full range
    (yuvj420p) for data whose every value counts, else as a camera would (crf 23)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    grey = frames.ndim == 3
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames.shape[1], frames.shape[2]
        stream.pix_fmt = "yuvj420p" if lossless else "yuv420p"
        stream.options = {"qp": "0"} if lossless else {"crf": "23"}
        for picture in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture),
                                               format="gray" if grey else "rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _bytes(clips: np.ndarray) -> np.ndarray:
    """[N, T, 1, H, W] floats in [0, 1] as [N, T, H, W] uint8."""
    return np.rint(np.clip(clips[:, :, 0], 0.0, 1.0) * 255).astype(np.uint8)


def write_class_folders(root: Path, data: Dataset) -> Path:
    """train/CLASS/NNNNN.mp4 and validation/CLASS/NNNNN.mp4."""
    for split, x, y in (("train", data.x, data.y), ("validation", data.x_val, data.y_val)):
        for number, (clip, label) in enumerate(zip(_bytes(x.numpy()), y.tolist(),
                                                   strict=True)):
            write_video(root / split / data.classes[label] / f"{number:05d}.mp4", clip)
    return root


def write_labelled_videos(root: Path, data: Dataset, clips_per_video: int = 50) -> Path:
    """train/videoNNN.mp4 + videoNNN.txt (one label per frame), the clips one after another,
    so that cutting a video into clips of the built-in's length gives its clips back."""
    for split, x, y in (("train", data.x, data.y), ("validation", data.x_val, data.y_val)):
        frames, labels = _bytes(x.numpy()), y.numpy()
        for number, start in enumerate(range(0, len(frames), clips_per_video)):
            chosen = slice(start, start + clips_per_video)
            video = frames[chosen].reshape(-1, *frames.shape[2:])
            path = root / split / f"video{number:03d}.mp4"
            write_video(path, video)
            names = [data.classes[i] for i in labels[chosen].reshape(-1).tolist()]
            path.with_suffix(".txt").write_text("\n".join(names) + "\n")
    return root


def camera_clips(root: Path, count: int, frames: int = 60, size: tuple[int, int] = (240, 320),
                 classes: int = 4, seed: int = 0) -> Path:
    """CLASS/NNNN.mp4: colour videos as a camera gives them (320×240, 25 fps, crf 23) of
    a coloured disc moving one of `classes` ways over a textured background."""
    rng = np.random.default_rng(seed)
    height, width = size
    rows, columns = np.mgrid[0:height, 0:width]
    for number in range(count):
        label = number % classes
        background = rng.integers(0, 80, (height // 8, width // 8, 3), dtype=np.uint8)
        background = np.kron(background, np.ones((8, 8, 1), np.uint8))
        angle = 2 * np.pi * label / classes
        start = np.array([height / 2, width / 2]) + rng.normal(0, 10, 2)
        video = np.empty((frames, height, width, 3), np.uint8)
        for t in range(frames):
            centre = start + t * 2.0 * np.array([np.sin(angle), np.cos(angle)])
            disc = (rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 < 30 ** 2
            video[t] = background
            video[t][disc] = (220, 180, 40)
        write_video(root / f"class{label}" / f"{number:04d}.mp4", video, lossless=False)
    return root


def linked_copies(source: Path, target: Path, times: int) -> Path:
    """`times` copies of a folder of class folders, as hard links (distinct files to the
    loader, no more disk)."""
    for copy in range(times):
        for file in source.rglob("*.mp4"):
            linked = target / file.relative_to(source).parent / f"{copy}-{file.name}"
            linked.parent.mkdir(parents=True, exist_ok=True)
            if not linked.exists():
                os.link(file, linked)
    return target
