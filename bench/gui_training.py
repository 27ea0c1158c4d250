"""Does training from the window keep the window responsive, and does the window slow
training down?

Two runs of projects/crnn_digit_strings.ndproj, N epochs each (default 2):

1. headless, exactly as `netdesigner train FILE --out TMP --epochs N` does (engine.cli.main:
   load_project → plan_run → build_trainer → Trainer.run, a checkpoint every epoch), in a
   process of its own as the command runs (this file again, with a hidden --side headless);
2. from the desktop: a MainWindow offscreen (its settings in a temporary .ini, its recovery
   files in a temporary folder) opens a temporary copy of the project, types N into the
   Epochs box, clicks Start with the Training dock raised (so the curves are painted), and
   while the run goes on a 10 ms QTimer (Qt.PreciseTimer) records how late each of its
   ticks comes: a tick that comes 60 ms after the previous one is a 50 ms stall.

Throughput, the same for both runs: training samples × epochs / the time spent in the
epochs' training loops, i.e. the sum over epochs of EpochEnded.metrics['seconds'] less the
time the trainer spent validating in that epoch (Trainer._evaluate is timed by wrapping it
at class level here; nothing outside bench/ is edited). The ratio R = desktop / headless.

The stall figures cover the run from the Start click to the moment the window gets RunEnded:
the tick interval around the click counts, and so does that last moment, as a tick (so that
a stall just before it counts). TrainingController.start returns at once; the preparation
(plan_run and build_trainer: the dataset is generated and the network compiled) runs on the
training thread while the ticks are being recorded, so any stall it causes, by holding the
GIL say, is in the figures. Printed on lines of their own: how long the click itself took,
how long after it RunStarted reached the window and the worst stall until then (the
preparation), and the time the GUI thread spent draining events into the panel.

The first run in a fresh process comes first and is reported on its own: a child process
(this file again, with a hidden --side fresh) starts as `netdesigner` does, shows the
window, waits until it can train (the Start button is enabled once the application's
start-up imports are done), clicks Start and trains, without any warm-up: the cold imports,
the data worker's start and oneDNN's first kernels all fall inside it. Its throughput is
cold and not compared; its stalls are the figures that count.

For each run the worst stall is placed (seconds after the click) and split: how much of it
the GUI thread was busy itself (its own CPU time) and how much it waited, for Python's lock
or for a core.

Variants, to find out where a stall or a slowdown comes from:

    --threads N         torch.set_num_threads(N) at the start of Trainer.run, in the thread
                        (or process) that trains, for both runs (default: torch's own, the
                        number of cores)
    --gui-threads N     torch.set_num_threads(N) in the GUI thread before anything else. With
                        1, the GUI thread never starts an OpenMP team of its own: on a 2-core
                        machine a second team (the GUI thread's idle pool beside the training
                        thread's) makes libgomp stop spin-waiting (more OpenMP threads than
                        cores), and every one of the many small parallel regions of a batch
                        (LSTM steps, element-wise ops) then waits for a futex wake-up
    --switch-interval S sys.setswitchinterval(S) for the desktop run (default: Python's, 5 ms)
    --repeat K          K pairs of runs, alternating which side goes first (A B, B A, ...);
                        R is the median of the pairs' ratios, the worst stall the worst of
                        every pair
    --no-fresh          leave out the first run in a fresh process

In the pairs both sides start warm: one untimed epoch on a few strings first (a process's
first batches are seconds slower while oneDNN and MKL set up their kernels); the desktop
side warms up on a helper thread that then ends, so that the warm-up leaves the GUI thread
as it found it.
Each run also prints how many cores other processes kept busy meanwhile (from /proc/stat):
on a shared 2-core machine a run that had to share its cores is not a fair figure, and
says so.

    .venv/bin/python bench/gui_training.py                 # 2 epochs each side, ~2 min
    .venv/bin/python bench/gui_training.py --repeat 3      # what the target is checked on
    .venv/bin/python bench/gui_training.py --threads 1 --no-fresh
    .venv/bin/python bench/gui_training.py --quick         # smoke run, a few seconds

The last line is `worst stall N ms, p99 M ms, throughput ratio R` over the pairs, the line
before the first run's; the targets are a worst stall of at most 50 ms, in every pair and in
the first run, and R ≥ 0.95. A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the repository (engine, designer) and bench/ (gui_training_parts), also when this file is
# loaded from its path by a test rather than run as a script
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from gui_training_parts.desktop import desktop
from gui_training_parts.headless import headless_process, headless_side
from gui_training_parts.instrumentation import quick_dataset, warm_up
from gui_training_parts.machine_usage import machine_usage
from gui_training_parts.ticks import percentile

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "crnn_digit_strings.ndproj"
TARGET_STALL_MS = 50
TARGET_RATIO = 0.95


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default 2; "
                        "1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few strings, "
                        "one epoch")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in the "
                        "training thread or process (default: torch's)")
    parser.add_argument("--no-fresh", action="store_true", help="leave out the first run "
                        "in a fresh process")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for the desktop run (seconds)")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs, alternating "
                        "which side goes first; the ratio is the median of the pairs' ratios")
    parser.add_argument("--gui-threads", type=int, default=None, help="torch.set_num_threads "
                        "in the GUI thread before anything else (the training thread still "
                        "sets its own: --threads, or torch's default)")
    parser.add_argument("--project", type=Path, default=PROJECT)
    parser.add_argument("--side", choices=("headless", "fresh"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def one_headless(args: argparse.Namespace, epochs: int, workdir: Path,
                 index: int) -> dict[str, Any]:
    with machine_usage() as usage:
        alone = headless_process(args, epochs, workdir / f"headless-{index}.run")
    alone.update(usage)
    print(f"headless: {alone['samples']:,} samples in {alone['train_seconds']:.2f} s of "
          f"training (+{alone['validation_seconds']:.2f} s validation), "
          f"{alone['samples_per_second']:,.1f} samples/s, {alone['threads']} torch threads; "
          f"cores busy: ours {usage['our_cores']:.2f}, others {usage['other_cores']:.2f}",
          flush=True)
    return alone


def describe_desktop(gui: dict[str, Any]) -> None:
    """The figures of one run from the window."""
    stalls, drains, worst = gui["stalls_ms"], gui["drain_ms"], gui["worst"]
    over = sum(1 for s in stalls if s > TARGET_STALL_MS)
    print(f"  ticks: {len(stalls)}, {over} late by more than {TARGET_STALL_MS} ms, worst "
          f"{worst['ms']:.1f} ms ({worst['at_s']:.1f} s after the click, the GUI thread "
          f"busy {worst['busy_ms']:.0f} ms of it), p99 {percentile(stalls, 0.99):.1f} ms, "
          f"median {percentile(stalls, 0.5):.1f} ms; {gui['batch_points']} batch points drawn")
    print(f"  the Start click took {gui['start_click_ms']:.0f} ms in the GUI thread, the "
          f"tick around it {gui['start_stall_ms']:.0f} ms late (both in the figures above); "
          f"RunStarted came {gui['prepare_seconds']:.1f} s after the click (preparing the "
          f"data and the network), the worst stall until then "
          f"{gui['prepare_worst_ms']:.1f} ms", flush=True)
    print(f"  {len(drains)} drains into the panel, longest {max(drains, default=0):.1f} ms, "
          f"{sum(drains):.0f} ms in all; {gui['run_seconds']:.1f} s from the click to "
          f"RunEnded", flush=True)


def one_desktop(args: argparse.Namespace, epochs: int, workdir: Path) -> dict[str, Any]:
    previous_interval = sys.getswitchinterval()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    try:
        with machine_usage() as usage:
            gui = desktop(args.project, epochs, workdir, args.threads, args.quick)
    finally:
        sys.setswitchinterval(previous_interval)
    gui.update(usage)
    print(f"desktop: {gui['samples']:,} samples in {gui['train_seconds']:.2f} s of training "
          f"(+{gui['validation_seconds']:.2f} s validation), "
          f"{gui['samples_per_second']:,.1f} samples/s, {gui['threads']} torch threads; "
          f"cores busy: ours {usage['our_cores']:.2f}, others {usage['other_cores']:.2f}")
    describe_desktop(gui)
    return gui


def fresh_side(args: argparse.Namespace) -> None:
    """The child's part of the first run in a fresh process: start as designer/app.py
    does, then one run from the window, without any warm-up; its figures as one JSON line,
    the last it prints."""
    from designer.training_controller import keep_torch_off_the_gui_thread

    keep_torch_off_the_gui_thread()
    with tempfile.TemporaryDirectory(prefix="gui-training-fresh-") as folder, \
            quick_dataset(args.quick):
        figures = desktop(args.project, args.epochs or 1, Path(folder), args.threads,
                          args.quick)
    print(json.dumps(figures))


def one_fresh(args: argparse.Namespace, epochs: int) -> dict[str, Any]:
    """The first run in a fresh process (fresh_side in a child process)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--side", "fresh",
               "--epochs", str(epochs), "--project", str(args.project)]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    if args.quick:
        command.append("--quick")
    with machine_usage() as usage:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the first run in a fresh process failed:\n{done.stdout}\n"
                           f"{done.stderr}")
    gui = json.loads(done.stdout.strip().splitlines()[-1])
    gui.update(usage)
    startup = gui["startup_worst"]
    print(f"first run in a fresh process: the window could train {gui['ready_seconds']:.1f} s "
          f"after it showed (worst stall meanwhile {startup['ms']:.0f} ms, "
          f"{startup['at_s']:.1f} s after showing, the GUI thread busy "
          f"{startup['busy_ms']:.0f} ms of it); {gui['samples_per_second']:,.1f} samples/s "
          f"(cold, not compared); cores busy: ours {usage['our_cores']:.2f}, others "
          f"{usage['other_cores']:.2f}", flush=True)
    describe_desktop(gui)
    return gui


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.side == "headless":
        headless_side(args)
        return {}
    if args.side == "fresh":
        fresh_side(args)
        return {}
    import torch

    epochs = args.epochs or (1 if args.quick else 2)
    if args.threads is None:  # the training thread sets it; the GUI thread may have another
        args.threads = torch.get_num_threads()
    print(f"{args.project.name}: {epochs} epoch(s) each run, {args.repeat} pair(s), torch "
          f"threads {args.threads} for training, {args.gui_threads or 1} in the GUI thread",
          flush=True)
    fresh = None if args.no_fresh else one_fresh(args, epochs)

    from designer.training_controller import keep_torch_off_the_gui_thread
    from engine.project import load_project

    if args.gui_threads is not None:
        torch.set_num_threads(args.gui_threads)
    else:  # what designer/app.py does at start-up
        keep_torch_off_the_gui_thread()
    alone_runs: list[dict[str, Any]] = []
    gui_runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gui-training-") as folder, \
            quick_dataset(args.quick):
        workdir = Path(folder)
        warm = warm_up(load_project(args.project), args.threads, on_thread=True)
        print(f"warm-up (untimed, a few strings, one epoch): {warm:.1f} s", flush=True)
        for index in range(args.repeat):  # A B, B A, ...: drift hits both sides alike
            if index % 2 == 0:
                alone_runs.append(one_headless(args, epochs, workdir, index))
                gui_runs.append(one_desktop(args, epochs, workdir))
            else:
                gui_runs.append(one_desktop(args, epochs, workdir))
                alone_runs.append(one_headless(args, epochs, workdir, index))
    stalls = [s for gui in gui_runs for s in gui["stalls_ms"]]
    worst = max(0.0, max(stalls, default=0.0))  # a tick may come a little early
    p99 = max(0.0, percentile(stalls, 0.99))
    ratios = [g["samples_per_second"] / a["samples_per_second"]
              for a, g in zip(alone_runs, gui_runs, strict=True)]
    ratio = statistics.median(ratios)
    alone_rate = statistics.median(a["samples_per_second"] for a in alone_runs)
    gui_rate = statistics.median(g["samples_per_second"] for g in gui_runs)
    for index, (r, gui) in enumerate(zip(ratios, gui_runs, strict=True), start=1):
        print(f"pair {index}: throughput ratio {r:.3f}, worst stall {gui['worst']['ms']:.0f} "
              f"ms, p99 {percentile(gui['stalls_ms'], 0.99):.0f} ms")
    fresh_worst = None if fresh is None else max(0.0, fresh["worst"]["ms"])
    met = worst <= TARGET_STALL_MS and (fresh_worst is None or fresh_worst <= TARGET_STALL_MS)
    start_click = max(g["start_click_ms"] for g in gui_runs)
    print(f"targets: worst stall ≤ {TARGET_STALL_MS} ms {'met' if met else 'MISSED'}"
          f"{'' if fresh is None else ' (every pair and the first run)'}, throughput ratio "
          f"≥ {TARGET_RATIO} {'met' if ratio >= TARGET_RATIO else 'MISSED'}; the Start click "
          f"itself took up to {start_click:.0f} ms (counted in the stalls)")
    if fresh is not None:
        print(f"first run in a fresh process: worst stall {fresh_worst:.0f} ms, p99 "
              f"{max(0.0, percentile(fresh['stalls_ms'], 0.99)):.0f} ms from the click; "
              f"{fresh['startup_worst']['ms']:.0f} ms before it, while the window got ready")
    print(f"throughput: headless {alone_rate:,.1f} samples/s, desktop {gui_rate:,.1f} "
          f"samples/s")
    print(f"worst stall {worst:.0f} ms, p99 {p99:.0f} ms, throughput ratio {ratio:.3f}",
          flush=True)
    return {"worst_stall_ms": worst, "p99_ms": p99, "ratio": ratio, "ratios": ratios,
            "fresh": fresh, "headless": alone_runs[0],
            "desktop": {k: v for k, v in gui_runs[0].items()
                        if k not in ("stalls_ms", "drain_ms")},
            "headless_runs": alone_runs, "desktop_runs": gui_runs}


if __name__ == "__main__":
    main()
