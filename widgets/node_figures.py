"""What a node costs, in words for people: the short figures on its face and the longer
rows of its tooltip and of the inspector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.costs import Costs, NodeCost
from engine.units import format_bytes, format_quantity

if TYPE_CHECKING:
    from engine.profiling import NodeTime, Profile


@dataclass(frozen=True)
class CostFigures:
    """A node's cost at a batch size, with its measured time when it has been profiled."""

    cost: NodeCost
    batch: int
    time: NodeTime | None = None
    step_share: float | None = None
    """The node's share of the profiled layers' time (0 to 1)."""

    def face(self) -> str:
        """Compact enough for the node's face: '2.4 MMAC · 2.1 MB'."""
        parts = []
        if self.cost.macs:
            parts.append(f"{format_quantity(self.cost.macs)}MAC")
        if self.cost.output_bytes:
            parts.append(format_bytes(self.cost.output_bytes * self.batch))
        return " · ".join(parts)

    def rows(self) -> list[tuple[str, str]]:
        """(caption, value) pairs, from the multiply-accumulates to the measured time."""
        cost, batch = self.cost, self.batch
        rows = [("MACs", f"{format_quantity(cost.macs)}MAC per sample" if cost.macs else "none"),
                ("Output", f"{format_bytes(cost.output_bytes)} per sample, "
                           f"{format_bytes(cost.output_bytes * batch)} at batch {batch}")]
        if cost.kept_bytes:
            rows.append(("Kept", f"{format_bytes(cost.kept_bytes * batch)} at batch {batch} "
                                 "for the backward pass"))
        if cost.receptive_field is not None:
            rows.append(("Receptive field", " × ".join(map(str, cost.receptive_field))
                         + (" samples" if len(cost.receptive_field) == 1 else " pixels")))
        if cost.sequence_length is not None:
            rows.append(("Sequence", f"{cost.sequence_length} time steps"))
        if self.time is not None:
            share = "" if self.step_share is None else \
                f" ({100 * self.step_share:.0f}% of the layers' time)"
            rows.append(("Measured", f"{1e3 * self.time.forward:.2f} ms forward, "
                                     f"{1e3 * self.time.backward:.2f} ms backward{share}"))
        return rows


def figures_for(costs: Costs | None, profile: Profile | None = None
                ) -> dict[str, CostFigures]:
    """Each node's figures, with its measured time from `profile` when it has one."""
    if costs is None:
        return {}
    times = profile.nodes if profile is not None else {}
    measured = profile.measured if profile is not None else 0.0
    return {node_id: CostFigures(cost, costs.batch, times.get(node_id),
                                 times[node_id].total / measured
                                 if node_id in times and measured > 0 else None)
            for node_id, cost in costs.nodes.items()}
