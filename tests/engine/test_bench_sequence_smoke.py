"""bench/sequence_loading.py and bench/variable_length.py run: smoke tests at tiny sizes,
never timing tests."""

from __future__ import annotations

import re

from tests.bench_loading import load_bench


def test_sequence_loading_quick_run_prints_both_ratios(capsys):
    load_bench("sequence_loading.py").main(["--quick"])
    out = capsys.readouterr().out
    for name in ("1. DNA", "2. Sounds"):
        assert re.search(rf"^{re.escape(name)}: Netdesigner .* ratio [\d.]+ / [\d.]+ / [\d.]+",
                         out, re.MULTILINE), out


def test_variable_length_quick_run_trains_all_three(capsys):
    results = load_bench("variable_length.py").main(["--quick"])
    out = capsys.readouterr().out
    assert set(results) == {"packed", "padded", "hand"}
    for figures in results.values():
        assert len(figures["accuracy"]) == 1 and 0 <= figures["accuracy"][0] <= 1
    assert re.search(r"packed training time / hand-written: [\d.]+", out), out
