"""How a run's validation samples are shown in the Results tab, by what the data is: images
and strips as pictures, clips as strips of frames (labelled frame by frame when the task
labels frames), one-hot DNA as its letters, signals tagged step by step as curves over
bands of labels, and predicted sequences (regression) over the true ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PySide6.QtGui import QColor

from designer.training_controller import Samples
from engine.data.generated_sequences import read_bases
from widgets.sample_cells import CLIP_MAX_WIDTH, SampleView
from widgets.sample_pictures import (
    LABEL_COLOUR_NAMES,
    prediction_picture,
    sample_pictures,
    signal_picture,
)


def is_one_hot_dna(x: torch.Tensor) -> bool:
    """Samples [N, 4, L] whose every position holds exactly one base."""
    return (x.dim() == 3 and x.shape[1] == 4 and bool(((x == 0) | (x == 1)).all())
            and bool((x.sum(1) == 1).all()))


def bases_text(one_hot: np.ndarray, per_line: int = 50, group: int = 10) -> str:
    """One-hot DNA as its letters, in lines of `per_line` bases in groups of `group`, as
    sequence files print them."""
    bases = read_bases(one_hot)
    return "\n".join(" ".join(bases[start:start + group]
                              for start in range(line, min(line + per_line, len(bases)), group))
                     for line in range(0, len(bases), per_line))


def _names(ids: torch.Tensor, classes: Sequence[str]) -> list[str]:
    return [classes[i] if i < len(classes) else str(i) for i in ids.reshape(-1).tolist()]


def sample_views(samples: Samples, classes: Sequence[str], loss: str, paper: QColor
                 ) -> tuple[list[SampleView], str | None]:
    """A view per sample, and the line above them when it is not the count of right and
    wrong ones."""
    x, outputs, targets = samples.x.float(), samples.outputs, samples.targets
    per_step = loss == "CrossEntropyLoss" and targets.dim() == 2
    judged = [p == t for p, t in zip(samples.predictions, samples.truths, strict=True)]
    if loss in ("MSELoss", "L1Loss") and targets.dim() >= 2:
        return _predicted_sequences(outputs, targets, paper)
    if x.dim() == 5:  # clips [N, T, C, H, W]
        frames = x.shape[1]
        views = []
        for index, picture in enumerate(sample_pictures(x.numpy(), "clip")):
            prediction, truth, labels = samples.predictions[index], \
                f"true {samples.truths[index]}", None
            if per_step:  # a label under each frame, and how many are right above
                predicted = outputs[index].argmax(-1)
                labels = (_names(predicted, classes), _names(targets[index], classes))
                right = int((predicted == targets[index]).sum())
                prediction = f"{right} of {frames} frames right"
                truth = "under each frame: predicted, then true"
            views.append(SampleView(prediction, truth, picture, correct=judged[index],
                                    frames=frames, frame_labels=labels,
                                    max_width=CLIP_MAX_WIDTH))
        return views, (_steps_right(outputs.argmax(-1), targets, "frames") if per_step
                       else None)
    if is_one_hot_dna(x):
        return [SampleView(prediction, f"true {truth}", text=bases_text(sample.numpy()),
                           correct=right)
                for sample, prediction, truth, right in zip(
                    x, samples.predictions, samples.truths, judged, strict=True)], None
    if per_step and x.dim() == 3 and x.shape[2] == 1:  # a signal tagged step by step
        predicted_ids = outputs.argmax(-1)
        views = []
        for index, sample in enumerate(x):
            predicted, true = predicted_ids[index], targets[index]
            right = int((predicted == true).sum())
            picture = signal_picture(sample.numpy(), [predicted.tolist(), true.tolist()],
                                     background=paper)
            views.append(SampleView(f"{right} of {len(true)} steps right",
                                    "bands: predicted, then true", picture,
                                    correct=right == len(true)))
        key = ", ".join(f"{colour} {name}" for colour, name in zip(
            LABEL_COLOUR_NAMES, classes, strict=False))
        return views, f"{_steps_right(predicted_ids, targets, 'steps')} · {key}"
    kind = "sequence" if x.dim() == 3 and loss != "CTCLoss" else None
    pictures = sample_pictures(x.numpy(), kind)
    return [SampleView(prediction, f"true {truth}", picture, correct=right)
            for picture, prediction, truth, right in zip(
                pictures, samples.predictions, samples.truths, judged, strict=True)], None


def _steps_right(predicted: torch.Tensor, targets: torch.Tensor, what: str) -> str:
    """How many of the shown samples' steps are right (a sample with one step wrong is not
    wrong as a whole)."""
    return f"{int((predicted == targets).sum()):,} of {targets.numel():,} {what} right"


def _predicted_sequences(outputs: torch.Tensor, targets: torch.Tensor, paper: QColor
                         ) -> tuple[list[SampleView], str]:
    predicted = outputs.reshape(targets.shape).reshape(len(targets), -1).numpy()
    true = targets.reshape(len(targets), -1).numpy()
    errors = np.abs(predicted - true).mean(1)
    views = [SampleView(f"|error| {error:.2g}", "grey: true",
                        prediction_picture(p, t, background=paper))
             for p, t, error in zip(predicted, true, errors, strict=True)]
    return views, (f"mean |error| {float(errors.mean()):.3g} · blue: predicted, grey: "
                   "true")
