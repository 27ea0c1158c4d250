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
                  labelled: bool = False, every_output: bool = False,
                  outer_layout: bool = True) -> list[str]:
    """The body of `def forward(self, <inputs>)`: one statement per layer, in an order where
    each comes after its inputs. The graph must be free of errors.

    With `free_early`, each intermediate result is deleted right after its last use, as a
    hand-written `F.relu(self.bn(self.conv(x)))` frees it: holding every activation of a
    large network until forward() returns costs memory and, through the allocator, time.

    With `labelled`, each layer's statement runs in a profiler range named after its node,
    so that torch.profiler can tell what each node costs (engine.profiling).

    With `every_output`, forward() returns a dict of every node's output, the Inputs'
    included, instead of the network's outputs (engine.inspection looks inside with it).

    Without `outer_layout`, the layers that only change how the output is handed to code
    outside (TimeFirst) pass it on unchanged: the network training and inspection run."""
    padded = padded_nodes(graph, analysis)
    graph = analysis.graph
    scratch = _unused("packed", set(graph.nodes))
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
        expression = spec.code(report.params, report.inputs, args, f"self.{node_id}") \
            if outer_layout or not spec.ends_network else args[0]
        made = [f"{node_id} = {expression}"]
        if spec.length_lines is not None and args and args[0] in padded:
            # over each sequence's true steps when forward() is given their lengths
            made = ["if lengths is None:", f"    {made[0]}", "else:", *(
                f"    {line}" for line in spec.length_lines(
                    report.params, report.inputs, args, f"self.{node_id}", node_id,
                    scratch))]
        if labelled:
            lines.append(f"with torch.profiler.record_function({PROFILE_LABEL + node_id!r}):")
            lines += [f"    {line}" for line in made]
        else:
            lines += made
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


def _unused(name: str, taken: set[str]) -> str:
    """`name`, or name_2, name_3, ...: a variable no node's output is called."""
    found, number = name, 2
    while found in taken:
        found, number = f"{name}_{number}", number + 1
    return found


def padded_nodes(graph: Graph, analysis: Analysis) -> set[str]:
    """The nodes whose output is the network's one Input of variable length (a batch of
    float sequences [T, F], or token ids [T], padded at their ends), or what layers that
    treat each step alone or run over the true steps make of it: where forward()'s
    `lengths` (each sequence's true length) hold. None in a network of blocks (whose
    exported classes take no lengths)."""
    if graph.blocks or len(analysis.inputs) != 1:
        return set()
    unrolled = analysis.graph
    found: set[str] = set()
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        output, spec = report.output, report.spec
        if spec is None or output is None:
            continue
        if spec.is_input:
            sequence = (len(output.shape), output.dtype) in ((2, "float32"), (1, "int64"))
            if (report.params or {}).get("variable_length") and sequence:
                found.add(node_id)
            continue
        incoming = unrolled.incoming(node_id)
        if len(incoming) != 1 or incoming[0].source not in found:
            continue
        if spec.padded_time == "recurrent" or (spec.padded_time == "each"
                                               and len(output.shape) == 2):
            found.add(node_id)
    return found


def takes_lengths(graph: Graph, analysis: Analysis) -> bool:
    """Whether forward() takes `lengths`: a recurrent layer or LastStep reads padded
    sequences whose true lengths it can use."""
    padded = padded_nodes(graph, analysis)
    unrolled = analysis.graph
    for node_id in analysis.order:
        spec = analysis.nodes[node_id].spec
        incoming = unrolled.incoming(node_id)
        if (spec is not None and spec.length_lines is not None and incoming
                and incoming[0].source in padded):
            return True
    return False


LENGTHS = "lengths: torch.Tensor | None = None"
"""forward()'s last argument in a network that takes true lengths."""


def forward_source(graph: Graph, analysis: Analysis, indent: str = "",
                   free_early: bool = False, labelled: bool = False,
                   every_output: bool = False, outer_layout: bool = True) -> str:
    signature = ", ".join(["self", *analysis.inputs,
                           *([LENGTHS] if takes_lengths(graph, analysis) else [])])
    body = "".join(f"{indent}    {line}\n" for line in forward_lines(
        graph, analysis, free_early and not every_output, labelled, every_output,
        outer_layout))
    return f"{indent}def forward({signature}):\n{body}"
