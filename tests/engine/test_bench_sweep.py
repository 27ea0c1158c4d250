"""bench/sweep_digit_rows.py runs: a smoke test with two trials of one epoch, never a
judgement of what a sweep finds."""

from __future__ import annotations

import re

from tests.bench_loading import load_bench


def test_the_sweep_benchmark_prints_the_template_the_best_and_the_front(capsys, tmp_path):
    load_bench("sweep_digit_rows.py").main(["--trials", "2", "--epochs", "1", "--folder",
                                            str(tmp_path)])
    out = capsys.readouterr().out
    assert re.search(r"^template as it ships: val_accuracy [\d.]+, [\d,]+ MACs", out, re.M)
    assert re.search(r"^one objective, 2 trials in \d+ s .*: best trial \d+ val_accuracy "
                     r"[\d.]+ \([+-][\d.]+ against the template\)", out, re.M), out
    assert re.search(r"^two objectives, 2 trials .* Pareto front:$", out, re.M), out
    assert re.search(r"^smallest within 1 point of the best: trial \d+", out, re.M), out
