"""bench/trainer_overhead.py runs: a smoke test on tiny data, never a timing test.

It checks that the benchmark completes, prints a ratio line per task and the worst ratio,
and that the trainer and the hand-written loop, which do the same arithmetic, end with the
same validation figures.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "bench" / "trainer_overhead.py"
TASKS = ["shapes-CNN", "adding-LSTM"]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_trainer_overhead", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


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
