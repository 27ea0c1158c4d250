"""Small videos and frame folders made in the tests: encoded with PyAV, in several
containers and codecs, grey or colour, of a bright square moving across a dark frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".avi": "mpeg4",
          ".webm": "libvpx-vp9"}


def moving_square(frames: int, height: int = 32, width: int = 32, direction: str = "right",
                  colour: bool = False, seed: int = 0) -> np.ndarray:
    """[T, H, W] (or [T, H, W, 3] in colour) uint8: a square crossing the frame."""
    rng = np.random.default_rng(seed)
    side = max(2, min(height, width) // 4)
    video = np.full((frames, height, width, 3), 20, np.uint8)
    row = int(rng.integers(0, height - side + 1))
    column = int(rng.integers(0, width - side + 1))
    for t in range(frames):
        along = round(t * (width - side) / max(frames - 1, 1))
        down = round(t * (height - side) / max(frames - 1, 1))
        top, left = {"right": (row, along), "left": (row, width - side - along),
                     "down": (down, column), "up": (height - side - down, column)}[direction]
        video[t, top:top + side, left:left + side] = (230, 60, 40) if colour else 230
    return video if colour else video[..., 0]


def write_video(path: Path, frames: np.ndarray, fps: int = 10, lossless: bool = True,
                full_range: bool = False) -> Path:
    """Encode [T, H, W] grey or [T, H, W, 3] RGB uint8 frames; H and W even for H.264.
    Lossless H.264 in full range (yuvj420p) gives grey values back exactly; in the usual
    video range (yuv420p), within one level."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    codec = CODECS[path.suffix.lower()]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = frames.shape[1], frames.shape[2]
        stream.pix_fmt = "yuvj420p" if full_range and codec == "libx264" else "yuv420p"
        if codec == "libx264":
            stream.options = {"qp": "0"} if lossless else {"crf": "23"}
        elif codec == "mpeg4":
            stream.options = {"qscale": "1"}
        rgb = frames if frames.ndim == 4 else np.repeat(frames[..., None], 3, axis=3)
        for picture in rgb:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_frames(folder: Path, frames: np.ndarray, pattern: str = "{:05d}.jpg",
                 first: int = 1) -> Path:
    """One image per frame, numbered from `first`."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for number, picture in enumerate(frames, start=first):
        Image.fromarray(picture).save(folder / pattern.format(number), quality=95)
    return folder


def write_labels(path: Path, labels: list[str]) -> Path:
    path.write_text("\n".join(labels) + "\n")
    return path
