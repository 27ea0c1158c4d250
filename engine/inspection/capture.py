"""Every node's output for one sample, from one forward pass of a network compiled to
return them all (codegen's `every_output`), in evaluation mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from engine.analysis import Analysis
from engine.compiler import CompiledNetwork, compile_graph
from engine.graph import Graph


def inside_network(graph: Graph, analysis: Analysis,
                   weights: Mapping[str, torch.Tensor] | None) -> CompiledNetwork:
    """The network with `weights` (a state dict; None: the project's initial weights),
    returning every node's output, in evaluation mode and without gradients."""
    network = compile_graph(graph, analysis, "Inside", every_output=True, outer_layout=False)
    if weights is not None:
        network.load_state_dict(weights)
    network.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


@dataclass(frozen=True)
class Capture:
    sample: torch.Tensor
    """The input, one sample without the batch dimension."""
    outputs: dict[str, torch.Tensor]
    """Every node's output for it, without the batch dimension, in forward order."""


def true_length(network: CompiledNetwork, length: int | None) -> tuple[torch.Tensor, ...]:
    """What forward() takes after the sample: a sequence's true length, for a network of
    variable-length sequences."""
    if length is None or not network.takes_lengths:
        return ()
    return (torch.tensor([length]),)


def capture(network: CompiledNetwork, sample: torch.Tensor,
            length: int | None = None) -> Capture:
    """Run one sample (no batch dimension; `length`: its true steps, when padded) through
    a network from inside_network."""
    with torch.no_grad():
        outputs = network(sample.unsqueeze(0), *true_length(network, length))
    return Capture(sample, {node_id: value[0].detach().cpu()
                            for node_id, value in outputs.items()})
