"""How a node's output is laid out, so that it is shown the way it reads: feature maps as
small images, a recurrent layer's hidden state as units over time, a signal's channels over
its positions, a vector as bars."""

from __future__ import annotations

from typing import Literal

import torch

from engine.analysis import Analysis
from engine.graph import Graph

Layout = Literal["maps", "clip_maps", "channels", "over_time", "vector"]
"""maps [C, H, W]; clip_maps [T, C, H, W]; channels [C, L] (a signal's channels over its
positions); over_time [T, F] (a sequence: units over time steps); vector [F] (or a single
value)."""

SAME_LAYOUT = {"Activation", "Normalisation"}
"""Categories whose output is laid out as their input is."""


def layout_of(graph: Graph, analysis: Analysis, node_id: str) -> Layout:
    graph = analysis.graph
    report = analysis.nodes[node_id]
    rank = len(report.output.shape) if report.output is not None else 0
    if rank >= 4:
        return "clip_maps"
    if rank == 3:
        return "maps"
    if rank <= 1:
        return "vector"
    return "channels" if _channels_first(graph, analysis, node_id) else "over_time"


def _channels_first(graph: Graph, analysis: Analysis, node_id: str) -> bool:
    """A rank-2 output is [channels, positions] when it comes from a convolution or a
    pooling (through layers that keep its layout), or is an Input such layers read."""
    graph = analysis.graph
    seen = set()
    while node_id not in seen:
        seen.add(node_id)
        spec = analysis.nodes[node_id].spec
        if spec is None:
            return False
        if spec.category in ("Convolution", "Pooling"):
            return True
        if spec.is_input:
            return any(analysis.nodes[e.target].spec is not None
                       and analysis.nodes[e.target].spec.category in ("Convolution", "Pooling")
                       for e in graph.outgoing(node_id))
        incoming = graph.incoming(node_id)
        if spec.category not in SAME_LAYOUT or not incoming:
            return False
        node_id = incoming[0].source
    return False


def as_rows(value: torch.Tensor, layout: Layout) -> torch.Tensor:
    """A 2-D output as rows to draw with the second axis running left to right: channels
    over positions, or units (rows) over time steps (columns)."""
    if layout == "over_time":
        return value.reshape(value.shape[0], -1).T
    return value.reshape(value.shape[0], -1)
