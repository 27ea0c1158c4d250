"""How much of the input each convolution or pooling node sees: its receptive field, in
input pixels (or samples of a signal) along each of its spatial dimensions, with strides
and dilations taken into account. For a clip's per-frame layers, within a frame.

Each node carries, per spatial dimension, (field, jump): the span of input it sees and the
input distance between neighbouring outputs. A window of k with dilation d and stride s
turns them into (field + (k - 1)·d·jump, jump·s); adaptive pooling's window is the input's
whole size for an output of 1 (and size // output in general). Element-wise layers keep
what they are given; merges take the widest of their inputs; reshaping a tensor into
another layout (a vector, a sequence) ends it.
"""

from __future__ import annotations

from engine.analysis import Analysis
from engine.graph import Graph

Field = tuple[tuple[int, int], ...]
"""(field, jump) for each spatial dimension."""

KEEPS_LAYOUT = {"Activation", "Normalisation"}
"""Categories of layers whose output has their input's layout, value for value."""


def receptive_fields(graph: Graph, analysis: Analysis) -> dict[str, tuple[int, ...]]:
    """The receptive field of every convolution and pooling node whose input is known."""
    graph = analysis.graph
    fields: dict[str, Field | None] = {}
    result: dict[str, tuple[int, ...]] = {}
    feeding = graph.sources()
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        spec = report.spec
        sources = [fields.get(source) for source in feeding.get(node_id, [])]
        if spec is None or report.output is None or report.params is None:
            fields[node_id] = None
        elif spec.is_input:
            fields[node_id] = ()  # every dimension sees one input value
        elif spec.window is not None:
            kernel, stride, dilation = spec.window(report.params,
                                                   spec._per_frame(report.inputs))
            given = sources[0] or ()
            start = list(given[-len(kernel):]) if len(given) >= len(kernel) else \
                [(1, 1)] * len(kernel)
            fields[node_id] = tuple(
                (field + (k - 1) * d * jump, jump * s)
                for (field, jump), k, s, d in zip(start, kernel, stride, dilation,
                                                  strict=True))
            result[node_id] = tuple(field for field, _ in fields[node_id])
        elif spec.category in KEEPS_LAYOUT or spec.frame_rank is not None:
            fields[node_id] = sources[0] if sources else None
        elif spec.category == "Merge" and sources and all(s is not None for s in sources):
            widest = max(sources, key=lambda s: sum(f for f, _ in s) if s else 0)
            fields[node_id] = widest
        else:
            fields[node_id] = None
    return result
