"""Training on a machine that is busy with other work: one epoch of a template (on part of
its data, in a fresh process each time) on an idle machine, with one core held by a busy
loop, and with four busy loops (a load of 4 on 2 cores), each way torch can be run:

- ours: Netdesigner's default, threads chosen from the cores other work leaves free, at
  the epoch's start and every 2 seconds of it;
- torch's default: a thread per core;
- one thread.

All three with OpenMP's own waiting (spinning a while). OMP_WAIT_POLICY=PASSIVE (waiting
threads sleep) was measured here and left out: on 2 cores it made the idle epoch 1.31× as
long as spinning (3.13 s against 2.39 s, medians of 3), while with a thread per core on a
busy machine it helped (3.8 s against 6.4 s); fewer threads help more and cost nothing
idle. Spin counts set by hand (GOMP_SPINCOUNT=10000 or 100000) were far worse on a busy
machine (9.4 s and 48 s).

For each it prints the wall time and the CPU time of the epoch (min / median / max of the
repeats, the ways run in turn within a repeat) and, for ours, the ratios that matter: busy
÷ idle wall time (target ≤ 1.8 with one core busy), busy ÷ idle CPU time (target ≤ 1.1),
and ours ÷ one thread (target ≤ 1.0: never slower than a single thread).

    .venv/bin/python bench/busy_machine.py                 # crnn_digit_strings, 3 repeats
    .venv/bin/python bench/busy_machine.py --quick         # a smoke run, half a minute
    .venv/bin/python bench/busy_machine.py --project projects/gesture_crnn.ndproj

Never run it beside the test suite or another benchmark: the machine must be otherwise idle
for "idle" to mean anything. A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPOCH = Path(__file__).resolve().parent / "busy_machine_parts" / "epoch.py"
WAYS = {
    "ours": ("auto", {}),
    "torch default": (str(os.cpu_count() or 1), {}),
    "one thread": ("1", {}),
}
"""Each way: the project's threads setting and what it adds to the environment."""
LOADS = {"idle": 0, "one core busy": 1, "load of 4": 4}


@contextmanager
def busy_loops(count: int) -> Iterator[None]:
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
             for _ in range(count)]
    try:
        time.sleep(0.5 if loops else 0)  # the loops up and running
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def one_epoch(project: Path, samples: int, threads: str, environment: dict[str, str]) -> dict:
    env = {**os.environ, **environment}
    done = subprocess.run([sys.executable, str(EPOCH), str(project), str(samples), threads],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    return (f"{min(values):6.2f} / {statistics.median(values):6.2f} / "
            f"{max(values):6.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT / "projects" /
                        "crnn_digit_strings.ndproj")
    parser.add_argument("--samples", type=int, default=1280,
                        help="training samples of the epoch (default 1280)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 128 samples, one repeat, no load of 4")
    args = parser.parse_args(argv)
    samples, repeats = (128, 1) if args.quick else (args.samples, args.repeats)
    print(f"{args.project.name}: one epoch of {samples} samples, {repeats} repeat(s), "
          f"{os.cpu_count()} cores; wall and CPU seconds, min / median / max")
    figures: dict[tuple[str, str], list[dict]] = {}
    loads = {k: v for k, v in LOADS.items() if not (args.quick and v > 1)}
    for load, loops in loads.items():
        with busy_loops(loops):
            for repeat in range(repeats):
                order = list(WAYS) if repeat % 2 == 0 else list(reversed(WAYS))
                for way in order:
                    threads, environment = WAYS[way]
                    figures.setdefault((load, way), []).append(
                        one_epoch(args.project, samples, threads, environment))
    print(f"{'machine':<15}{'way':<15}{'wall s':>24}{'CPU s':>26}  threads")
    for (load, way), runs in figures.items():
        threads = sorted({r["threads"] for r in runs})
        print(f"{load:<15}{way:<15}{spread([r['wall'] for r in runs]):>24}"
              f"{spread([r['cpu'] for r in runs]):>26}  {threads}")

    def median(load: str, way: str, key: str) -> float:
        return statistics.median(r[key] for r in figures[(load, way)])

    print()
    idle_wall, idle_cpu = median("idle", "ours", "wall"), median("idle", "ours", "cpu")
    for load in list(loads)[1:]:
        default = median(load, "torch default", "wall") / median("idle", "torch default",
                                                                 "wall")
        print(f"ours, {load}: wall {median(load, 'ours', 'wall') / idle_wall:.2f}× idle "
              f"(torch default {default:.2f}×), CPU "
              f"{median(load, 'ours', 'cpu') / idle_cpu:.2f}× idle's, "
              f"{median(load, 'ours', 'wall') / median(load, 'one thread', 'wall'):.2f}× "
              "one thread's wall")
    print(f"ours, idle: {idle_wall / median('idle', 'one thread', 'wall'):.2f}× one "
          f"thread's wall, {idle_wall / median('idle', 'torch default', 'wall'):.2f}× torch "
          "default's")


if __name__ == "__main__":
    main()
