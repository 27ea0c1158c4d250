"""One task per loss: how targets must look, how the loss is computed and which metrics
tell how well the network does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from engine.catalogue import TensorInfo
from engine.data import PAD, Dataset
from engine.data.dataset import UNSCORED
from engine.training.config import Choice

SPELLED_OUT = 8
"""Up to this many labels in a row are written one by one; more are written as runs."""


def spans(labels: Sequence[str]) -> str:
    """A label per time step as a person reads them: 'up down' for a few, and for many
    the runs of equal labels ('off ×20 on ×8 off ×36'), not a wall of 64 words."""
    if len(labels) <= SPELLED_OUT:
        return " ".join(labels)
    runs: list[list] = []
    for label in labels:
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    return " ".join(label if count == 1 else f"{label} ×{count}" for label, count in runs)


class Task:
    """Targets, loss and metrics for one loss function.

    Metrics are accumulated as sums over validation batches (`accumulate`) and turned into
    figures at the end (`finish`), so they are exact whatever the batch size.
    """

    metric: str = ""
    """The headline validation metric ('val_accuracy', ...), besides val_loss."""
    higher_is_better = True

    def __init__(self, choice: Choice):
        self.loss_fn = self.build_loss(choice)

    def build_loss(self, choice: Choice) -> nn.Module:
        return getattr(nn, choice.type)(**choice.args)

    def adapt(self, data: Dataset) -> Dataset:
        """The data read the way this loss reads targets, where a file alone is ambiguous."""
        return data

    def problems(self, output: TensorInfo, data: Dataset) -> list[str]:
        """Why the network's output and the data's targets cannot meet in this loss."""
        return []

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        return y

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.loss_fn(outputs, targets)

    def accumulate(self, totals: dict[str, Any], outputs: torch.Tensor,
                   targets: torch.Tensor) -> None:
        raise NotImplementedError

    def describe(self, outputs: torch.Tensor, targets: torch.Tensor,
                 classes: Sequence[str]) -> tuple[list[str], list[str]]:
        """Each sample's prediction and truth as short text, for showing samples."""
        def text(values: torch.Tensor) -> str:
            flat = values.reshape(-1).tolist()
            shown = ", ".join(f"{v:.3g}" for v in flat[:4])
            return shown + (", …" if len(flat) > 4 else "")

        predicted = outputs.reshape(targets.shape) if outputs.numel() == targets.numel() \
            else outputs
        return [text(p) for p in predicted], [text(t) for t in targets]

    def finish(self, totals: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


def _shape(values: Sequence[int]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


class Classification(Task):
    metric = "val_accuracy"

    def __init__(self, choice: Choice, classes: int = 0):
        super().__init__(choice)
        self.classes = classes

    def problems(self, output: TensorInfo, data: Dataset) -> list[str]:
        if data.kind != "classes":
            return [f"CrossEntropyLoss needs class ids as targets, but {data.name} has "
                    f"{'numeric values' if data.kind == 'values' else 'label strings'}; "
                    + ("use MSELoss or L1Loss" if data.kind == "values" else "use CTCLoss")]
        per_step = data.y.dim() == 2
        expected = "[time, classes]" if per_step else "[classes]"
        if len(output.shape) != (2 if per_step else 1):
            labels = "one class per time step" if per_step else "one class per sample"
            return [f"CrossEntropyLoss with {labels} needs the network's output to be "
                    f"{expected}, but it is {output}; end with a Linear of out_features "
                    f"{len(data.classes)}"]
        if per_step and output.shape[0] != data.y.shape[1]:
            return [f"the network outputs {output.shape[0]} time steps but {data.name} has "
                    f"{data.y.shape[1]} labels per sample"]
        self.classes = output.shape[-1]
        largest = int(data.y.max()) if data.y.numel() else 0
        if largest >= self.classes:
            return [f"{data.name} has {largest + 1} classes but the network's output gives "
                    f"{self.classes} scores {output}; set the last Linear's out_features to "
                    f"{largest + 1}"]
        if data.classes and self.classes > len(data.classes):
            return [f"the network's output gives {self.classes} scores {output} but "
                    f"{data.name} has {len(data.classes)} classes, so "
                    f"{self.classes - len(data.classes)} of them would be classes no sample "
                    f"has; set the last Linear's out_features to {len(data.classes)}"]
        return []

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if outputs.dim() == 3:  # per time step: torch wants the classes on dim 1
            outputs = outputs.transpose(1, 2)
            if not bool((targets != UNSCORED).any()):  # the mean of nothing would be NaN
                return outputs.sum() * 0.0
        return self.loss_fn(outputs, targets)

    def accumulate(self, totals, outputs, targets) -> None:
        predicted = outputs.argmax(-1)
        scored = targets != UNSCORED
        totals["correct"] = totals.get("correct", 0) + int(((predicted == targets)
                                                            & scored).sum())
        totals["count"] = totals.get("count", 0) + int(scored.sum())
        pairs = targets[scored] * self.classes + predicted[scored]
        confusion = torch.bincount(pairs.cpu(), minlength=self.classes ** 2)
        totals["confusion"] = totals.get("confusion", 0) + confusion

    def describe(self, outputs, targets, classes):
        def name(index: int) -> str:
            return classes[index] if index < len(classes) else str(index)

        def text(ids: torch.Tensor) -> str:
            return spans([name(int(i)) if i != UNSCORED else "·" for i in ids.reshape(-1)])

        return [text(p) for p in outputs.argmax(-1)], [text(t) for t in targets]

    def finish(self, totals) -> dict[str, Any]:
        confusion = totals["confusion"].reshape(self.classes, self.classes)
        return {"val_accuracy": totals["correct"] / max(totals["count"], 1),
                "confusion_matrix": confusion.tolist()}


class Binary(Task):
    metric = "val_accuracy"

    def problems(self, output: TensorInfo, data: Dataset) -> list[str]:
        if data.kind == "strings":
            return ["BCEWithLogitsLoss needs 0/1 targets; label strings need CTCLoss"]
        return _matching_shapes("BCEWithLogitsLoss", output, data)

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        return y.float()

    def loss(self, outputs, targets):
        return self.loss_fn(outputs.reshape(targets.shape), targets)

    def accumulate(self, totals, outputs, targets) -> None:
        predicted = outputs.reshape(targets.shape) > 0
        totals["correct"] = totals.get("correct", 0) + int((predicted == (targets > 0.5)).sum())
        totals["count"] = totals.get("count", 0) + targets.numel()

    def finish(self, totals) -> dict[str, Any]:
        return {"val_accuracy": totals["correct"] / max(totals["count"], 1)}


class Regression(Task):
    metric = "val_mae"
    higher_is_better = False

    def problems(self, output: TensorInfo, data: Dataset) -> list[str]:
        if data.kind == "strings":
            return ["label strings need CTCLoss, not a regression loss"]
        return _matching_shapes(self.loss_fn.__class__.__name__, output, data)

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        return y.float()

    def loss(self, outputs, targets):
        return self.loss_fn(outputs.reshape(targets.shape), targets)

    def accumulate(self, totals, outputs, targets) -> None:
        error = (outputs.reshape(targets.shape) - targets).abs()
        totals["abs_error"] = totals.get("abs_error", 0.0) + float(error.sum())
        totals["count"] = totals.get("count", 0) + targets.numel()

    def finish(self, totals) -> dict[str, Any]:
        return {"val_mae": totals["abs_error"] / max(totals["count"], 1)}


def _matching_shapes(loss: str, output: TensorInfo, data: Dataset) -> list[str]:
    target = tuple(data.y.shape[1:])
    if tuple(output.shape) == target or (output.shape == (1,) and target == ()):
        return []
    return [f"{loss} compares the output with the target value by value, but the network "
            f"outputs {_shape(output.shape)} and {data.name}'s targets are "
            f"{_shape(target) if target else 'single numbers [1]'}; make the last layer "
            f"give {_shape(target) if target else '[1]'}"]


class Sequences(Task):
    """CTC: the network outputs a score per class per time step; blank is class `blank`."""

    metric = "val_sequence_accuracy"

    def build_loss(self, choice: Choice) -> nn.Module:
        self.blank = int(choice.args.get("blank", 0))
        # an impossible alignment (a string too long for the output) must not poison training
        return nn.CTCLoss(**choice.args, zero_infinity=True)

    def adapt(self, data: Dataset) -> Dataset:
        # label strings that all have the same length need no padding, so a file cannot
        # tell them from one class per time step; for CTC they are strings, whose label
        # ids are the numbers the file holds (read as class names: the ids back)
        if data.kind != "classes" or data.y.dim() != 2 or not all(
                name.isdigit() for name in data.classes):
            return data
        numbers = torch.tensor([int(name) for name in data.classes] or [0])

        def ids(y: torch.Tensor | None) -> torch.Tensor | None:
            return None if y is None else numbers[y]

        y = ids(data.y)
        if y is None or not len(y) or int(y.min()) < 1:
            return data
        top = max(int(t.max()) for t in (y, ids(data.y_val), ids(data.y_test))
                  if t is not None and len(t))
        return replace(data, y=y, y_val=ids(data.y_val), y_test=ids(data.y_test),
                       kind="strings", classes=[str(i) for i in range(1, top + 1)])

    def problems(self, output: TensorInfo, data: Dataset) -> list[str]:
        if data.kind != "strings":
            return [f"CTCLoss needs label strings as targets, but {data.name} has "
                    f"{'class ids' if data.kind == 'classes' else 'numeric values'}; use "
                    + ("CrossEntropyLoss" if data.kind == "classes" else "MSELoss")]
        if len(output.shape) != 2:
            return [f"CTCLoss needs a sequence output [time, classes], but the network "
                    f"outputs {output}; end with a recurrent layer and a Linear per step"]
        classes = output.shape[1]
        symbols = len(data.classes) + 1
        if classes < symbols:
            return [f"{data.name} has {len(data.classes)} symbols plus CTC's blank, so the "
                    f"output needs {symbols} classes per step but has {classes}; set the "
                    f"last Linear's out_features to {symbols}"]
        return []  # whether it has steps enough: engine.training.ctc_length

    def loss(self, outputs, targets):
        log_probs = outputs.log_softmax(-1).transpose(0, 1)
        lengths = (targets != PAD).sum(1)
        steps = torch.full((outputs.shape[0],), outputs.shape[1], dtype=torch.long)
        return self.loss_fn(log_probs, targets[targets != PAD], steps, lengths)

    def decode(self, outputs: torch.Tensor) -> list[list[int]]:
        """Greedy decoding: the best class per step, repeats merged, blanks dropped."""
        best = outputs.argmax(-1).cpu()
        keep = torch.ones_like(best, dtype=torch.bool)
        keep[:, 1:] = best[:, 1:] != best[:, :-1]
        keep &= best != self.blank
        return [row[mask].tolist() for row, mask in zip(best, keep, strict=True)]

    def describe(self, outputs, targets, classes):
        def text(ids: list[int]) -> str:
            return "".join(classes[i - 1] if 0 < i <= len(classes) else "?" for i in ids)

        truths = [text(row[row != PAD].tolist()) for row in targets.cpu()]
        return [text(ids) for ids in self.decode(outputs)], truths

    def accumulate(self, totals, outputs, targets) -> None:
        decoded = self.decode(outputs)
        for predicted, row in zip(decoded, targets.cpu(), strict=True):
            truth = row[row != PAD].tolist()
            totals["exact"] = totals.get("exact", 0) + int(predicted == truth)
            totals["edits"] = totals.get("edits", 0) + edit_distance(predicted, truth)
            totals["labels"] = totals.get("labels", 0) + len(truth)
            totals["count"] = totals.get("count", 0) + 1

    def finish(self, totals) -> dict[str, Any]:
        return {"val_sequence_accuracy": totals["exact"] / max(totals["count"], 1),
                "val_cer": totals["edits"] / max(totals["labels"], 1)}


def edit_distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


TASKS: dict[str, type[Task]] = {
    "CrossEntropyLoss": Classification, "BCEWithLogitsLoss": Binary,
    "MSELoss": Regression, "L1Loss": Regression, "CTCLoss": Sequences}


def task_for(loss: Choice) -> Task:
    return TASKS[loss.type](loss)


def metric_for(loss_name: str) -> str | None:
    """The headline validation metric of the task a loss makes (None for an unknown loss)."""
    task = TASKS.get(loss_name)
    return None if task is None else task.metric
