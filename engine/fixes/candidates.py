"""Candidate repairs for the problems on one node. Each is a title and a way to build the
edited graph; engine.fixes keeps only those that re-analysis shows to repair the problem."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.analysis import Analysis
from engine.catalogue import CATALOGUE, LayerSpec, TensorInfo, closest, spec_for
from engine.editing import connection_problem
from engine.fixes import edits
from engine.graph import Edge, Graph


@dataclass(frozen=True)
class Candidate:
    title: str
    build: Callable[[], Graph]


ADAPTERS: tuple[tuple[str, dict], ...] = (
    ("Flatten", {}),
    ("ToSequence", {}),
    ("Permute", {"dims": [0, 2, 1]}),
    ("LastStep", {}),
)
"""Layers that change only how a tensor is laid out, tried between two layers that do not
fit; the validator's own hint ('put a ToSequence before it') decides which comes first."""

LAYOUT_WORDS = ("expects", "but gets", "larger than", *(a for a, _ in ADAPTERS))
"""Words of the problems a layout layer may repair: a tensor of the wrong rank or order."""

SPATIAL_LAYERS = {"Conv1d": 1, "Conv2d": 2, "Conv3d": 3, "MaxPool1d": 1, "MaxPool2d": 2,
                  "MaxPool3d": 3, "AvgPool1d": 1, "AvgPool2d": 2, "MinPool2d": 2}


def adapters(graph: Graph, edge: Edge, hint: str = "") -> Iterator[Candidate]:
    ordered = sorted(ADAPTERS, key=lambda a: a[0] not in hint)
    for layer_type, params in ordered:
        if layer_type not in CATALOGUE:
            continue
        yield Candidate(f"Insert {layer_type} between '{edge.source}' and '{edge.target}'",
                        lambda t=layer_type, p=params: edits.insert_between(
                            graph, edge, t, p)[0])


def for_node(graph: Graph, analysis: Analysis, node_id: str,
             message: str) -> Iterator[Candidate]:
    """Every repair worth trying for the problem `message` on `node_id`."""
    node = graph.nodes[node_id]
    spec = spec_for(node.type)
    if spec is None:
        guess = closest(node.type, list(CATALOGUE))
        if guess:
            yield Candidate(f"Change '{node_id}' to a {guess}",
                            lambda: edits.set_type(graph, node_id, guess))
        return
    yield from _renamed_params(graph, node_id, spec)
    if spec.is_input:
        yield from _input_shape(graph, node_id, message)
    if node.type == "Linear":
        yield from _output_size(graph, node_id, message)
    incoming = graph.incoming(node_id)
    if not incoming and not spec.is_input:
        yield from _connections(graph, analysis, node_id)
        return
    if node.type == "Softmax" and "softmax" in message.lower():
        yield Candidate(f"Remove '{node_id}'",
                        lambda: edits.remove_keeping_flow(graph, node_id))
    if spec.max_inputs == 1 and len(incoming) == 1:
        if any(word in message for word in LAYOUT_WORDS):
            yield from adapters(graph, incoming[0], message)
        yield from _window_fits(graph, analysis, node_id, spec)
    if node.type == "Add":
        yield from _matched_channels(graph, analysis, node_id, incoming)


INPUT_SHAPE_HINT = re.compile(r"set the Input(?:'s shape)? to \[([\d,\s]+)\]")
"""How a problem with the data says which Input shape would fit it."""


def _input_shape(graph: Graph, node_id: str, message: str) -> Iterator[Candidate]:
    """For data that does not fit the Input: the Input shape the problem names."""
    found = INPUT_SHAPE_HINT.search(message)
    if found is None:
        return
    shape = [int(size) for size in found.group(1).split(",") if size.strip()]
    if shape and shape != list(graph.nodes[node_id].params.get("shape", [])):
        shown = "[" + ", ".join(map(str, shape)) + "]"
        yield Candidate(f"Set the Input '{node_id}' to {shown}",
                        lambda: edits.set_params(graph, node_id, {"shape": shape}))


OUTPUT_SIZE_HINT = re.compile(r"set the last Linear's out_features to (\d+)")


def _output_size(graph: Graph, node_id: str, message: str) -> Iterator[Candidate]:
    """For an output that gives another number of scores than the data has classes."""
    found = OUTPUT_SIZE_HINT.search(message)
    if found is not None:
        size = int(found.group(1))
        yield Candidate(f"Set '{node_id}' to {size} outputs",
                        lambda: edits.set_params(graph, node_id, {"out_features": size}))


def _renamed_params(graph: Graph, node_id: str, spec: LayerSpec) -> Iterator[Candidate]:
    names = [p.name for p in spec.params]
    for name in graph.nodes[node_id].params:
        if spec.param(name) is None:
            guess = closest(name, names)
            if guess:
                yield Candidate(f"Rename parameter '{name}' of '{node_id}' to '{guess}'",
                                lambda n=name, g=guess: edits.rename_param(
                                    graph, node_id, n, g))


def _connections(graph: Graph, analysis: Analysis, node_id: str,
                 limit: int = 3) -> Iterator[Candidate]:
    """Connect the node to the nearest outputs it can take, nearest first."""
    order = list(graph.nodes)
    here = graph.nodes[node_id].position

    def distance(other: str) -> float:
        there = graph.nodes[other].position
        if here is None or there is None:
            return abs(order.index(other) - order.index(node_id)) * 100.0
        return math.dist(here, there)

    fitting = [other for other in graph.nodes if other != node_id
               and analysis.nodes.get(other) is not None
               and analysis.nodes[other].output is not None
               and connection_problem(graph, analysis, other, node_id) is None]
    for other in sorted(fitting, key=distance)[:limit]:
        yield Candidate(f"Connect '{other}' → '{node_id}'",
                        lambda o=other: edits.connect(graph, o, node_id))


def _window_fits(graph: Graph, analysis: Analysis, node_id: str,
                 spec: LayerSpec) -> Iterator[Candidate]:
    """For a window larger than its input: shrink the window, or pad the input."""
    dims = SPATIAL_LAYERS.get(spec.name)
    report = analysis.nodes.get(node_id)
    if dims is None or report is None or report.params is None or not report.inputs:
        return
    spatial = report.inputs[0].shape[-dims:]
    kernel = _per_dim(report.params.get("kernel_size"), dims)
    padding = _per_dim(report.params.get("padding"), dims)
    dilation = _per_dim(report.params.get("dilation", 1), dims)
    if kernel is None or dilation is None or len(spatial) < dims:
        return
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if all(r <= s for r, s in zip(reach, spatial, strict=True)):
        return
    smaller = [min(k, 1 + (s - 1) // d) for k, s, d in zip(kernel, spatial, dilation,
                                                          strict=True)]
    yield Candidate(f"Shrink the kernel of '{node_id}' to {_size_text(smaller)}",
                    lambda: edits.set_params(graph, node_id,
                                             {"kernel_size": _size_value(smaller)}))
    if padding is not None:
        padded = [max(p, math.ceil((r - s) / 2)) for p, r, s in zip(padding, reach, spatial,
                                                                    strict=True)]
        yield Candidate(f"Pad the input of '{node_id}' by {_size_text(padded)}",
                        lambda: edits.set_params(graph, node_id,
                                                 {"padding": _size_value(padded)}))


def _per_dim(value: object, dims: int) -> list[int] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * dims
    if isinstance(value, (list, tuple)) and len(value) == dims and all(
            isinstance(v, int) for v in value):
        return list(value)
    return None


def _size_value(sizes: list[int]) -> int | list[int]:
    return sizes[0] if len(set(sizes)) == 1 else sizes


def _size_text(sizes: list[int]) -> str:
    return "×".join(map(str, sizes))


def _matched_channels(graph: Graph, analysis: Analysis, node_id: str,
                      incoming: list[Edge]) -> Iterator[Candidate]:
    """An Add of branches whose channels (or features) differ: a 1×1 Conv2d, or a Linear,
    on each narrower branch makes them match."""
    shapes: list[TensorInfo | None] = [
        analysis.nodes[e.source].output if e.source in analysis.nodes else None
        for e in incoming]
    if any(s is None for s in shapes) or len(shapes) < 2:
        return
    ranks = {len(s.shape) for s in shapes}  # type: ignore[union-attr]
    if len(ranks) != 1:
        return
    (rank,) = ranks
    if rank == 3:
        layer_type, axis, key = "Conv2d", 0, "out_channels"
    elif rank in (1, 2):
        layer_type, axis, key = "Linear", rank - 1, "out_features"
    else:
        return
    rest = {s.shape[:axis] + s.shape[axis + 1:] for s in shapes}  # type: ignore[union-attr]
    if len(rest) != 1:
        return
    widest = max(s.shape[axis] for s in shapes)  # type: ignore[union-attr]
    narrow = [e for e, s in zip(incoming, shapes, strict=True)
              if s.shape[axis] != widest]  # type: ignore[union-attr]
    params = {key: widest} | ({"kernel_size": 1} if layer_type == "Conv2d" else {})

    def build() -> Graph:
        edited = graph
        for edge in narrow:
            edited, _ = edits.insert_between(edited, edge, layer_type, params)
        return edited

    what = "a 1×1 Conv2d" if layer_type == "Conv2d" else "a Linear"
    names = ", ".join(f"'{e.source}'" for e in narrow)
    yield Candidate(f"Insert {what} to {widest} after {names}", build)
