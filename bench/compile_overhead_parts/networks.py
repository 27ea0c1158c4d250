"""The four networks the benchmark times, each twice: as a project graph for the compiler,
and written by hand with the same submodule names, so that the compiled module's
state_dict loads into the hand-written one unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from shared_parts.conv_front_end import HandCNN, HandConvFrontEnd, conv_front_end_layers
from torch import nn

from engine.graph import Edge, Graph, Node

WIDTHS = (32, 64)
"""The channels of the CNN's and the CRNN's two convolutions."""


def chain(*layers: tuple[str, str, dict[str, Any]]) -> Graph:
    """A graph of nodes (id, type, params) each feeding the next."""
    graph = Graph()
    previous = None
    for node_id, kind, params in layers:
        graph.add_node(Node(node_id, kind, dict(params)))
        if previous is not None:
            graph.add_edge(Edge(previous, node_id))
        previous = node_id
    return graph


# ---------------------------------------------------------------------------- CNN
# [1, 28, 28] → (conv 3×3 → batch norm → relu → max pool 2) ×2 → flatten → linear 10

def cnn_graph() -> Graph:
    return chain(("input", "Input", {"shape": [1, 28, 28]}),
                 *conv_front_end_layers(WIDTHS),
                 ("flat", "Flatten", {}),
                 ("fc", "Linear", {"out_features": 10}))


def hand_cnn() -> nn.Module:
    return HandCNN(28, WIDTHS, 10)


# ---------------------------------------------------------------------------- LSTM
# [T=28, F=28] → LSTM 128 ×2 → last step → linear 10 (many-to-one)

def lstm_graph() -> Graph:
    return chain(
        ("input", "Input", {"shape": [28, 28]}),
        ("lstm", "LSTM", {"hidden_size": 128, "num_layers": 2}),
        ("last", "LastStep", {}),
        ("fc", "Linear", {"out_features": 10}),
    )


class HandLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(28, 128, num_layers=2, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


# ---------------------------------------------------------------------------- CRNN
# [1, 32, 128] → (conv → bn → relu → pool 2) ×2 → [64, 8, 32] → sequence [32, 512]
# → bidirectional LSTM 128 ×2 → linear 37 at each step (e.g. CTC over 36 characters + blank)

def crnn_graph() -> Graph:
    return chain(("input", "Input", {"shape": [1, 32, 128]}),
                 *conv_front_end_layers(WIDTHS),
                 ("seq", "ToSequence", {}),
                 ("rnn", "LSTM", {"hidden_size": 128, "num_layers": 2, "bidirectional": True}),
                 ("fc", "Linear", {"out_features": 37}))


class HandCRNN(HandConvFrontEnd):
    def __init__(self) -> None:
        super().__init__(WIDTHS)
        self.rnn = nn.LSTM(64 * 8, 128, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * 128, 37)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # [N, C, H, W]
        x = x.flatten(1, 2).transpose(1, 2)  # [N, W, C·H]: width is time
        x, _ = self.rnn(x)
        return self.fc(x)


# ---------------------------------------------------------------------------- clip CRNN
# a clip [T=8, 1, 28, 28] → the CNN's front end on each frame → [8, 64, 7, 7] → sequence
# [8, 3136] → LSTM 128 → last step → linear 10 (video classification)

CLIP_FRAMES = 8


def clip_graph() -> Graph:
    return chain(("input", "Input", {"shape": [CLIP_FRAMES, 1, 28, 28]}),
                 *conv_front_end_layers(WIDTHS),
                 ("seq", "ToSequence", {}),
                 ("rnn", "LSTM", {"hidden_size": 128}),
                 ("last", "LastStep", {}),
                 ("fc", "Linear", {"out_features": 10}))


class HandClipCRNN(HandConvFrontEnd):
    """The reshapes people write: the frames folded into the batch for the CNN and back."""

    def __init__(self) -> None:
        super().__init__(WIDTHS)
        self.rnn = nn.LSTM(64 * 7 * 7, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, frames = x.shape[:2]
        x = self.features(x.reshape(batch * frames, *x.shape[2:]))
        x, _ = self.rnn(x.reshape(batch, frames, -1))
        return self.fc(x[:, -1])


@dataclass(frozen=True)
class Case:
    name: str
    graph: Callable[[], Graph]
    hand: Callable[[], nn.Module]
    sample_shape: tuple[int, ...]


CASES = (
    Case("CNN", cnn_graph, hand_cnn, (1, 28, 28)),
    Case("LSTM", lstm_graph, HandLSTM, (28, 28)),
    Case("CRNN", crnn_graph, HandCRNN, (1, 32, 128)),
    Case("clip CRNN", clip_graph, HandClipCRNN, (CLIP_FRAMES, 1, 28, 28)),
)
