"""`netdesigner sweep FILE [--trials N] [--timeout S] [--workers K] [--storage URL]
[--study NAME]`: search what the project marks to vary. Started on several machines with
the same study (a journal on a shared file system, or --storage URL), they work on one
study together."""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import sys
from typing import Any

from engine.cli.arguments import non_negative, positive
from engine.cli.user_error import UserError, load


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def add_command(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="search the settings and structure the project marks to vary")
    sweep.add_argument("file", metavar="FILE")
    sweep.add_argument("--trials", type=non_negative, metavar="N",
                       help="finish when the study has N complete or pruned trials, counted "
                       "over every worker and machine (default: the project's sweep, else "
                       "20); 0 shows the study's results without running any")
    sweep.add_argument("--timeout", type=_seconds, metavar="S",
                       help="start no trial after S seconds (each worker)")
    sweep.add_argument("--workers", type=positive, metavar="K",
                       help="trials at once on this machine, each a process of its own "
                       "with a share of the cores (default: one per two cores)")
    sweep.add_argument("--storage", metavar="URL",
                       help="keep the study in a database (sqlite:///sweep.db, "
                       "postgresql://user@host/db) instead of the journal file in "
                       "NAME.sweeps/ beside the project")
    sweep.add_argument("--study", metavar="NAME", help="the study's name (default: the "
                       "project's sweep's, else 'sweep'); the same name joins the same study")
    sweep.add_argument("--seed", type=non_negative, metavar="N",
                       help="seed the sampler, for a search that repeats")
    sweep.add_argument("--worker-of", type=positive, metavar="K", help=argparse.SUPPRESS)
    sweep.set_defaults(run=command_sweep)


def _prepared(args: argparse.Namespace):
    from engine.sweeps.space import SweepError
    from engine.sweeps.work import prepare

    project = load(args.file)
    overrides = {"trials": args.trials, "timeout": args.timeout, "storage": args.storage,
                 "study": args.study}
    try:
        return prepare(project, overrides)
    except SweepError as error:
        raise UserError([f"{args.file}: cannot sweep: {p}" for p in error.problems]) \
            from None


def _default_workers() -> int:
    from engine.training.threads import usable_cores

    return max(1, usable_cores() // 2)


def command_sweep(args: argparse.Namespace) -> int:
    from engine.sweeps.space import SweepError
    from engine.sweeps.study import describe_storage

    prepared = _prepared(args)
    say = _say
    if args.worker_of:
        return _work(args, prepared, args.worker_of)
    if prepared.sweep.trials == 0:
        return _report(args, prepared)
    workers = args.workers or _default_workers()
    say(f"{prepared.project.name}: sweeping {len(prepared.sweep.varied)} parameter(s) for "
        f"{prepared.sweep.trials} trials, {workers} at a time; study "
        f"'{prepared.sweep.study}' in {describe_storage(prepared.project, prepared.sweep)}")
    for varied in prepared.sweep.varied:
        say(f"  {varied.describe()}")
    try:
        status = _work(args, prepared, 1) if workers == 1 else \
            _work_with_others(args, prepared, workers)
    except SweepError as error:
        raise UserError([f"{args.file}: cannot sweep: {p}" for p in error.problems]) \
            from None
    if status == 0:
        _report(args, prepared)
    return status


def _say(line: str) -> None:
    print(line, flush=True)


def _work(args: argparse.Namespace, prepared, workers: int) -> int:
    from engine.sweeps.space import SweepError
    from engine.sweeps.work import run_worker

    # a stop from the designer or the cluster ends the trial as failed, and this worker
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_worker(prepared, workers, _say, args.seed)
    except SweepError as error:
        raise UserError([f"{args.file}: cannot sweep: {p}" for p in error.problems]) \
            from None
    except KeyboardInterrupt:
        _say("stopped; the study keeps every finished trial")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def _work_with_others(args: argparse.Namespace, prepared, workers: int) -> int:
    from engine.sweeps.study import open_study

    open_study(prepared.project, prepared.sweep, prepared.epochs, args.seed)
    command = [sys.executable, "-m", "engine", "sweep", args.file, "--worker-of",
               str(workers), "--study", prepared.sweep.study,
               "--trials", str(prepared.sweep.trials)]
    if prepared.sweep.storage:
        command += ["--storage", prepared.sweep.storage]
    if prepared.sweep.timeout:
        command += ["--timeout", str(prepared.sweep.timeout)]
    others = []
    for index in range(workers - 1):
        seed = [] if args.seed is None else ["--seed", str(args.seed + index + 1)]
        others.append(subprocess.Popen(command + seed))
    status = 130
    try:
        status = _work(args, prepared, workers)
    finally:
        if status != 0:  # stopped or refused: the others stop with it
            for process in others:
                if process.poll() is None:
                    process.terminate()
        codes = [process.wait() for process in others]
    return status or max([0, *[code for code in codes if code > 0]])


def _report(args: argparse.Namespace, prepared) -> int:
    from engine.sweeps.results import best_row, pareto_rows, read_rows, smallest_within
    from engine.sweeps.space import SweepError
    from engine.sweeps.study import open_study
    from engine.sweeps.work import describe_row

    try:
        study = open_study(prepared.project, prepared.sweep, prepared.epochs, create=False)
    except SweepError as error:
        raise UserError([f"{args.file}: {p}" for p in error.problems]) from None
    rows = read_rows(study, prepared.sweep.varied)
    counts = {state: sum(r.state == state for r in rows)
              for state in ("complete", "pruned", "failed", "running")}
    _say("study '" + prepared.sweep.study + "': " + ", ".join(
        f"{n} {state}" for state, n in counts.items() if n))
    best = best_row(rows, prepared.maximize)
    if best is None:
        _say("no trial is complete yet")
        return 0
    _say("best " + describe_row(best.number, "", best.params, prepared.metric, best.metric)
         + (f" (run {best.run})" if best.run else ""))
    if prepared.sweep.cost:
        _say(f"Pareto front ({prepared.metric} against {prepared.sweep.cost}):")
        for row in pareto_rows(rows, prepared.maximize):
            _say(f"  trial {row.number}: {prepared.metric} {row.metric:.4g}, "
                 f"{prepared.sweep.cost} {row.cost:,.0f}")
        small = smallest_within(rows, prepared.maximize)
        if small is not None:
            _say(f"smallest within 1 point of the best: trial {small.number} "
                 f"({prepared.metric} {small.metric:.4g}, {prepared.sweep.cost} "
                 f"{small.cost:,.0f})")
    with contextlib.suppress(Exception):
        from engine.sweeps.results import importances

        found = importances(study)
        if found:
            _say("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in found.items()))
    return 0
