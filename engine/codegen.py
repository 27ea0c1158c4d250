"""Graph → plain Python: the forward() that runs a network, as a person would write it.

The compiler executes this text to build the module (so a forward pass costs what the
hand-written one does), and code export writes the same text into a standalone model.py.
"""

from __future__ import annotations

from engine.analysis import Analysis
from engine.graph import Graph


def forward_lines(graph: Graph, analysis: Analysis) -> list[str]:
    """The body of `def forward(self, <inputs>)`: one statement per layer, in an order where
    each comes after its inputs. The graph must be free of errors."""
    lines = []
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        spec = report.spec
        if spec is None or report.params is None:
            raise ValueError(f"node '{node_id}' has no valid spec; analyse the graph first")
        if spec.is_input:
            continue
        args = [edge.source for edge in graph.incoming(node_id)]
        expression = spec.expression(report.params, report.inputs, args, f"self.{node_id}")
        lines.append(f"{node_id} = {expression}")
    outputs = analysis.outputs
    lines.append("return " + (outputs[0] if len(outputs) == 1 else
                              "(" + ", ".join(outputs) + ",)"))
    return lines


def forward_source(graph: Graph, analysis: Analysis, indent: str = "") -> str:
    signature = ", ".join(["self", *analysis.inputs])
    body = "".join(f"{indent}    {line}\n" for line in forward_lines(graph, analysis))
    return f"{indent}def forward({signature}):\n{body}"
