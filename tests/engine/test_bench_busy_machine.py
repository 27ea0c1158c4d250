"""bench/busy_machine.py runs: a smoke test of one tiny epoch per machine state and way of
running torch, never a timing test."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bench_loading import load_bench

ROOT = Path(__file__).parents[2]


def test_busy_machine_quick_run_prints_every_state_and_way_and_the_ratios(capsys):
    bench = load_bench("busy_machine.py")
    bench.main(["--quick", "--project", str(ROOT / "projects" / "digits_cnn.ndproj")])
    out = capsys.readouterr().out
    for load in ("idle", "one core busy"):
        for way in ("ours", "torch default", "one thread"):
            assert re.search(rf"^{load}\s+{way}\s+[\d.]+ /", out, re.MULTILINE), out
    assert re.search(r"^ours, one core busy: wall [\d.]+× idle", out, re.MULTILINE), out
    assert re.search(r"^ours, idle: [\d.]+× one thread's wall", out, re.MULTILINE), out
