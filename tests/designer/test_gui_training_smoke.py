"""bench/gui_training.py runs: a smoke test on a few strings, never a timing test.

It checks that the benchmark trains headless, from the window and from a window in a fresh
process, and ends with its one summary line in the agreed format."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "bench" / "gui_training.py"
FINAL = re.compile(r"worst stall \d+ ms, p99 \d+ ms, throughput ratio \d+\.\d+")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_gui_training", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_completes_and_prints_its_summary_line(qapp, capsys):
    bench = load_bench()
    results = bench.main(["--quick"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert FINAL.fullmatch(lines[-1]), lines[-1]
    assert lines[-2].startswith("throughput: headless ")
    assert results["headless"]["samples"] == results["desktop"]["samples"] > 0
    assert results["fresh"]["samples"] == results["desktop"]["samples"]
    assert any(line.startswith("first run in a fresh process: worst stall ")
               for line in lines)
    assert any(line.startswith("pair 1: throughput ratio ") for line in lines)
