"""bench/speed_vs_eager.py and bench/bf16_threshold.py run: smoke tests on small
templates, never a timing test."""

from __future__ import annotations

import re

from tests.bench_loading import load_bench


def test_speed_vs_eager_quick_run_prints_each_way_with_its_ratio(capsys):
    load_bench("speed_vs_eager.py").main(["--quick"])
    out = capsys.readouterr().out
    assert "digits_cnn, 1 epoch(s) of 128: wall s" in out
    for way in ("hand-written", "ours, all off", "ours, defaults", "ours, off, loop step"):
        assert re.search(rf"^  {way}\s+[\d.]+ /\s+[\d.]+ /\s+[\d.]+(\s+[\d.]+){{3}}$",
                         out, re.MULTILINE), out


def test_bf16_threshold_prints_each_templates_work_ratio_and_choice(capsys, monkeypatch):
    from engine.training import speed

    monkeypatch.setattr(speed, "native_bf16", lambda: True)  # autocast runs anywhere
    bench = load_bench("bf16_threshold.py")
    monkeypatch.setattr(bench, "native_bf16", lambda: True)
    bench.main(["--samples", "64", "--repeats", "1", "--templates", "pulse_tagger",
                "digit_rows_lstm"])
    out = capsys.readouterr().out
    assert re.search(r"^pulse_tagger\s+475,392\s+16,640 .* 32-true$", out, re.MULTILINE), out
    assert re.search(r"^digit_rows_lstm\s+576,778\s+576,778 .* bf16-mixed$", out,
                     re.MULTILINE), out


def test_speed_vs_eager_accuracy_run_prints_both_metrics_per_seed(capsys):
    load_bench("speed_vs_eager.py").main(["--quick", "--accuracy", "1"])
    out = capsys.readouterr().out
    assert re.search(r"^  digits_cnn\s+hand-written 0\.\d{3} \(mean 0\.\d{3}\); ours, defaults "
                     r"0\.\d{3} \(mean 0\.\d{3}\); difference of means [+-]\d+\.\d points$",
                     out, re.MULTILINE), out
