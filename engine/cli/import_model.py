"""`netdesigner import FILE.py:CLASS -o FILE.ndproj`: the command line side of importing.

Kept free of torch at import time: the parser of every command is built from here.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

HELP = "make a project from a PyTorch nn.Module class (runs the file's code)"
DESCRIPTION = (
    "Runs FILE.py (your own code), builds CLASS() (with the arguments --init gives), "
    "follows forward() on "
    "an example input of --input-shape (torch.fx, running each op as it goes: branches and "
    "loops on shapes are taken as that shape decides) and writes the network as a project "
    "when every op has a layer in the catalogue; otherwise writes nothing and lists each op "
    "that has none, with its line. "
    "Only the project is written, not the module's weights, unless --weights-out is given.")


def add_command(commands: Any) -> None:
    """Register `import` on the subparsers of the netdesigner command."""
    parser = commands.add_parser("import", help=HELP, description=DESCRIPTION)
    parser.add_argument("source", metavar="FILE.py:CLASS", type=_source,
                        help="the Python file and the nn.Module class in it")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.ndproj",
                        help="the project file to write")
    parser.add_argument("--input-shape", type=_shape, metavar="SHAPE", action="append",
                        help="one sample's shape without the batch, e.g. 1,28,28 (default: "
                        "the file's INPUT_SHAPE); give it again for each tensor forward() "
                        "takes after the first (a mask, say), in order: each becomes an "
                        "Input of the project")
    parser.add_argument("--input-dtype", choices=("float32", "int64", "bool"),
                        action="append",
                        help="the example input's dtype: int64 for token ids, bool for "
                        "masks (default: the file's INPUT_DTYPE, else int64 when the input "
                        "goes straight into an Embedding, else float32); again for each "
                        "further --input-shape")
    parser.add_argument("--batch-first", action="store_true",
                        help="give an output the code returns time-first ([steps, batch, "
                        "...]) batch-first instead (default: as the code does, with the "
                        "project ending in TimeFirst)")
    parser.add_argument("--init", metavar="ARGUMENTS",
                        help="what CLASS() is built with, written as in a call: --init "
                        "'32, 1, 37, nh=256' (numbers, text, True/False/None, tuples and "
                        "lists; default: no arguments)")
    parser.add_argument("--name", help="the project's name (default: CLASS)")
    parser.add_argument("--weights-out", metavar="FILE.safetensors",
                        help="also write the module's current weights, named as the "
                        "project's layers")
    parser.set_defaults(run=run_import)


def _one_or_all(given: list | None) -> object:
    """One value for one input, the list for several, None when none was given."""
    if not given:
        return None
    return given[0] if len(given) == 1 else list(given)


def run_import(args: argparse.Namespace) -> int:
    from engine.analysis import analyse
    from engine.cli.user_error import UserError
    from engine.importing.api import import_network
    from engine.importing.problems import ImportProblem
    from engine.storage import StorageError

    path, class_name = args.source
    try:
        imported = import_network(path, class_name, _one_or_all(args.input_shape),
                                  _one_or_all(args.input_dtype),
                                  name=args.name, batch_first=args.batch_first,
                                  init=args.init)
    except ImportProblem as problem:
        raise UserError(problem.lines) from None
    try:
        _write(imported, Path(args.output), Path(args.weights_out) if args.weights_out else None)
    except StorageError as error:
        raise UserError([f"{args.output}: nothing written: {error}"]) from None
    graph = imported.project.graph
    total = analyse(graph).total_params
    print(f"{args.output}: {class_name} imported as {len(graph.nodes)} layers, "
          f"{total:,} parameters"
          + (f"; weights in {args.weights_out}" if args.weights_out else ""))
    for note in imported.notes:
        print(f"note: {note}")
    held = sum(p.numel() for p in imported.module.parameters())
    if held != total:
        print(f"note: {class_name} holds {held:,} parameters but forward() uses {total:,}: "
              "submodules it never calls are left out")
    return 0


def _source(text: str) -> tuple[Path, str]:
    path, _, class_name = text.rpartition(":")
    if not path or not class_name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r}: give the file and the class as "
                                         "FILE.py:CLASS, e.g. model.py:Net")
    return Path(path), class_name


def _shape(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.replace("x", ",").split(",") if p.strip()]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape; give positive sizes "
                                         "separated by commas, without the batch: 1,28,28")
    return shape


def _write(imported, project_path: Path, weights_path: Path | None) -> None:
    """The project file and its weights, both or neither: each is written beside its place
    with room checked first, and both are renamed in only when both are whole."""
    from engine.project import dumps_project
    from engine.storage import ensure_room, replacing
    from engine.training.weights_file import weights_bytes

    text = dumps_project(imported.project).encode("utf-8")
    files = [(project_path, text)]
    if weights_path is not None:
        files.append((weights_path, weights_bytes(imported.state_dict())))
    for path, data in files:
        ensure_room(path.parent, len(data), path)
    with contextlib.ExitStack() as stack:
        for path, data in files:
            temporary = stack.enter_context(replacing(path, len(data)))
            temporary.write_bytes(data)
    imported.project.path = project_path
