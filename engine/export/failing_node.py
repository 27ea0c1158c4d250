"""Which layer makes an export fail: each layer is exported alone, in a network of its own
with Inputs of the shapes it gets, until one fails. Only run once the whole network has
failed, so that the error can name the node."""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from engine.analysis import Analysis, analyse
from engine.compiler import CompiledNetwork, compile_graph
from engine.export.prepare import example_inputs
from engine.graph import Edge, Graph, Node

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
Attempt = Callable[[CompiledNetwork, tuple[torch.Tensor, ...]], None]
"""Exports a network (to a scratch file), raising when it cannot."""


def _alone(graph: Graph, analysis: Analysis, node_id: str) -> Graph:
    """`node_id` fed by one Input per input it has."""
    report = analysis.nodes[node_id]
    alone = Graph()
    for port, info in enumerate(report.inputs):
        source = f"{node_id}_input{port}"
        alone.add_node(Node(source, "Input", {"shape": list(info.shape), "dtype": info.dtype}))
    node = graph.nodes[node_id]
    alone.add_node(Node(node_id, node.type, dict(node.params)))
    for port in range(len(report.inputs)):
        alone.add_edge(Edge(f"{node_id}_input{port}", node_id, port))
    return alone


def reason(error: BaseException) -> str:
    """The first line of the innermost cause: exporters wrap the error that says what is
    missing in errors that say which step failed."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = ANSI_ESCAPE.sub("", str(error)).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def failing_node(graph: Graph, analysis: Analysis,
                 attempt: Attempt) -> tuple[str, str] | None:
    """The first node, in forward() order, that `attempt` cannot export on its own, with
    the first line of the error; None when every node exports alone."""
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.spec is None or report.spec.is_input:
            continue
        alone = _alone(graph, analysis, node_id)
        alone_analysis = analyse(alone)
        if not alone_analysis.ok:  # cannot happen for a node of a valid network
            continue
        network = compile_graph(alone, alone_analysis, node_id).eval()
        try:
            attempt(network, example_inputs(alone_analysis, 2))
        except Exception as error:  # any failure of the exporter is what we look for
            return node_id, reason(error)
    return None
