"""bench/speed_vs_eager.py runs: a smoke test on the digits CNN, never a timing test."""

from __future__ import annotations

import re

from tests.bench_loading import load_bench


def test_speed_vs_eager_quick_run_prints_each_way_with_its_ratio(capsys):
    load_bench("speed_vs_eager.py").main(["--quick"])
    out = capsys.readouterr().out
    assert "digits_cnn: wall s" in out
    for way in ("hand-written", "ours, all off", "ours, defaults"):
        assert re.search(rf"^  {way}\s+[\d.]+ /\s+[\d.]+ /\s+[\d.]+\s+[\d.]+\s+[\d.]+$",
                         out, re.MULTILINE), out
