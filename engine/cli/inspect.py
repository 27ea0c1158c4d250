"""`netdesigner inspect FILE --sample N [--node ID] --out DIR`: one validation sample seen
from inside the trained network, as PNGs and JSON.

Kept free of torch at import time: the parser of every command is built from here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.cli.arguments import non_negative

HELP = "show what each layer of the trained network makes of one validation sample"
DESCRIPTION = (
    "Runs validation sample N through the network with the weights of the project's newest "
    "run (or --weights) and writes to DIR: prediction.png, saliency.png (Grad-CAM of the "
    "last convolution for a classifier, else the input's gradient) over the sample, "
    "node-ID.png with the output of each --node (every node without one: feature maps, "
    "hidden state over time, values) and figures.json with the prediction and each node's "
    "output statistics.")


def add_command(commands: Any) -> None:
    parser = commands.add_parser("inspect", help=HELP, description=DESCRIPTION)
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--sample", type=non_negative, default=0, metavar="N",
                        help="which validation sample, from 0 (default 0)")
    parser.add_argument("--node", action="append", metavar="ID",
                        help="a node whose output to draw; repeat for more (default: all)")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the files go")
    parser.add_argument("--weights", metavar="FILE", help="weights.safetensors to use "
                        "(default: the newest run's)")
    parser.set_defaults(run=run_inspect)


def run_inspect(args: argparse.Namespace) -> int:
    from engine.cli.user_error import UserError, analysed
    from engine.inspection.pictures import write_look
    from engine.inspection.session import InspectError, open_inspection
    from engine.storage import StorageError

    project, analysis = analysed(args.file)
    unknown = [n for n in args.node or [] if n not in analysis.nodes]
    if unknown:
        raise UserError([f"{args.file}: there is no node {', '.join(map(repr, unknown))}; "
                         f"the nodes are {', '.join(analysis.order)}"])
    weights = Path(args.weights) if args.weights else None
    try:
        inspection = open_inspection(project, weights)
        look = inspection.look_at(args.sample)
    except InspectError as error:
        raise UserError([f"{args.file}: {error}"]) from None
    nodes = args.node or [n for n in analysis.order if n not in analysis.inputs]
    try:
        written = write_look(inspection, look, args.sample, nodes, Path(args.out))
    except StorageError as error:
        raise UserError([f"{args.file}: {error}"]) from None
    source = inspection.weights or (f"the initial weights ({inspection.note})"
                                    if inspection.note else
                                    "the initial weights (the project has no run yet)")
    truth = f", truth {look.truth}" if look.truth is not None else ""
    print(f"sample {args.sample}: predicted {look.prediction.text}{truth} with {source}; "
          f"{len(written)} files in {args.out}")
    return 0
