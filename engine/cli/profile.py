"""`netdesigner profile FILE`: the measured time of each node next to its MACs.

Kept free of torch at import time: the parser of every command is built from here.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from engine.cli.arguments import positive

HELP = "time each layer's forward and backward pass on random data"
DESCRIPTION = (
    "Runs forward and backward passes of the network on random data of its Inputs' shapes "
    "(after two warm-up steps that are not timed) and prints, for each node, the median "
    "time torch.profiler measured for its forward pass and for the backward functions it "
    "made, beside its multiply-accumulates. The step's time is measured without the "
    "profiler, which adds a little to each node's own figure.")
DEFAULT_REPEATS = 5


def add_command(commands: Any) -> None:
    """Register `profile` on the subparsers of the netdesigner command."""
    parser = commands.add_parser("profile", help=HELP, description=DESCRIPTION)
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--batch", type=positive, metavar="N",
                        help="samples per step (default: the project's batch_size)")
    parser.add_argument("--repeats", type=positive, default=DEFAULT_REPEATS, metavar="K",
                        help=f"timed steps; each figure is their median (default: "
                        f"{DEFAULT_REPEATS})")
    parser.add_argument("--device", default="cpu", metavar="D",
                        help="cpu (default), cuda, cuda:N or auto; on CUDA each figure is the "
                        "time the node's kernels ran on the GPU")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(run=run_profile)


def run_profile(args: argparse.Namespace) -> int:
    from engine.cli.user_error import UserError, analysed
    from engine.memory import batch_size_of
    from engine.profiling import ProfileError, profile_network
    from engine.training import TrainingError
    from engine.training.run import pick_device

    project, analysis = analysed(args.file)
    batch = args.batch or batch_size_of(project.training)
    try:
        device = str(pick_device(args.device))
        profile = profile_network(project.graph, analysis, batch, args.repeats, device=device)
    except (ProfileError, TrainingError) as error:
        raise UserError([f"{args.file}: {error}"]) from None
    data = profile_data(project.name, analysis, profile)
    if args.json:
        print(json.dumps(data))
    else:
        print("\n".join(profile_lines(data)))
    return 0


def profile_data(name: str, analysis: Any, profile: Any) -> dict:
    """What `profile --json` prints: seconds per node, median over the repeats."""
    return {
        "name": name, "batch": profile.batch, "repeats": profile.repeats,
        "device": profile.device, "step_seconds": profile.step,
        "nodes": [{"id": node_id, "type": analysis.nodes[node_id].spec.name,
                   "macs": (analysis.nodes[node_id].macs or 0) * profile.batch,
                   "forward_seconds": time.forward, "backward_seconds": time.backward}
                  for node_id, time in profile.nodes.items()],
    }


def profile_lines(data: dict) -> list[str]:
    from engine.text_table import table_lines
    from engine.units import format_quantity

    measured = sum(n["forward_seconds"] + n["backward_seconds"] for n in data["nodes"])
    rows = []
    for node in data["nodes"]:
        total = node["forward_seconds"] + node["backward_seconds"]
        rows.append((node["id"], node["type"], format_quantity(node["macs"]).strip(),
                     _ms(node["forward_seconds"]), _ms(node["backward_seconds"]), _ms(total),
                     f"{100 * total / measured:.0f}%" if measured else "–"))
    headers = ("node", "type", "MACs/batch", "forward ms", "backward ms", "total ms", "share")
    return [f"{data['name']}: batch {data['batch']}, median of {data['repeats']} steps on the "
            f"{data['device'].upper()}",
            *table_lines(headers, rows, left_columns=2),
            f"layers: {_ms(measured)} ms measured by the profiler; a whole step "
            f"(forward, loss, backward) takes {_ms(data['step_seconds'])} ms without it"]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"
