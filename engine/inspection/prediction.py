"""What a network's output says about one sample, in the terms of its loss: the
probability of each class, the string a CTC network reads (with its best class at every
step), or values, over time for sequence outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch

from engine.training.tasks import Binary, Classification, Sequences, Task, spans

PredictionKind = Literal["classes", "classes_per_step", "string", "values"]


@dataclass(frozen=True)
class Prediction:
    kind: PredictionKind
    text: str
    """The prediction in a few words: '7 (98 %)', the decoded string, the first values."""
    labels: list[str] = field(default_factory=list)
    """The classes' names (classes, classes_per_step) or the alphabet with CTC's blank
    first (string)."""
    probabilities: list[float] = field(default_factory=list)
    """Each class's probability (classes)."""
    steps: list[list[float]] = field(default_factory=list)
    """Per time step: the classes' probabilities (classes_per_step, string) or the values
    (values, a sequence output); one row for a single vector of values."""
    best: list[int] = field(default_factory=list)
    """Per time step, the most likely class (classes_per_step, string; 0 is the blank)."""

    @property
    def target(self) -> int | None:
        """The class a single-class prediction settles on."""
        if self.kind != "classes" or not self.probabilities:
            return None
        return max(range(len(self.probabilities)), key=self.probabilities.__getitem__)


def predict(task: Task, output: torch.Tensor, classes: Sequence[str]) -> Prediction:
    """`output`: one sample's output without the batch dimension."""
    output = output.detach().float().cpu()
    if isinstance(task, Sequences):
        probabilities = output.softmax(-1)
        ids = task.decode(output.unsqueeze(0))[0]
        text = "".join(classes[i - 1] if 0 < i <= len(classes) else "?" for i in ids)
        labels = ["blank"] + [classes[i - 1] if i <= len(classes) else str(i)
                              for i in range(1, output.shape[-1])]
        return Prediction("string", text or "(nothing)", labels, [],
                          probabilities.tolist(), probabilities.argmax(-1).tolist())
    if isinstance(task, Classification):
        names = [classes[i] if i < len(classes) else str(i) for i in range(output.shape[-1])]
        probabilities = output.softmax(-1)
        if output.dim() == 2:
            best = probabilities.argmax(-1).tolist()
            return Prediction("classes_per_step", spans([names[i] for i in best]), names,
                              [], probabilities.tolist(), best)
        top = int(probabilities.argmax())
        return Prediction("classes", f"{names[top]} ({100 * float(probabilities[top]):.0f} %)",
                          names, probabilities.tolist())
    values = output.sigmoid() if isinstance(task, Binary) else output
    rows = values.reshape(1, -1) if values.dim() < 2 else values.reshape(values.shape[0], -1)
    flat = values.reshape(-1).tolist()
    text = ", ".join(f"{v:.3g}" for v in flat[:4]) + (", …" if len(flat) > 4 else "")
    return Prediction("values", text, steps=rows.tolist())
