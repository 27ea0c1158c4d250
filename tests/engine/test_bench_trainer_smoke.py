"""bench/trainer_overhead.py runs: a smoke test on tiny data, never a timing test.

It checks that the benchmark completes, prints a ratio line per task and the worst ratio,
and that the trainer and the hand-written loop, which do the same arithmetic, end with the
same validation figures.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.bench_loading import load_bench as load_bench_file

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "bench" / "trainer_overhead.py"
TASKS = ["shapes-CNN", "adding-LSTM"]


def load_bench():
    return load_bench_file("trainer_overhead.py")


def test_trainer_overhead_quick_run_prints_ratios_and_matching_metrics(capsys):
    bench = load_bench()
    results = bench.main(["--quick"])
    out = capsys.readouterr().out

    assert [r.name for r in results] == TASKS
    ratio_lines = [line for line in out.splitlines()
                   if re.match(r"\S+\s+time trainer [\d.]+ s\s+bare [\d.]+ s\s+ratio [\d.]+",
                               line)]
    assert [line.split()[0] for line in ratio_lines] == TASKS, out
    assert re.search(r"^worst ratio [\d.]+ \(\S+\); (within|ABOVE) the target", out,
                     re.MULTILINE), out
    for result in results:
        trainer, bare = result.trainer.metrics, result.bare.metrics
        assert set(trainer) == set(bare) == {result.metric, "val_loss"}, result.name
        for key, value in trainer.items():
            assert abs(value - bare[key]) <= 1e-5 * max(1.0, abs(value)), (
                result.name, key, value, bare[key])
        assert result.max_weight_diff <= 1e-5, (result.name, result.max_weight_diff)
