"""Does a sweep pay? The digit-rows LSTM template trained as it ships, then swept over
learning rate, hidden size, layers and dropout (between layers) with its own budget of
epochs; then the same sweep with two objectives, validation accuracy and MACs.

It prints the template's validation accuracy, the best trial's and its values, and for
two objectives the Pareto front and the smallest network within 1 point of the best, with
its MACs against the best's. Everything runs in a copy of the template in a temporary
folder (the journal and the trials' runs go there).

    .venv/bin/python bench/sweep_digit_rows.py                  # 20 trials each
    .venv/bin/python bench/sweep_digit_rows.py --trials 4 --epochs 3   # a smoke run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.project import load_project, save_project  # noqa: E402
from engine.sweeps.results import (  # noqa: E402
    best_row,
    pareto_rows,
    read_rows,
    smallest_within,
)
from engine.sweeps.work import prepare, run_worker  # noqa: E402
from engine.training import build_trainer, plan_run  # noqa: E402

SPACE = [
    {"training": "lr", "low": 0.0003, "high": 0.03, "log": True},
    {"node": "lstm", "param": "hidden_size", "low": 16, "high": 256, "log": True},
    {"node": "lstm", "param": "num_layers", "low": 1, "high": 2},
    {"node": "lstm", "param": "dropout", "low": 0.0, "high": 0.5},
]


def template_accuracy(project) -> tuple[float, int, float]:
    plan = plan_run(project)
    started = time.monotonic()
    result = build_trainer(plan).run()
    return (result.metrics["val_accuracy"], plan.analysis.total_macs,
            time.monotonic() - started)


def sweep(project, folder: Path, name: str, objectives: list[str], trials: int,
          seed: int) -> tuple[list, float]:
    project.sweep = {"vary": SPACE, "trials": trials, "objectives": objectives,
                     "study": name}
    save_project(project, folder / "rows.ndproj")
    prepared = prepare(project)
    started = time.monotonic()
    study = run_worker(prepared, say=lambda line: print("  " + line, flush=True),
                       seed=seed)
    return read_rows(study, prepared.sweep.varied), time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, help="override the template's 30 epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, help="where the copy, its study and runs go "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    project = load_project(ROOT / "projects" / "digit_rows_lstm.ndproj")
    if args.epochs:
        project.training["epochs"] = args.epochs
    save_project(project, folder / "rows.ndproj")
    accuracy, macs, seconds = template_accuracy(project)
    print(f"template as it ships: val_accuracy {accuracy:.4f}, {macs:,} MACs "
          f"({seconds:.1f} s)")

    rows, seconds = sweep(project, folder, "accuracy", ["metric"], args.trials, args.seed)
    best = best_row(rows, maximize=True)
    states = {s: sum(r.state == s for r in rows) for s in ("complete", "pruned", "failed")}
    print(f"one objective, {args.trials} trials in {seconds:.0f} s ({states}): best trial "
          f"{best.number} val_accuracy {best.metric:.4f} "
          f"({best.metric - accuracy:+.4f} against the template) at {best.params}")

    rows, seconds = sweep(project, folder, "accuracy-macs", ["metric", "macs"], args.trials,
                          args.seed)
    best = best_row(rows, maximize=True)
    print(f"two objectives, {args.trials} trials in {seconds:.0f} s: best val_accuracy "
          f"{best.metric:.4f} at {best.macs:,} MACs; Pareto front:")
    for row in pareto_rows(rows, maximize=True):
        print(f"  trial {row.number}: val_accuracy {row.metric:.4f}, {row.cost:,.0f} MACs, "
              f"{row.params}")
    small = smallest_within(rows, maximize=True)
    print(f"smallest within 1 point of the best: trial {small.number}, val_accuracy "
          f"{small.metric:.4f}, {small.macs:,} MACs ({small.macs / best.macs:.2f}× the "
          f"best's; {small.macs / macs:.2f}× the template's)")
    print(f"(everything is in {folder})")


if __name__ == "__main__":
    main()
