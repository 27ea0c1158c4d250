"""The clip loader a person writes by hand with PyAV and torch's DataLoader, as tutorials
and example repositories write it: every frame decoded to RGB, T of them taken evenly,
resized with torch and the centre cut out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class VideoFolder(Dataset):
    def __init__(self, files: list[Path], labels: list[int], frames: int, size: int):
        self.files, self.labels, self.frames, self.size = files, labels, frames, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        import av

        with av.open(str(self.files[index])) as container:
            decoded = [frame.to_ndarray(format="rgb24")
                       for frame in container.decode(video=0)]
        chosen = np.linspace(0, len(decoded) - 1, self.frames).round().astype(int)
        clip = torch.from_numpy(np.stack([decoded[i] for i in chosen]))
        clip = clip.permute(0, 3, 1, 2).float() / 255.0  # [T, C, H, W]
        height, width = clip.shape[-2:]
        scale = self.size / min(height, width)
        clip = F.interpolate(clip, size=(round(height * scale), round(width * scale)),
                             mode="bilinear", antialias=True, align_corners=False)
        top = (clip.shape[-2] - self.size) // 2
        left = (clip.shape[-1] - self.size) // 2
        return clip[..., top:top + self.size, left:left + self.size], self.labels[index]


def hand_written_loader(files: list[Path], labels: list[int], frames: int, size: int,
                        batch_size: int, workers: int) -> DataLoader:
    extra = {"multiprocessing_context": "spawn"} if workers else {}
    return DataLoader(VideoFolder(files, labels, frames, size), batch_size=batch_size,
                      num_workers=workers, shuffle=True, **extra)
