"""A folder of class subfolders of images, fitted to the network's Input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from engine.capacity import memory_problem
from engine.catalogue import TensorInfo
from engine.data.dataset import DataError, Dataset
from engine.data.files.checks import reason, refuse_irregular

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif"})


def load_image_folder(path: Path, sample: TensorInfo | None) -> Dataset:
    """Images in class subfolders (sorted names are the classes), each converted and resized
    to the network Input's [C, H, W] and scaled to [0, 1]."""
    name = f"{path.name}/"
    channels, height, width = _image_input_shape(name, sample)
    if not path.is_dir():
        raise DataError(f"{name} is not a folder; expected a folder of class subfolders of "
                        "images")
    class_folders = sorted((entry for entry in path.iterdir()
                            if entry.is_dir() and not _hidden(entry.name)),
                           key=lambda folder: folder.name)
    images_by_class = [_images_under(folder) for folder in class_folders]
    loose = [entry for entry in path.iterdir() if entry.is_file() and _is_image(entry.name)]
    suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
    if not loose and not any(images_by_class):
        raise DataError(f"{name} holds no images at all; expected class subfolders of image "
                        f"files ({suffixes})")
    if len(class_folders) < 2:
        found = (f"only the subfolder {class_folders[0].name!r}" if class_folders
                 else "no subfolders")
        raise DataError(f"{name} has {found}; expected one subfolder per class, at least two, "
                        "each holding that class's images")
    for folder, images in zip(class_folders, images_by_class, strict=True):
        if not images:
            raise DataError(f"{name}: the class folder {folder.name!r} holds no images; "
                            f"expected image files ({suffixes}) in every class folder")

    files = [image for images in images_by_class for image in images]
    pixels = _read_images(path, files, channels, height, width)
    # [N, H, W, C] bytes -> [N, C, H, W] floats in [0, 1]
    x = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2), dtype=np.float32)
    x /= 255.0
    y = np.repeat(np.arange(len(class_folders), dtype=np.int64),
                  [len(images) for images in images_by_class])
    return Dataset(path.name, torch.from_numpy(x), torch.from_numpy(y), "classes",
                   [folder.name for folder in class_folders])


def _image_input_shape(name: str, sample: TensorInfo | None) -> tuple[int, int, int]:
    needs = ("expected an Input of [1, height, width] for greyscale images or "
             "[3, height, width] for colour, float32")
    if sample is None:
        raise DataError(f"{name}: images are resized to fit the network's Input, but no "
                        f"Input shape was given; {needs}")
    shape = tuple(sample.shape)
    if (len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1
            or sample.dtype != "float32"):
        raise DataError(f"{name}: the network's Input is {sample}, which images cannot "
                        f"fill; {needs}")
    channels, height, width = (int(size) for size in shape)
    return channels, height, width


def _images_under(folder: Path) -> list[Path]:
    """Every image in the folder and its subfolders, in a stable order, hidden ones left out
    (macOS and editors leave '.'-files that are not images or not the user's)."""
    found = []
    for root, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(sub for sub in subfolders if not _hidden(sub))
        found.extend(Path(root) / file for file in sorted(names) if _is_image(file))
    return found


def _hidden(file_name: str) -> bool:
    return file_name.startswith(".") or file_name == "__MACOSX"


def _is_image(file_name: str) -> bool:
    return not _hidden(file_name) and Path(file_name).suffix.lower() in IMAGE_SUFFIXES


def _read_images(folder: Path, files: list[Path], channels: int, height: int,
                 width: int) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        raise DataError("reading image folders needs Pillow; pip install Pillow") from None
    mode = "L" if channels == 1 else "RGB"
    # the bytes read, then the float copy the network takes
    needed = len(files) * height * width * channels * (1 + 4)
    too_large = memory_problem(f"{folder.name}/: {len(files):,} images at the Input's "
                               f"{channels}×{height}×{width}", needed)
    if too_large:
        raise DataError(too_large + "; give the Input a smaller height and width")
    pixels = np.empty((len(files), height, width, channels), np.uint8)
    for index, file in enumerate(files):
        refuse_irregular(file, f"{folder.name}/{file.relative_to(folder).as_posix()}")
        try:
            with Image.open(file) as image:
                # lets the JPEG decoder shrink big photos while decoding: much faster
                image.draft(mode, (width, height))
                fitted = image.convert(mode).resize((width, height),
                                                    Image.Resampling.BILINEAR)
        # image decoders raise many kinds of error on damaged files (OSError, SyntaxError,
        # struct.error, DecompressionBombError, ...); each means this file is unusable
        except Exception as error:
            raise DataError(f"{folder.name}/: Pillow cannot read "
                            f"{file.relative_to(folder).as_posix()} ({reason(error)}); "
                            "expected a readable .png, .jpg, .bmp or .gif image") from None
        pixels[index] = np.asarray(fitted).reshape(height, width, channels)
    return pixels
