"""One epoch of a template on part of its data, in this process, as `netdesigner train`
runs it: prints a JSON line with the wall and CPU seconds of the epoch and the threads it
used. Run by bench/busy_machine.py in a fresh process per measurement, so that OpenMP's
waiting policy (read when torch loads) is the one asked for.

    python bench/busy_machine_parts/epoch.py PROJECT SAMPLES THREADS
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.data.dataset import take  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.training.run import build_trainer, plan_run  # noqa: E402


def main() -> None:
    project_path, samples, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    project = load_project(Path(project_path))
    project.training = {**project.training, "epochs": 1,
                        "threads": threads if threads == "auto" else int(threads)}
    plan = plan_run(project)
    data = plan.dataset
    keep = list(range(min(samples, len(data.x))))
    held = list(range(min(max(samples // 4, 1), len(data.x_val))))
    plan = replace(plan, dataset=replace(data, x=take(data.x, keep), y=data.y[keep],
                                         x_val=take(data.x_val, held), y_val=data.y_val[held]))
    trainer = build_trainer(plan, "cpu", health_every=0)
    used = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    trainer.run()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "threads": trainer.threads}))


if __name__ == "__main__":
    main()
