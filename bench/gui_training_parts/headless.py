"""The headless side: a run exactly as `netdesigner train` makes it, in a process of its
own (bench/gui_training.py again, with the hidden --side headless)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from gui_training_parts.instrumentation import (
    instrumented_trainer,
    quick_dataset,
    throughput,
    warm_up,
)

SCRIPT = Path(__file__).resolve().parents[1] / "gui_training.py"


def headless(project: Path, epochs: int, out_dir: Path, threads: int | None) -> dict[str, Any]:
    """`netdesigner train project --out out_dir --epochs N`, its output kept aside."""
    from engine import cli

    output = io.StringIO()
    with instrumented_trainer(threads) as made, contextlib.redirect_stdout(output):
        code = cli.main(["train", str(project), "--out", str(out_dir), "--epochs", str(epochs)])
    if code != 0 or len(made) != 1:
        raise RuntimeError(f"netdesigner train failed ({code}):\n{output.getvalue()}")
    return throughput(made[0])


def headless_process(args: argparse.Namespace, epochs: int, out_dir: Path) -> dict[str, Any]:
    """headless() in a process of its own, as `netdesigner train` runs (and warmed up there
    first, in its main thread, as the trainer runs there)."""
    command = [sys.executable, str(SCRIPT), "--side", "headless",
               "--epochs", str(epochs), "--out", str(out_dir), "--project", str(args.project)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    if args.quick:
        command.append("--quick")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the headless run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def headless_side(args: argparse.Namespace) -> None:
    """The child's part: its figures as one JSON line, the last it prints."""
    from engine.project import load_project

    with quick_dataset(args.quick):
        warm_up(load_project(args.project), args.threads)
        figures = headless(args.project, args.epochs or 1, args.out, args.threads)
    print(json.dumps(figures))
