"""Samples as pictures: images drawn as they are, sequences and vectors as heat maps, one
unscaled QImage per sample, for a widget to scale and show."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

SampleKind = Literal["image", "sequence"]


def sample_pictures(images: np.ndarray, kind: SampleKind | None = None) -> list[QImage]:
    """One QImage (unscaled) per sample.

    kind 'image': [N, C, H, W] (greyscale for C=1, RGB for C=3 or 4, the first channel
    otherwise) or [N, H, W] greyscale; values in [0, 1] are drawn as they are, any other
    range is stretched per image. kind 'sequence': [N, T, F] drawn as a heat map with time
    left to right and one row per feature, stretched per sample; [N, F] vectors are drawn
    as a single row the same way. None: 'image' for rank 3 and 4, 'sequence' for rank 2."""
    array = np.asarray(images, dtype=np.float32)
    if array.ndim not in (2, 3, 4):
        raise ValueError(f"samples are [N, C, H, W], [N, H, W] or [N, T, F]; got the "
                         f"shape {array.shape}")
    if kind is None:
        kind = "sequence" if array.ndim == 2 else "image"
    array = np.nan_to_num(array, nan=0.0, posinf=0.0, neginf=0.0)
    pictures = []
    if kind == "sequence":
        if array.ndim == 2:
            array = array[:, None, :]  # one row of F
        else:
            array = array.reshape(len(array), array.shape[1], -1).transpose(0, 2, 1)
        lut = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False)
        for sample in array:
            pictures.append(_rgb_image(lut[_bytes(_stretch(sample))]))
        return pictures
    if array.ndim == 3:
        array = array[:, None]
    channels = array.shape[1]
    for sample in array:
        sample = sample[:3] if channels in (3, 4) else sample[:1]
        if sample.min() < 0.0 or sample.max() > 1.0:
            sample = _stretch(sample)
        if len(sample) == 3:
            pictures.append(_rgb_image(_bytes(sample).transpose(1, 2, 0)))
        else:
            pictures.append(_grey_image(_bytes(sample[0])))
    return pictures


def _stretch(values: np.ndarray) -> np.ndarray:
    """Values stretched to [0, 1]; a constant array becomes 0.5 (not black: nothing there is
    darker than anything else)."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.full_like(values, 0.5)
    return (values - low) / (high - low)


def _bytes(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values * 255.0), 0, 255).astype(np.uint8)


def _grey_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0],
                  QImage.Format.Format_Grayscale8).copy()  # the copy owns its pixels


def _rgb_image(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    height, width, _ = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0],
                  QImage.Format.Format_RGB888).copy()
