"""Tiny projects and datasets that train in a fraction of a second, for trainer tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.graph import Edge, Graph, Node
from engine.project import Project, save_project


def blobs(count: int = 240, classes: int = 3, features: int = 4, seed: int = 0):
    """Well separated clusters: a classification any small network learns in a few epochs."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, count)
    centres = rng.normal(0, 3, (classes, features))
    x = centres[y] + rng.normal(0, 0.5, (count, features))
    return x.astype(np.float32), y.astype(np.int64)


def chain_project(folder: Path, layers: list[tuple[str, dict[str, Any]]],
                  training: dict[str, Any], name: str = "tiny") -> Project:
    graph = Graph()
    previous = None
    for index, (layer_type, params) in enumerate(layers):
        node_id = f"n{index}"
        graph.add_node(Node(node_id, layer_type, params))
        if previous:
            graph.add_edge(Edge(previous, node_id))
        previous = node_id
    project = Project(name, graph, training)
    save_project(project, folder / f"{name}.ndproj")
    return project


def classifier_project(folder: Path, **training: Any) -> Project:
    x, y = blobs()
    np.savez(folder / "blobs.npz", x=x, y=y)
    settings = {"dataset": {"path": "blobs.npz"}, "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.01}, "batch_size": 16, "epochs": 3,
                "validation_split": 0.25, "seed": 0, **training}
    return chain_project(folder, [("Input", {"shape": [4]}),
                                  ("Linear", {"out_features": 16}), ("ReLU", {}),
                                  ("Dropout", {"p": 0.1}),
                                  ("Linear", {"out_features": 3})], settings)


def poison_after_epoch_one(trainer) -> dict:
    """Make the first layer's weights NaN once epoch 1 has ended; the weights as they were
    then (filled in when it happens)."""
    import torch

    from engine.training import EpochEnded

    kept: dict = {}

    def poison(event) -> None:
        if isinstance(event, EpochEnded) and event.epoch == 1:
            kept.update({k: v.clone() for k, v in trainer.model.state_dict().items()})
            with torch.no_grad():
                trainer.model.n1.weight.fill_(float("nan"))

    trainer.add_listener(poison)
    return kept
