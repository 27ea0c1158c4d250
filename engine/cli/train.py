"""`netdesigner train FILE [--out DIR] [--epochs N] [--device D] [--resume] [--nproc N]`:
train the network on the project's dataset, here or on N processes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli.arguments import positive
from engine.cli.user_error import UserError, load
from engine.project import Project


def add_command(commands: Any) -> None:
    train = commands.add_parser("train", help="train the network on the project's dataset")
    train.add_argument("file", metavar="FILE")
    train.add_argument("--out", metavar="DIR", help="where weights.safetensors, metrics.json "
                       "and curves.png go (default: a new folder named by the time in "
                       "NAME.runs/ beside the project, where the designer lists its runs "
                       "and export finds the newest)")
    train.add_argument("--epochs", type=positive, metavar="N", help="override the project's "
                       "number of epochs")
    train.add_argument("--device", metavar="D", help="auto, cpu, cuda, cuda:N or mps "
                       "(default: the project's, else auto)")
    train.add_argument("--resume", action="store_true", help="go on from the checkpoint in "
                       "--out")
    train.add_argument("--nproc", type=positive, default=1, metavar="N", help="train on N "
                       "processes with DistributedDataParallel (gloo on the CPU, nccl with a "
                       "GPU each on CUDA); batch_size is per process, so a step sees N × "
                       "batch_size samples. Same as torchrun --standalone --nproc-per-node N "
                       "-m engine train FILE")
    train.set_defaults(run=command_train)


def _cannot_train(path: str, error: Exception) -> UserError:
    return UserError([f"{path}: cannot train: {line}" for line in str(error).splitlines()])


def command_train(args: argparse.Namespace) -> int:
    """Train here; with --nproc N, launch N workers (engine.training.distributed) that each
    come back here as one process of the run."""
    from engine.training import TrainingError, distributed, read_training

    if not distributed.launched() and args.nproc == 1:
        return _train(args, load(args.file))
    lead = distributed.is_lead()
    try:
        project = load(args.file)
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
    from engine.storage import StorageError
    from engine.training.runs import claim_new_run, newest_run, runs_folder

    if args.resume:
        newest = newest_run(project.path, project.name)
        if newest is None:
            raise UserError([f"{args.file}: cannot resume: the project has no run yet in "
                             f"{runs_folder(project.path, project.name)}"])
        return newest
    try:
        return claim_new_run(project.path, project.name)
    except StorageError as error:
        raise UserError([f"{args.file}: cannot train: {error}"]) from None


def _check_folder(out_dir: Path) -> None:
    """A folder the user named: writable, before the data is read."""
    from engine.storage import StorageError, ensure_room
    from engine.training import TrainingError

    try:
        ensure_room(out_dir, 0)
    except StorageError as error:
        raise TrainingError(str(error)) from None


def _train(args: argparse.Namespace, project: Project, device: str | None = None,
           lead: bool = True) -> int:
    import signal

    from engine.storage import StorageError
    from engine.training import TrainingError, build_trainer, plan_run, read_training
    from engine.training.plot import save_curves
    from engine.training.progress import ProgressPrinter, format_metrics
    from engine.training.resuming import plan_resume

    out_dir = Path(args.out) if args.out else _default_run_folder(args, project)
    notes: list[str] = []
    try:
        split = None
        if args.resume:
            resumption = plan_resume(out_dir, read_training(project.training))
            split, notes = resumption.split, resumption.notes
        elif args.out:
            _check_folder(out_dir)
        plan = plan_run(project, epochs=args.epochs, split=split)
        trainer = build_trainer(plan, device or args.device, out_dir)
    except TrainingError as error:
        raise _cannot_train(args.file, error) from None
    if lead:  # the other processes of a distributed run train silently
        trainer.add_listener(ProgressPrinter())
        print(f"{project.name}: {plan.dataset.describe()}")
        for note in notes:
            print(f"{args.file}: {note}")
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
        try:
            save_curves(trainer.history, plan.task.metric, out_dir / "curves.png",
                        project.name)
        except StorageError as error:
            print(f"{args.file}: warning: curves.png not written: {error}", file=sys.stderr)
    figures = format_metrics({k: v for k, v in result.metrics.items()
                              if k.startswith(("val_", "test_"))})
    if lead:
        said = ". ".join(part.rstrip(". ") for part in (result.message, figures) if part)
        print(f"{said}. Weights and metrics in {out_dir}")
    return 1 if result.reason == "failed" else 0
