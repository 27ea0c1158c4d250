"""How much memory one training step takes, estimated from the analysis alone (no torch).

A step holds, at its peak, the parameters, the optimiser's state and either
- in the backward pass, when it reaches some layer: the activations autograd still keeps
  for the layers before it (each spec's `keeps` and `kept`, times the batch), the
  gradient coming into that layer and the one it passes on, and the parameters'
  gradients made so far; or
- during the optimiser's step, the gradients and the step's temporaries (Adam computes
  two tensors the size of a parameter tensor as it updates it, RMSprop one; PyTorch's CPU
  optimisers update one tensor at a time, so the largest parameter tensor counts).
whichever is larger. bench/memory_estimate.py measures real peaks against this.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.analysis import Analysis
from engine.graph import Graph

STATE_PER_PARAMETER = {"SGD": 0, "Adam": 2, "AdamW": 2, "RMSprop": 1}
"""Tensors the optimiser keeps per parameter (besides momentum, see below)."""
STEP_TEMPORARIES = {"SGD": 0, "Adam": 2, "AdamW": 2, "RMSprop": 1}
"""Tensors the size of one parameter tensor the optimiser makes while updating it."""
FLOAT = 4


@dataclass(frozen=True)
class StepMemory:
    """The parts of a training step's memory, in bytes."""

    parameters: int
    gradients: int
    optimizer_state: int
    activations: int
    """What autograd keeps from the forward pass for the whole batch."""
    backward: int
    """The most the backward pass holds at once, the parameters' gradients made so far
    included (see backward_peak)."""
    step_temporaries: int

    @property
    def peak(self) -> int:
        step = self.gradients + self.step_temporaries
        return self.parameters + self.optimizer_state + max(self.backward, step)


def optimizer_name_and_args(training: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    optimizer = (training or {}).get("optimizer", {"type": "Adam"})
    if isinstance(optimizer, str):
        return optimizer, {}
    if isinstance(optimizer, Mapping):
        return str(optimizer.get("type", "Adam")), dict(optimizer)
    return "Adam", {}


def batch_size_of(training: Mapping[str, Any] | None) -> int:
    size = (training or {}).get("batch_size", 64)
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else 64


Sources = Mapping[str, list[str]]
"""Graph.sources(): the nodes feeding each node."""


def _storages(sources: Sources, analysis: Analysis) -> dict[str, str]:
    """For each node, the node whose output holds the memory its output views (itself,
    unless it is a reshape, permute or slice of its input)."""
    storage: dict[str, str] = {}
    for node_id in analysis.order:
        report, feeding = analysis.nodes[node_id], sources.get(node_id, [])
        viewed = report.spec is not None and report.spec.view and len(feeding) == 1
        storage[node_id] = storage.get(feeding[0], node_id) if viewed else node_id
    return storage


def _needing_gradients(sources: Sources, analysis: Analysis) -> set[str]:
    """The nodes whose outputs autograd follows: those with parameters and those after
    them. What comes before the first layer that learns (pooling the input, say) keeps
    nothing and gets no gradient."""
    needing: set[str] = set()
    for node_id in analysis.order:
        if (analysis.nodes[node_id].param_count or 0) > 0 or any(
                source in needing for source in sources.get(node_id, [])):
            needing.add(node_id)
    return needing


@dataclass(frozen=True)
class _Kept:
    """What one node makes autograd keep: tensors (by the node holding their memory) and
    bytes besides."""

    tensors: frozenset[str]
    extra: int


def _kept_by_node(sources: Sources, analysis: Analysis,
                  needing: set[str]) -> dict[str, _Kept]:
    storage = _storages(sources, analysis)
    kept: dict[str, _Kept] = {}
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.spec is None or report.output is None or node_id not in needing:
            continue
        tensors = set()
        if "input" in report.spec.keeps:
            tensors.update(storage[source] for source in sources.get(node_id, []))
        if "output" in report.spec.keeps:
            tensors.add(storage[node_id])
        kept[node_id] = _Kept(frozenset(tensors), report.kept_bytes or 0)
    return kept


def kept_per_node(graph: Graph, analysis: Analysis) -> dict[str, int]:
    """Bytes per sample that autograd keeps for each node's backward pass: the tensors it
    keeps and what it keeps besides. A tensor two layers keep counts for both here, once
    in kept_activations."""
    graph = analysis.graph
    sources = graph.sources()
    kept = _kept_by_node(sources, analysis, _needing_gradients(sources, analysis))
    return {node_id: what.extra + sum(analysis.nodes[t].activation_bytes or 0
                                      for t in what.tensors)
            for node_id, what in kept.items()}


def kept_activations(graph: Graph, analysis: Analysis) -> int:
    """Bytes per sample that autograd keeps from a forward pass: each tensor a layer keeps
    (its input or its output, see LayerSpec.keeps), once however many layers keep it or
    views of it, and what layers keep besides (LayerSpec.kept); only layers autograd
    follows keep anything."""
    graph = analysis.graph
    sources = graph.sources()
    kept = _kept_by_node(sources, analysis, _needing_gradients(sources, analysis))
    tensors = set().union(*(k.tensors for k in kept.values()))
    return sum(k.extra for k in kept.values()) + sum(
        analysis.nodes[node_id].activation_bytes or 0 for node_id in tensors)


def backward_peak(graph: Graph, analysis: Analysis) -> tuple[int, int]:
    """Per sample, the most the backward pass holds at once besides the parameters'
    gradients: what is still kept when it reaches a layer (the kept tensors of the layers
    before it; what only later layers kept is freed by then) plus the gradient coming into
    that layer and the one it passes on; and the parameters' bytes whose gradients exist by
    then (returned apart: they do not grow with the batch)."""
    graph = analysis.graph
    sources = graph.sources()
    needing = _needing_gradients(sources, analysis)
    kept = _kept_by_node(sources, analysis, needing)
    position = {node_id: index for index, node_id in enumerate(analysis.order)}
    freed_after: dict[str, int] = {}  # a kept tensor goes once its first keeper is done
    for node_id, what in kept.items():
        for tensor in what.tensors:
            freed_after[tensor] = min(freed_after.get(tensor, position[node_id]),
                                      position[node_id])
    # what is still kept at each place in the order, as a running sum over the order
    kept_from = [0] * len(analysis.order)
    for tensor, first_keeper in freed_after.items():
        kept_from[first_keeper] += analysis.nodes[tensor].activation_bytes or 0
    for node_id, what in kept.items():
        kept_from[position[node_id]] += what.extra
    still_at = list(itertools.accumulate(kept_from))
    best, best_gradients, gradients = 0, 0, 0
    for node_id in reversed(analysis.order):
        if node_id not in needing:
            continue
        report, here = analysis.nodes[node_id], position[node_id]
        still = still_at[here]
        passed = sum(analysis.nodes[source].activation_bytes or 0
                     for source in sources.get(node_id, []) if source in needing)
        gradients += FLOAT * (report.param_count or 0)
        held = still + (report.activation_bytes or 0) + passed
        if held > best:
            best, best_gradients = held, gradients
    return best, best_gradients


def step_memory(graph: Graph, analysis: Analysis, batch_size: int, optimizer: str = "Adam",
                optimizer_args: Mapping[str, Any] | None = None) -> StepMemory:
    """The estimate for a batch of `batch_size` samples, trained with `optimizer`."""
    graph = analysis.graph
    args = optimizer_args or {}
    reports = [r for r in analysis.nodes.values() if r.output is not None]
    parameters = FLOAT * analysis.total_params
    state = STATE_PER_PARAMETER.get(optimizer, 2)
    if optimizer in ("SGD", "RMSprop") and args.get("momentum"):
        state += 1
    if optimizer == "RMSprop" and args.get("centered"):
        state += 1
    largest_parameter = max((_largest_parameter(r) for r in reports), default=0)
    held, gradients = backward_peak(graph, analysis)
    return StepMemory(
        parameters=parameters, gradients=parameters, optimizer_state=state * parameters,
        activations=batch_size * kept_activations(graph, analysis),
        backward=batch_size * held + gradients,
        step_temporaries=STEP_TEMPORARIES.get(optimizer, 2) * largest_parameter)


def _largest_parameter(report: Any) -> int:
    """Bytes of the node's largest parameter tensor: a weight matrix is most of a layer's
    parameters, and a recurrent layer's are split by layer and direction."""
    count = report.param_count or 0
    if report.spec is not None and report.spec.category == "Recurrent" and report.params:
        directions = 2 if report.params.get("bidirectional") else 1
        count //= 2 * directions * report.params.get("num_layers", 1)
    return FLOAT * count


def training_step_bytes(graph: Graph, analysis: Analysis,
                        training: Mapping[str, Any] | None) -> int:
    """The estimated peak of one training step at the project's batch size and optimiser."""
    graph = analysis.graph
    name, args = optimizer_name_and_args(training)
    return step_memory(graph, analysis, batch_size_of(training), name, args).peak
