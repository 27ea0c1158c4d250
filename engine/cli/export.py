"""`netdesigner export FILE --format python|onnx|torchscript -o PATH [--weights FILE]`.

Heavy imports wait until the command runs, so that the rest of the CLI starts fast."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.export import FORMATS, ExportError


def add_command(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="write the network as standalone PyTorch code with a training "
        "script, as ONNX or as TorchScript")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--format", required=True, choices=FORMATS,
                        help="python: a folder with model.py, train.py, the data "
                        "(data.npz, or data.json for files read in place) and the "
                        "weights; onnx: one .onnx file; torchscript: one .pt file")
    export.add_argument("-o", "--output", required=True, metavar="PATH",
                        help="the folder (python) or file (onnx, torchscript) to write")
    export.add_argument("--weights", metavar="FILE",
                        help="trained weights to include (default: those of the project's "
                        "latest run, in <project>.runs/, if it has one)")
    export.set_defaults(run=command_export)


def command_export(args: argparse.Namespace) -> int:
    from engine.cli.user_error import UserError
    from engine.export.run import export_project
    from engine.project import ProjectError, load_project

    try:
        project = load_project(args.file)
    except ProjectError as error:
        raise UserError(str(error).splitlines()) from None
    try:
        result = export_project(project, args.format, Path(args.output),
                                Path(args.weights) if args.weights else None)
    except ExportError as error:
        raise UserError([f"{args.file}: {line}" for line in error.lines]) from None
    print(result.summary)
    return 0
