"""bench/compile_overhead.py runs: a smoke test with tiny repetitions, never a timing test.

Running it also checks that each compiled network gives exactly the outputs and gradients
of the same network written by hand (the benchmark asserts that before timing).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.bench_loading import load_bench as load_bench_file

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "bench" / "compile_overhead.py"


def load_bench():
    return load_bench_file("compile_overhead.py")


def test_compile_overhead_quick_run_prints_four_ratios(capsys):
    bench = load_bench()
    results = bench.main(["--quick", "--reps", "2", "--warmup", "1", "--batch", "4"])
    out = capsys.readouterr().out

    names = ["CNN", "LSTM", "CRNN", "clip CRNN"]
    assert [r.name for r in results] == names
    lines = [line for line in out.splitlines()
             if re.match(r"(CNN|LSTM|CRNN|clip CRNN)\s+compiled\s+[\d.]+ ms\s+hand-written"
                         r"\s+[\d.]+ ms\s+ratio\s+[\d.]+", line)]
    assert [line.rsplit(" compiled", 1)[0].strip() for line in lines] == names, out
    assert re.search(r"^worst ratio [\d.]+", out, re.MULTILINE), out
