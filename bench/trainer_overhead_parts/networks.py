"""The two tasks' networks, each twice: as project nodes, and by hand with the same submodule
names, so that the compiled module's state_dict loads into the hand-written one unchanged."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def cnn_layers(size: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("input", "Input", {"shape": [1, size, size]}),
        ("conv1", "Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}),
        ("bn1", "BatchNorm2d", {}),
        ("relu1", "ReLU", {}),
        ("pool1", "MaxPool2d", {"kernel_size": 2}),
        ("conv2", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}),
        ("bn2", "BatchNorm2d", {}),
        ("relu2", "ReLU", {}),
        ("pool2", "MaxPool2d", {"kernel_size": 2}),
        ("flat", "Flatten", {}),
        ("fc", "Linear", {"out_features": 4}),
    ]


class HandCNN(nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * (size // 4) ** 2, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(torch.flatten(x, 1))


def rnn_layers(steps: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("input", "Input", {"shape": [steps, 2]}),
        ("rnn", "LSTM", {"hidden_size": 32}),
        ("last", "LastStep", {}),
        ("fc", "Linear", {"out_features": 1}),
    ]


class HandRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(2, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])
