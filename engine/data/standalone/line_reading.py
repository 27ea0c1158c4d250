"""Images of text lines fitted to the [C, H, W] a CTC network's Input takes, as uint8.

By default each line is scaled to the Input's height with its aspect kept, squeezed to
the Input's width if it is still wider, and padded at the right with its own background
(the median of its border, so dark text on light paper and light text on dark both
work); `resize="stretch"` scales every line to the whole width instead.

Copied as it is beside an exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
)
RESIZES = ("height", "stretch")


class LineError(Exception):
    """A line image that cannot be read; the message says why (the caller names it)."""


def is_line_image(path: Path) -> bool:
    try:
        return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    except OSError:
        return False


def background(pixels: np.ndarray) -> np.ndarray:
    """The median of the image's border, per channel ([H, W, C] uint8)."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return np.median(border, axis=0).astype(np.uint8)


def read_line(
    path: Path, channels: int, height: int, width: int, resize: str = "height"
) -> tuple[np.ndarray, int]:
    """[C, H, W] uint8, and how many of its columns are the line (the rest: padding)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("L" if channels == 1 else "RGB")
            if resize == "stretch":
                scaled = (width, height)
            else:
                scaled = (max(1, round(image.width * height / image.height)), height)
                scaled = (min(scaled[0], width), height)
            fitted = np.asarray(image.resize(scaled, Image.Resampling.BILINEAR))
    except Exception as error:  # Pillow raises many kinds on damaged files
        text = (
            str(error).strip().splitlines()[0]
            if str(error).strip()
            else type(error).__name__
        )
        raise LineError(f"cannot be read as an image ({text[:200]})") from None
    if fitted.ndim == 2:
        fitted = fitted[:, :, None]
    line = np.empty((height, width, fitted.shape[2]), np.uint8)
    line[:] = background(fitted)
    line[:, : fitted.shape[1]] = fitted
    return np.ascontiguousarray(line.transpose(2, 0, 1)), fitted.shape[1]
