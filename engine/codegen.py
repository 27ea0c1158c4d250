"""Graph → plain Python: the forward() that runs a network, as a person would write it.

The compiler executes this text to build the module (so a forward pass costs what the
hand-written one does), and code export writes the same text into a standalone model.py.
"""

from __future__ import annotations

from engine.analysis import Analysis
from engine.graph import Graph

PROFILE_LABEL = "node:"
"""What the ranges a profiled forward() marks for each node are called: `node:<id>`."""


def forward_lines(graph: Graph, analysis: Analysis, free_early: bool = False,
                  labelled: bool = False, every_output: bool = False) -> list[str]:
    """The body of `def forward(self, <inputs>)`: one statement per layer, in an order where
    each comes after its inputs. The graph must be free of errors.

    With `free_early`, each intermediate result is deleted right after its last use, as a
    hand-written `F.relu(self.bn(self.conv(x)))` frees it: holding every activation of a
    large network until forward() returns costs memory and, through the allocator, time.

    With `labelled`, each layer's statement runs in a profiler range named after its node,
    so that torch.profiler can tell what each node costs (engine.profiling).

    With `every_output`, forward() returns a dict of every node's output, the Inputs'
    included, instead of the network's outputs (engine.inspection looks inside with it)."""
    graph = analysis.graph or graph  # repeated blocks unrolled
    last_use = {}
    for node_id in analysis.order:
        for edge in graph.incoming(node_id):
            last_use[edge.source] = node_id
    keep = set(analysis.outputs)
    lines = []
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        spec = report.spec
        if spec is None or report.params is None:
            raise ValueError(f"node '{node_id}' has no valid spec; analyse the graph first")
        if spec.is_input:
            continue
        args = [edge.source for edge in graph.incoming(node_id)]
        expression = spec.code(report.params, report.inputs, args, f"self.{node_id}")
        if labelled:
            lines.append(f"with torch.profiler.record_function({PROFILE_LABEL + node_id!r}):")
            lines.append(f"    {node_id} = {expression}")
        else:
            lines.append(f"{node_id} = {expression}")
        if free_early:
            done = sorted({a for a in args if last_use.get(a) == node_id and a not in keep})
            if done:
                lines.append(f"del {', '.join(done)}")
    outputs = analysis.outputs
    if every_output:
        lines.append("return {" + ", ".join(f"{n!r}: {n}" for n in analysis.order) + "}")
    else:
        lines.append("return " + (outputs[0] if len(outputs) == 1 else
                                  "(" + ", ".join(outputs) + ",)"))
    return lines


def forward_source(graph: Graph, analysis: Analysis, indent: str = "",
                   free_early: bool = False, labelled: bool = False,
                   every_output: bool = False) -> str:
    signature = ", ".join(["self", *analysis.inputs])
    body = "".join(f"{indent}    {line}\n" for line in forward_lines(
        graph, analysis, free_early and not every_output, labelled, every_output))
    return f"{indent}def forward({signature}):\n{body}"
