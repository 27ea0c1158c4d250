"""`netdesigner summary FILE [--json]`: per-layer output shape, parameters, MACs and
memory, and totals."""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.analysis import Analysis
from engine.blocks import Block, interface, membership, parents
from engine.cli.user_error import analysed
from engine.costs import network_costs
from engine.memory import batch_size_of
from engine.project import Project
from engine.text_table import table_lines
from engine.units import format_bytes, format_quantity


def add_command(commands: Any) -> None:
    summary = commands.add_parser("summary", help="per-layer output shape and parameter "
                                  "count, and totals")
    summary.add_argument("file", metavar="FILE")
    summary.add_argument("--json", action="store_true", help="print JSON for scripts")
    summary.set_defaults(run=command_summary)


def shape_list(analysis: Analysis, node_id: str) -> list[int]:
    output = analysis.nodes[node_id].output
    return list(output.shape) if output is not None else []


def _block_data(block: Block, nodes: list[dict], analysis: Analysis,
                parent: str | None) -> dict:
    members = set(block.nodes)
    inside = [n for n in nodes if analysis.origin.get(n["id"], n["id"]) in members]
    output = _block_output(block, analysis)
    return {"id": block.id, "name": block.class_name, "repeat": block.repeat,
            "parent": parent,
            "nodes": list(block.nodes), "params": sum(n["params"] for n in inside),
            "macs": sum(n["macs"] for n in inside),
            "output_shape": shape_list(analysis, output) if output else []}


def _block_output(block: Block, analysis: Analysis) -> str | None:
    """The node that gives the block's output, after its last repetition."""
    found = interface(analysis.graph, block).outputs
    return analysis.final_copy(found[0]) if found else None


def summary_data(project: Project, analysis: Analysis) -> dict:
    """What `summary --json` prints. MACs are a forward pass's multiply-accumulates per
    sample, bytes are per sample but for train_step_bytes, the estimated peak of a training
    step at the project's batch size and optimiser (engine.costs)."""
    total = analysis.total_params
    costs = network_costs(project.graph, analysis, project.training)
    owner = membership(project.graph)
    above = parents(project.graph)
    nodes = []
    for node_id in analysis.order:
        cost = costs.nodes[node_id]
        nodes.append({
            "id": node_id, "type": analysis.graph.nodes[node_id].type,
            "output_shape": shape_list(analysis, node_id), "params": cost.params,
            "macs": cost.macs, "activation_bytes": cost.output_bytes,
            "receptive_field": None if cost.receptive_field is None
            else list(cost.receptive_field),
            "sequence_length": cost.sequence_length,
            "block": owner.get(analysis.origin.get(node_id, node_id)),
        })
    return {
        "name": project.name,
        "total_params": total,
        "trainable_params": total,
        "nodes": nodes,
        "outputs": {node_id: shape_list(analysis, node_id) for node_id in analysis.outputs},
        "blocks": [_block_data(block, nodes, analysis, above[block.id])
                   for block in project.graph.blocks.values()],
        "total_macs": costs.total_macs,
        "train_step_bytes": costs.step_bytes,
    }


def _summary_rows(data: dict, analysis: Analysis) -> list[tuple[str, ...]]:
    """One row per node; a block's row (its totals) comes before its members, indented one
    step more for each block it sits in, and the copies of a repeated block are in its
    totals only."""
    blocks = {b["id"]: b for b in data["blocks"]}
    rows, shown = [], set()
    for n in data["nodes"]:
        if n["id"] in analysis.origin:
            continue
        chain = []
        block_id = n["block"]
        while block_id is not None and block_id in blocks:
            chain.insert(0, blocks[block_id])
            block_id = blocks[block_id]["parent"]
        for depth, block in enumerate(chain):
            if block["id"] in shown:
                continue
            shown.add(block["id"])
            times = f" ×{block['repeat']}" if block["repeat"] > 1 else ""
            rows.append(("  " * depth + block["id"], f"{block['name']}{times}",
                         "[" + ", ".join(map(str, block["output_shape"])) + "]",
                         f"{block['params']:,}", format_quantity(block["macs"]).strip(), ""))
        rows.append(("  " * len(chain) + n["id"], n["type"],
                     str(analysis.nodes[n["id"]].output), f"{n['params']:,}",
                     format_quantity(n["macs"]).strip(), format_bytes(n["activation_bytes"])))
    return rows


def command_summary(args: argparse.Namespace) -> int:
    project, analysis = analysed(args.file)
    data = summary_data(project, analysis)
    if args.json:
        print(json.dumps(data))
        return 0
    rows = _summary_rows(data, analysis)
    print(project.name)
    print("\n".join(table_lines(("node", "type", "output shape", "params", "MACs",
                                 "output/sample"), rows, left_columns=3)))
    print(f"total parameters: {data['total_params']:,} "
          f"(trainable: {data['trainable_params']:,})")
    batch = batch_size_of(project.training)
    print(f"forward pass: {format_quantity(data['total_macs'])}MAC per sample; a training "
          f"step ≈ {format_bytes(data['train_step_bytes'])} at batch {batch}")
    outputs = ", ".join(f"{n} {analysis.nodes[n].output}" for n in analysis.outputs)
    print(f"output{'s' if len(analysis.outputs) > 1 else ''}: {outputs}")
    for problem in analysis.warnings:
        print(problem)
    return 0
