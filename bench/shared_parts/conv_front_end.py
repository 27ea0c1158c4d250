"""The convolutional front end the overhead benchmarks time: two blocks of 3×3 convolution
→ batch norm → ReLU → 2×2 max pooling, as project nodes and written by hand. The hand-written
networks inherit its layers as their own attributes, so that their submodule names are the
node ids and the compiled module's state_dict loads into them unchanged."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def conv_front_end_layers(widths: tuple[int, int]) -> list[tuple[str, str, dict[str, Any]]]:
    """The nodes conv1 … pool2, after an Input."""
    first, second = widths
    return [
        ("conv1", "Conv2d", {"out_channels": first, "kernel_size": 3, "padding": 1}),
        ("bn1", "BatchNorm2d", {}),
        ("relu1", "ReLU", {}),
        ("pool1", "MaxPool2d", {"kernel_size": 2}),
        ("conv2", "Conv2d", {"out_channels": second, "kernel_size": 3, "padding": 1}),
        ("bn2", "BatchNorm2d", {}),
        ("relu2", "ReLU", {}),
        ("pool2", "MaxPool2d", {"kernel_size": 2}),
    ]


class HandConvFrontEnd(nn.Module):
    def __init__(self, widths: tuple[int, int]) -> None:
        super().__init__()
        first, second = widths
        self.conv1 = nn.Conv2d(1, first, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(first)
        self.conv2 = nn.Conv2d(first, second, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(second)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        return F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)


class HandCNN(HandConvFrontEnd):
    """The front end, flattened, then one Linear layer: node 'fc'."""

    def __init__(self, size: int, widths: tuple[int, int], classes: int) -> None:
        super().__init__(widths)
        self.fc = nn.Linear(widths[1] * (size // 4) ** 2, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))
