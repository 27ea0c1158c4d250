"""Whether a CTC network's output has time steps enough for its labels, checked before the
first batch: CTC must place every label of a string on a step of its own, and a blank step
between two equal labels, so a string of n labels with r repeats needs n + r steps. When
the output has fewer, the message names the layer that shrank time too far."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch

from engine.analysis import Analysis
from engine.data import PAD, Dataset
from engine.graph import Graph


def string_steps(row: torch.Tensor) -> tuple[int, int, int]:
    """(steps, labels, repeats) of one label string."""
    ids = row[row != PAD].tolist()
    repeats = sum(a == b for a, b in itertools.pairwise(ids))
    return len(ids) + repeats, len(ids), repeats


def steps_needed(labels: torch.Tensor) -> tuple[int, int, int]:
    """(steps, labels, repeats) of the string that needs the most steps."""
    return max((string_steps(row) for row in labels), default=(0, 0, 0))


def too_long(labels: torch.Tensor, steps: int) -> list[tuple[int, str]]:
    """The strings that need more than `steps` time steps, by row, with why."""
    found = []
    for row, labels_of in enumerate(labels):
        needed, count, _ = string_steps(labels_of)
        if needed > steps:
            found.append((row, f"has a transcript of {count} characters that needs "
                               f"{needed} time steps, but the network's output has {steps}"))
    return found


def output_steps(analysis: Analysis, output_id: str) -> int | None:
    output = analysis.nodes[output_id].output
    return output.shape[0] if output is not None and len(output.shape) == 2 else None


def time_steps_problem(graph: Graph, analysis: Analysis, output_id: str, data: Dataset
                       ) -> str | None:
    """None when the output has the steps every string needs; else a sentence naming the
    node where the time steps first fall short, and by how much."""
    graph = analysis.graph
    output = analysis.nodes[output_id].output
    if output is None or len(output.shape) != 2:
        return None
    labels = data.y if data.y_val is None else torch.cat([data.y, data.y_val])
    needed, count, repeats = steps_needed(labels)
    steps = output.shape[0]
    if steps >= needed:
        return None
    why = (f"{data.name}'s longest string needs {needed} time steps ({count} labels"
           + (f", and a blank between each of its {repeats} repeated pair(s)" if repeats
              else "") + f"), but the network's output has {steps}")
    path = _time_path(graph, analysis, output_id)
    for (_before, before_steps), (node_id, node_steps) in itertools.pairwise(path):
        if node_steps < needed <= before_steps:
            report = analysis.nodes[node_id]
            return (f"{why}: node '{node_id}' ({report.spec.name}) shrinks time from "
                    f"{before_steps} to {node_steps} steps, {needed - node_steps} too few; "
                    "give it a stride of 1 along time (the width), or feed it longer inputs")
    if path and path[0][1] < needed:
        return (f"{why}: the input '{path[0][0]}' has only {path[0][1]} steps along time; "
                "feed it longer inputs")
    return why


def _time_path(graph: Graph, analysis: Analysis, output_id: str) -> list[tuple[str, int]]:
    """(node, its number of time steps) from the input to the output, along first inputs,
    following the dimension that becomes time (an image's width before ToSequence)."""
    graph = analysis.graph
    path: list[tuple[str, int]] = []
    node_id, axis = output_id, 0
    while True:
        report = analysis.nodes[node_id]
        shape: Sequence[int] = report.output.shape if report.output is not None else ()
        if not -len(shape) <= axis < len(shape):
            break
        path.append((node_id, shape[axis]))
        incoming = graph.incoming(node_id)
        if not incoming:
            break
        source = analysis.nodes[incoming[0].source].output
        if report.spec is not None and report.spec.name == "ToSequence" and source:
            axis = 0 if len(source.shape) == 4 else -1  # a clip's frames; else the width
        elif report.spec is not None and report.spec.name in ("Permute", "Reshape",
                                                              "Flatten", "LastStep"):
            break  # time is moved or made here; the steps before it are not its own
        node_id = incoming[0].source
    return list(reversed(path))
