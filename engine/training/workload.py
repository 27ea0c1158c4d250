"""What the analysis knows of a network that decides how a run computes it fastest: the
multiply-accumulates bf16-mixed speeds up (engine.training.speed) and the largest layer
output per sample, which sets how many samples a CPU measures at once
(engine.data.feeding.eval_batch)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.analysis import Analysis
from engine.training.speed import bf16_work


@dataclass(frozen=True)
class Workload:
    bf16_macs: int | None = None
    """Multiply-accumulates per sample outside GRU and RNN layers (speed.bf16_work)."""
    largest_output_bytes: int | None = None
    """The largest output of one layer for one sample."""

    @classmethod
    def of(cls, analysis: Analysis) -> Workload:
        outputs = [report.activation_bytes or 0 for report in analysis.nodes.values()]
        return cls(bf16_work(analysis.nodes), max(outputs, default=0) or None)
