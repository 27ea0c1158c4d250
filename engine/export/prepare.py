"""What every export format starts from: the project checked, its network compiled and
its trained weights loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from engine.analysis import Analysis, analyse
from engine.capacity import network_memory_problem
from engine.compiler import CompiledNetwork, compile_graph
from engine.export import ExportError
from engine.export.block_classes import flat_names
from engine.project import Project
from engine.training.checkpoint import load_weights
from engine.training.config import TrainingError
from engine.training.runs import latest_weights


@dataclass
class PreparedNetwork:
    project: Project
    analysis: Analysis
    network: CompiledNetwork
    """In evaluation mode, holding the trained weights when there are any."""
    weights: Path | None
    """Where the weights came from; None means the network has its initial weights."""

    @property
    def class_name(self) -> str:
        return type(self.network).__name__


def prepare(project: Project, weights: Path | None = None,
            find_weights: bool = True) -> PreparedNetwork:
    """Check and compile the project's network and load `weights` into it, or the newest
    run's weights when `weights` is None and `find_weights` is set. Raises ExportError."""
    analysis = analyse(project.graph, project.training)
    if not analysis.ok:
        raise ExportError([str(problem) for problem in analysis.errors])
    too_large = network_memory_problem(analysis)
    if too_large:
        raise ExportError(too_large)
    if weights is not None and not weights.is_file():
        raise ExportError(f"there is no weights file {weights}")
    if weights is None and find_weights:
        weights = latest_weights(project.path, project.name)
    # the project's seed gives the initial weights Netdesigner itself starts training
    # from, without disturbing the caller's random numbers
    seed = project.training.get("seed", 0) if isinstance(project.training, dict) else 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed if isinstance(seed, int) else 0)
        network = compile_graph(project.graph, analysis, project.name)
    if weights is not None:
        try:
            load_weights(network, weights, flat_names(project.graph))
        except TrainingError as error:
            raise ExportError(f"{weights}: {error}") from None
    return PreparedNetwork(project, analysis, network.eval(), weights)


def example_inputs(analysis: Analysis, batch: int) -> tuple[torch.Tensor, ...]:
    """A batch for each Input: random values, token id 0 for int64 Inputs (valid for any
    Embedding), a mask that keeps everything for bool Inputs."""
    tensors = []
    for input_id in analysis.inputs:
        info = analysis.nodes[input_id].output
        assert info is not None  # the analysis has no errors
        if info.dtype == "int64":
            tensors.append(torch.zeros((batch, *info.shape), dtype=torch.int64))
        elif info.dtype == "bool":
            tensors.append(torch.ones((batch, *info.shape), dtype=torch.bool))
        else:
            tensors.append(torch.randn(batch, *info.shape))
    return tuple(tensors)
