"""The two tasks, shapes-CNN and adding-LSTM, and how each becomes an .npz file and a project
file that trains on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from trainer_overhead_parts.data import adding_data, shapes_data
from trainer_overhead_parts.networks import HandRNN, cnn_layers, hand_cnn, rnn_layers

IMAGE_SIZE = 28
SEQUENCE_STEPS = 50


def project_dict(name: str, layers: list[tuple[str, str, dict[str, Any]]],
                 training: dict[str, Any]) -> dict[str, Any]:
    """A project file's content: the layers in a chain, each feeding the next."""
    nodes = [{"id": node_id, "type": kind, "params": params, "position": [0, 100 * i]}
             for i, (node_id, kind, params) in enumerate(layers)]
    edges = [{"source": a[0], "target": b[0]} for a, b in pairwise(layers)]
    return {"format": "netdesigner.project", "version": 1, "name": name,
            "graph": {"nodes": nodes, "edges": edges}, "training": training}


@dataclass(frozen=True)
class Sizes:
    train: int
    val: int
    epochs: int


@dataclass(frozen=True)
class Case:
    name: str
    metric: str
    """The headline validation metric, as the trainer names it."""
    make_data: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
    """(count, seed) → (x, y)."""
    layers: Callable[[], list[tuple[str, str, dict[str, Any]]]]
    hand: Callable[[], nn.Module]
    loss: str
    optimizer: dict[str, Any]
    """With torch's loop step on both sides (the trainer would take the fused one), so that
    the two do the same arithmetic and only the trainer's own cost is measured."""
    batch_size: int
    full: Sizes
    quick: Sizes
    chance: str
    """What guessing gets, to read the metric against."""


CASES = (
    Case("shapes-CNN", "val_accuracy",
         lambda count, seed: shapes_data(count, IMAGE_SIZE, seed),
         lambda: cnn_layers(IMAGE_SIZE), lambda: hand_cnn(IMAGE_SIZE),
         "CrossEntropyLoss", {"type": "Adam", "lr": 0.003, "fused": False}, 64,
         full=Sizes(6000, 1000, 4), quick=Sizes(192, 64, 1), chance="chance 0.25"),
    Case("adding-LSTM", "val_mae",
         lambda count, seed: adding_data(count, SEQUENCE_STEPS, seed),
         lambda: rnn_layers(SEQUENCE_STEPS), HandRNN,
         "MSELoss", {"type": "Adam", "lr": 0.01, "fused": False}, 64,
         full=Sizes(8000, 1000, 6), quick=Sizes(192, 64, 1),
         chance="guessing 1.0 gives 0.333"),
)


def write_case(case: Case, folder: Path, sizes: Sizes, seed: int) -> Path:
    """The task's .npz (its own validation set, so no split) and project file; returns the
    project file."""
    x, y = case.make_data(sizes.train + sizes.val, seed)
    np.savez(folder / f"{case.name}.npz", x=x[:sizes.train], y=y[:sizes.train],
             x_val=x[sizes.train:], y_val=y[sizes.train:])
    training = {"dataset": {"path": f"{case.name}.npz"}, "loss": case.loss,
                "optimizer": case.optimizer, "batch_size": case.batch_size,
                "epochs": sizes.epochs, "seed": seed, "device": "cpu",
                "precision": "32-true", "channels_last": False}  # the hand loop's arithmetic
    path = folder / f"{case.name}.ndproj"
    path.write_text(json.dumps(project_dict(case.name, case.layers(), training), indent=1),
                    encoding="utf-8")
    return path
