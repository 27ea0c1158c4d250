"""The Results tab shows each kind of sample as fits it: clips as strips (labelled frame
by frame where the task labels frames), DNA as letters, tagged signals as curves over bands
of labels, predicted sequences over the true ones."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtGui import QColor

from designer.sample_views import bases_text, sample_views
from designer.training_controller import Samples
from engine.data.generated_sequences import one_hot

PAPER = QColor("white")


def samples(x, outputs, targets, predictions, truths) -> Samples:
    return Samples(x, outputs, targets, list(predictions), list(truths))


def scores(ids: torch.Tensor, classes: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(ids, classes).float()


def test_a_clip_labelled_frame_by_frame_gets_its_labels_under_its_frames(qapp):
    targets = torch.tensor([[1, 1, 2], [0, 0, 0]])
    predicted = torch.tensor([[1, 2, 2], [0, 0, 0]])
    given = samples(torch.rand(2, 3, 1, 8, 8), scores(predicted, 3), targets,
                    ["b c c", "a a a"], ["b b c", "a a a"])
    views, summary = sample_views(given, ["a", "b", "c"], "CrossEntropyLoss", PAPER)
    assert views[0].frame_labels == (["b", "c", "c"], ["b", "b", "c"])
    assert views[0].prediction == "2 of 3 frames right" and views[0].frames == 3
    assert [v.correct for v in views] == [False, True]
    assert summary == "5 of 6 frames right"


def test_a_clip_with_one_label_is_a_strip_with_its_label(qapp):
    given = samples(torch.rand(1, 5, 1, 8, 8), torch.tensor([[0.1, 0.9]]),
                    torch.tensor([1]), ["up"], ["up"])
    (view,), summary = sample_views(given, ["down", "up"], "CrossEntropyLoss", PAPER)
    assert view.frame_labels is None and view.truth == "true up" and summary is None
    assert view.picture.width() > 5 * 8


def test_one_hot_dna_is_read_as_its_letters():
    codes = np.random.default_rng(0).integers(0, 4, (2, 120))
    given = samples(torch.from_numpy(one_hot(codes)), torch.zeros(2, 2), torch.tensor([0, 1]),
                    ["A before B", "A before B"], ["A before B", "B before A"])
    views, _ = sample_views(given, ["A before B", "B before A"], "CrossEntropyLoss", PAPER)
    letters = "".join("ACGT"[c] for c in codes[0])
    assert views[0].text.replace(" ", "").replace("\n", "") == letters
    assert views[0].text.splitlines()[0] == " ".join(letters[i:i + 10] for i in
                                                     range(0, 50, 10))
    assert [v.correct for v in views] == [True, False]
    assert bases_text(one_hot(codes)[0]).count("\n") == 2  # 120 bases: 3 lines


def test_a_signal_tagged_step_by_step_counts_its_steps(qapp):
    targets = torch.tensor([[0, 1, 1, 0]])
    given = samples(torch.rand(1, 4, 1), scores(torch.tensor([[0, 1, 0, 0]]), 2), targets,
                    ["x"], ["y"])
    (view,), summary = sample_views(given, ["none", "pulse"], "CrossEntropyLoss", PAPER)
    assert view.prediction == "3 of 4 steps right" and view.correct is False
    assert summary == "3 of 4 steps right · grey none, blue pulse"


def test_predicted_sequences_are_drawn_over_the_true_ones_without_a_verdict(qapp):
    targets = torch.zeros(2, 32, 1)
    outputs = torch.full((2, 32, 1), 0.5)
    given = samples(torch.rand(2, 4), outputs, targets, ["…"] * 2, ["…"] * 2)
    views, summary = sample_views(given, [], "MSELoss", PAPER)
    assert all(v.correct is None for v in views)
    assert views[0].prediction == "|error| 0.5"
    assert summary.startswith("mean |error| 0.5")
