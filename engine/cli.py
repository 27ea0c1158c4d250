"""The command line: the same project files, without a window.

Exit codes: 0 success, 1 a problem in the user's file or data (explained, one line each),
2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.analysis import Analysis, CompileError, analyse
from engine.blocks import Block, interface, membership
from engine.costs import network_costs
from engine.memory import batch_size_of
from engine.project import Project, ProjectError, load_project
from engine.text_table import table_lines
from engine.units import format_bytes, format_quantity


class UserError(Exception):
    """Ends the command with exit 1 and these lines, never a traceback."""

    def __init__(self, lines: Sequence[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def _load(path: str) -> Project:
    try:
        return load_project(path)
    except ProjectError as error:
        raise UserError(str(error).splitlines()) from None


def analysed(path: str) -> tuple[Project, Analysis]:
    project = _load(path)
    analysis = analyse(project.graph, project.training)
    if not analysis.ok:
        raise UserError([f"{path}: {p}" for p in analysis.problems])
    return project, analysis


def shape_list(analysis: Analysis, node_id: str) -> list[int]:
    output = analysis.nodes[node_id].output
    return list(output.shape) if output is not None else []


def _block_data(block: Block, nodes: list[dict], analysis: Analysis) -> dict:
    inside = [n for n in nodes if n["block"] == block.id]
    output = _block_output(block, analysis)
    return {"id": block.id, "name": block.class_name, "repeat": block.repeat,
            "nodes": list(block.nodes), "params": sum(n["params"] for n in inside),
            "macs": sum(n["macs"] for n in inside),
            "output_shape": shape_list(analysis, output) if output else []}


def _block_output(block: Block, analysis: Analysis) -> str | None:
    """The node that gives the block's output, after its last repetition."""
    found = interface(analysis.graph, block).outputs if analysis.graph else []
    return analysis.final_copy(found[0]) if found else None


def command_validate(args: argparse.Namespace) -> int:
    project = _load(args.file)
    analysis = analyse(project.graph, project.training)
    for problem in analysis.problems:
        print(f"{args.file}: {problem}")
    if not analysis.ok:
        return 1
    print(f"{args.file}: valid: {len(project.graph.nodes)} layers, "
          f"{analysis.total_params:,} parameters")
    return 0


def summary_data(project: Project, analysis: Analysis) -> dict:
    """What `summary --json` prints. MACs are a forward pass's multiply-accumulates per
    sample, bytes are per sample but for train_step_bytes, the estimated peak of a training
    step at the project's batch size and optimiser (engine.costs)."""
    total = analysis.total_params
    costs = network_costs(project.graph, analysis, project.training)
    owner = membership(project.graph)
    nodes = []
    for node_id in analysis.order:
        cost = costs.nodes[node_id]
        nodes.append({
            "id": node_id, "type": (analysis.graph or project.graph).nodes[node_id].type,
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
        "blocks": [_block_data(block, nodes, analysis) for block in project.graph.blocks.values()],
        "total_macs": costs.total_macs,
        "train_step_bytes": costs.step_bytes,
    }


def _summary_rows(data: dict, analysis: Analysis) -> list[tuple[str, ...]]:
    """One row per node; a block's row (its totals) comes before its members, indented, and
    the copies of a repeated block are in its totals only."""
    blocks = {b["id"]: b for b in data["blocks"]}
    rows, shown = [], set()
    for n in data["nodes"]:
        block = blocks.get(n["block"]) if n["block"] else None
        if n["id"] in analysis.origin:
            continue
        if block is not None and block["id"] not in shown:
            shown.add(block["id"])
            times = f" ×{block['repeat']}" if block["repeat"] > 1 else ""
            rows.append((block["id"], f"{block['name']}{times}",
                         "[" + ", ".join(map(str, block["output_shape"])) + "]",
                         f"{block['params']:,}", format_quantity(block["macs"]).strip(), ""))
        rows.append((("  " if block else "") + n["id"], n["type"],
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


def _cannot_train(path: str, error: Exception) -> UserError:
    return UserError([f"{path}: cannot train: {line}" for line in str(error).splitlines()])


def command_train(args: argparse.Namespace) -> int:
    """Train here; with --nproc N, launch N workers (engine.training.distributed) that each
    come back here as one process of the run."""
    from engine.training import TrainingError, distributed, read_training

    if not distributed.launched() and args.nproc == 1:
        return _train(args, _load(args.file))
    lead = distributed.is_lead()
    try:
        project = _load(args.file)
        requested = args.device or read_training(project.training).device
        if not distributed.launched():
            distributed.check_launch(args.nproc, requested)
            # every process of the run writes to one folder, chosen once here
            args.out = args.out or str(_default_run_folder(args, project))
            return distributed.launch(args.nproc, _worker_args(args))
        device = distributed.worker_device(requested)
    except TrainingError as error:
        return _refuse(_cannot_train(args.file, error), lead)
    except UserError as error:
        return _refuse(error, lead)
    with distributed.process_group(device):
        try:
            status = _train(args, project, str(device), lead)
        except UserError as error:  # printed before leaving the group, once
            status = _refuse(error, lead)
    distributed.end_worker(status)


def _worker_args(args: argparse.Namespace) -> list[str]:
    """The train command each worker runs: every train option but --nproc."""
    return ["train", args.file, *(["--out", args.out] if args.out else []),
            *(["--epochs", str(args.epochs)] if args.epochs else []),
            *(["--device", args.device] if args.device else []),
            *(["--resume"] if args.resume else [])]


def _refuse(error: UserError, lead: bool) -> int:
    if lead:
        for line in error.lines:
            print(line, file=sys.stderr)
    return 1


def _default_run_folder(args: argparse.Namespace, project: Project) -> Path:
    """A new run in the project's runs folder, where the designer lists it and export finds
    it; with --resume, the newest run there."""
    from engine.training.runs import new_run_folder, newest_run, runs_folder

    if args.resume:
        newest = newest_run(project.path, project.name)
        if newest is None:
            raise UserError([f"{args.file}: cannot resume: the project has no run yet in "
                             f"{runs_folder(project.path, project.name)}"])
        return newest
    return new_run_folder(project.path, project.name)


def _train(args: argparse.Namespace, project: Project, device: str | None = None,
           lead: bool = True) -> int:
    import signal

    from engine.training import TrainingError, build_trainer, plan_run
    from engine.training.plot import save_curves
    from engine.training.progress import ProgressPrinter, format_metrics

    out_dir = Path(args.out) if args.out else _default_run_folder(args, project)
    try:
        plan = plan_run(project, epochs=args.epochs)
        trainer = build_trainer(plan, device or args.device, out_dir)
    except TrainingError as error:
        raise _cannot_train(args.file, error) from None
    if lead:  # the other processes of a distributed run train silently
        trainer.add_listener(ProgressPrinter())
        print(f"{project.name}: {plan.dataset.describe()}")
        for warning in plan.warnings:
            print(f"{args.file}: warning: {warning}", file=sys.stderr)
    # Ctrl+C stops after the current batch and still saves what was learnt
    previous = signal.signal(signal.SIGINT, lambda *_: trainer.stop())
    try:
        result = trainer.run(resume=args.resume)
    except TrainingError as error:
        raise UserError([f"{args.file}: {error}"]) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if lead and trainer.history:
        save_curves(trainer.history, plan.task.metric, out_dir / "curves.png", project.name)
    figures = format_metrics({k: v for k, v in result.metrics.items()
                              if k.startswith(("val_", "test_"))})
    if lead:
        said = ". ".join(part.rstrip(". ") for part in (result.message, figures) if part)
        print(f"{said}. Weights and metrics in {out_dir}")
    return 1 if result.reason == "failed" else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netdesigner",
        description="Design, check and train neural networks stored as .ndproj files. "
                    "`netdesigner [FILE]` with no command opens the designer (on FILE).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a project; exit 1 with one line "
                                   "per problem if it has errors")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(run=command_validate)

    summary = commands.add_parser("summary", help="per-layer output shape and parameter "
                                  "count, and totals")
    summary.add_argument("file", metavar="FILE")
    summary.add_argument("--json", action="store_true", help="print JSON for scripts")
    summary.set_defaults(run=command_summary)

    train = commands.add_parser("train", help="train the network on the project's dataset")
    train.add_argument("file", metavar="FILE")
    train.add_argument("--out", metavar="DIR", help="where weights.safetensors, metrics.json "
                       "and curves.png go (default: a new folder named by the time in "
                       "NAME.runs/ beside the project, where the designer lists its runs "
                       "and export finds the newest)")
    train.add_argument("--epochs", type=_positive, metavar="N", help="override the project's "
                       "number of epochs")
    train.add_argument("--device", metavar="D", help="auto, cpu, cuda, cuda:N or mps "
                       "(default: the project's, else auto)")
    train.add_argument("--resume", action="store_true", help="go on from the checkpoint in "
                       "--out")
    train.add_argument("--nproc", type=_positive, default=1, metavar="N", help="train on N "
                       "processes with DistributedDataParallel (gloo on the CPU, nccl with a "
                       "GPU each on CUDA); batch_size is per process, so a step sees N × "
                       "batch_size samples. Same as torchrun --standalone --nproc-per-node N "
                       "-m engine train FILE")
    train.set_defaults(run=command_train)

    from engine.importing.command import add_import_command

    add_import_command(commands)

    from engine.export.command import add_export_command

    add_export_command(commands)

    from engine.profiling_command import add_profile_command

    add_profile_command(commands, _positive)

    from engine.inspection.command import add_inspect_command

    add_inspect_command(commands, _non_negative)
    return parser


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value
    return parse


_positive = _at_least(1)
_non_negative = _at_least(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        return 1
    except CompileError as error:
        for problem in error.problems:
            print(f"netdesigner: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netdesigner: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # users get a sentence; developers set NETDESIGNER_DEBUG
        if os.environ.get("NETDESIGNER_DEBUG"):
            raise
        print(f"netdesigner: internal error, please report it: {type(error).__name__}: "
              f"{error} (set NETDESIGNER_DEBUG=1 for details)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
