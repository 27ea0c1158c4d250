"""bench/gpu_training.py runs: a smoke test on the CPU (the figures that matter come from a
GPU), never a timing test."""

from __future__ import annotations

import re

from tests.bench_loading import load_bench


def test_the_gpu_benchmark_runs_on_any_device_and_prints_each_way(capsys):
    load_bench("gpu_training.py").main(["--device", "cpu", "--quick"])
    out = capsys.readouterr().out
    for way in ("hand-written", "ours, defaults", "ours, channels_last"):
        assert re.search(rf"^  {way}\s+[\d.]+ /\s+[\d.]+ /\s+[\d.]+\s+[\d.]+×\s+[\d.]+$",
                         out, re.M), out
