"""Where bf16-mixed pays on this processor: one epoch of every template in projects/ under
32-true and under bf16-mixed (the trainer, torch's default threads), paired within each
repeat, with the network's multiply-accumulates per sample (all, and outside GRU and RNN
layers). Precision `auto` trains in bf16-mixed from engine.training.speed.
BF16_WORTHWHILE_MACS of the latter up, on a processor with native bfloat16; this prints
what that rests on (ratio < 1: bf16-mixed faster) and what auto chooses.

    .venv/bin/python bench/bf16_threshold.py             # every template, 3 repeats
    .venv/bin/python bench/bf16_threshold.py --samples 256 --repeats 1

Run it on an otherwise idle machine. A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.shared_parts.template_runs import spread, subset  # noqa: E402
from bench.speed_vs_eager import ours  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.training.run import plan_run  # noqa: E402
from engine.training.speed import BF16_WORTHWHILE_MACS, bf16_work, native_bf16  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--templates", nargs="*", help="names in projects/ (default: all)")
    args = parser.parse_args(argv)
    if not native_bf16():
        print("this processor has no native bfloat16: auto trains in 32-true here")
        return
    print(f"one epoch of {args.samples} samples, {args.repeats} repeat(s), "
          f"{torch.get_num_threads()} threads; auto's threshold {BF16_WORTHWHILE_MACS:,} "
          "MACs per sample")
    print(f"{'template':<22}{'MACs/sample':>14}{'not GRU/RNN':>14}   32-true s "
          "(min/med/max)   bf16-mixed s            bf16 ÷ 32   auto")
    paths = sorted((ROOT / "projects").glob("*.ndproj"))
    for path in [p for p in paths if not args.templates or p.stem in args.templates]:
        plan = subset(plan_run(load_project(path)), args.samples)
        times: dict[str, list[float]] = {"32-true": [], "bf16-mixed": []}
        for repeat in range(args.repeats):
            order = list(times) if repeat % 2 == 0 else list(reversed(times))
            for precision in order:
                times[precision].append(ours(plan, precision=precision)[0])
        ratio = statistics.median(times["bf16-mixed"]) / statistics.median(times["32-true"])
        work = bf16_work(plan.analysis.nodes)
        auto = "bf16-mixed" if work >= BF16_WORTHWHILE_MACS else "32-true"
        print(f"{path.stem:<22}{plan.analysis.total_macs:>14,}{work:>14,}   "
              f"{spread(times['32-true'])}   {spread(times['bf16-mixed'])}   {ratio:6.2f}"
              f"   {auto}")


if __name__ == "__main__":
    main()
