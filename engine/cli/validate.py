"""`netdesigner validate FILE`: exit 0 if the project is valid; else exit 1, one line per
problem."""

from __future__ import annotations

import argparse
from typing import Any

from engine.analysis import analyse
from engine.cli.user_error import load


def add_command(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check a project; exit 1 with one line "
                                   "per problem if it has errors")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(run=command_validate)


def command_validate(args: argparse.Namespace) -> int:
    project = load(args.file)
    analysis = analyse(project.graph, project.training)
    for problem in analysis.problems:
        print(f"{args.file}: {problem}")
    refused = training_problem(project.training)
    if refused:
        print(f"{args.file}: training: {refused}")
    if not analysis.ok or refused:
        return 1
    print(f"{args.file}: valid: {len(project.graph.nodes)} layers, "
          f"{analysis.total_params:,} parameters")
    return 0


def training_problem(training: dict[str, Any] | None) -> str | None:
    """Why `netdesigner train` would refuse the project's training settings (the data
    aside, which validate does not read); None when they hold or there are none."""
    if training is None:
        return None
    from engine.training import TrainingError, read_training
    from engine.training.optimisers import check_choices

    try:
        config = read_training(training)
        check_choices(config.optimizer, config.scheduler)
    except TrainingError as error:
        return str(error)
    return None
