"""The two tasks' networks, each twice: as project nodes, and by hand with the same submodule
names, so that the compiled module's state_dict loads into the hand-written one unchanged."""

from __future__ import annotations

from typing import Any

import torch
from shared_parts.conv_front_end import HandCNN, conv_front_end_layers
from torch import nn

WIDTHS = (16, 32)
CLASSES = 4


def cnn_layers(size: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [("input", "Input", {"shape": [1, size, size]}),
            *conv_front_end_layers(WIDTHS),
            ("flat", "Flatten", {}),
            ("fc", "Linear", {"out_features": CLASSES})]


def hand_cnn(size: int) -> nn.Module:
    return HandCNN(size, WIDTHS, CLASSES)


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
