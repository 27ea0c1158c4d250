"""What a network costs, node by node and in all, worked out from the analysis alone: the
figures the canvas, the inspector, the status bar and `netdesigner summary` show.

MACs are one sample's forward pass (engine.catalogue.spec: LayerSpec.macs gives the
convention); bytes are float32 and per sample, but for the training step, which is at the
project's batch size and optimiser (engine.memory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.analysis import Analysis
from engine.graph import Graph
from engine.memory import (
    StepMemory,
    batch_size_of,
    kept_per_node,
    optimizer_name_and_args,
    step_memory,
)
from engine.receptive_field import receptive_fields


@dataclass(frozen=True)
class NodeCost:
    macs: int
    params: int
    output_bytes: int
    """One sample's output."""
    kept_bytes: int
    """What autograd keeps of one sample's forward pass for this node's backward pass
    (engine.memory.kept_per_node)."""
    receptive_field: tuple[int, ...] | None
    """Input pixels (or samples) seen along each spatial dimension; convolutions and
    pooling only."""
    sequence_length: int | None
    """The time steps a recurrent layer runs over."""


@dataclass(frozen=True)
class Costs:
    batch: int
    optimizer: str
    nodes: dict[str, NodeCost]
    """The nodes whose output is known."""
    step: StepMemory | None
    """None while the network has errors: its memory cannot be told yet."""

    @property
    def total_macs(self) -> int:
        return sum(cost.macs for cost in self.nodes.values())

    @property
    def step_bytes(self) -> int | None:
        return None if self.step is None else self.step.peak


def network_costs(graph: Graph, analysis: Analysis,
                  training: Mapping[str, Any] | None) -> Costs:
    graph = analysis.graph
    fields = receptive_fields(graph, analysis)
    kept = kept_per_node(graph, analysis)
    nodes = {}
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.output is None or report.spec is None:
            continue
        recurrent = report.spec.category == "Recurrent" and bool(report.inputs)
        nodes[node_id] = NodeCost(
            macs=report.macs or 0, params=report.param_count or 0,
            output_bytes=report.activation_bytes or 0, kept_bytes=kept.get(node_id, 0),
            receptive_field=fields.get(node_id),
            sequence_length=report.inputs[0].shape[0] if recurrent else None)
    batch = batch_size_of(training)
    optimizer, arguments = optimizer_name_and_args(training)
    step = step_memory(graph, analysis, batch, optimizer, arguments) if analysis.ok else None
    return Costs(batch, optimizer, nodes, step)
