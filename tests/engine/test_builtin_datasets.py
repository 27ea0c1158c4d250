"""The built-in datasets come from the digit images scikit-learn ships: nothing is
downloaded, and each says its shapes and classes."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from engine.data import BUILTINS, PAD, builtin, load_dataset


def test_digits_are_images_and_digit_rows_are_sequences():
    images = load_dataset({"name": "digits"})
    rows = load_dataset({"name": "digit_rows"})
    assert images.x.shape == (1797, 1, 8, 8) and rows.x.shape == (1797, 8, 8)
    assert images.classes == [str(d) for d in range(10)] and images.kind == "classes"
    assert torch.equal(images.x[:, 0], rows.x) and torch.equal(images.y, rows.y)
    assert float(images.x.min()) >= 0.0 and float(images.x.max()) <= 1.0


def test_each_builtin_says_its_sample_shape():
    for entry in BUILTINS.values():
        data = entry.make(0)
        assert data.sample_shape == entry.sample_shape, entry.name
        assert entry.description


def test_digit_strings_hold_three_to_six_digits_padded_for_ctc():
    data = builtin.digit_strings(seed=3, train_count=200, test_count=50)
    assert data.x.shape == (200, 1, 8, 64) and data.x_val.shape == (50, 1, 8, 64)
    lengths = (data.y != PAD).sum(1)
    assert int(lengths.min()) >= 3 and int(lengths.max()) <= 6
    assert int(data.y[data.y != PAD].min()) >= 1 and int(data.y.max()) <= 10
    assert data.kind == "strings"


def test_test_strings_use_only_source_images_no_training_string_uses(monkeypatch):
    used = {"train": set(), "test": set()}
    images, labels = builtin.digit_images()
    tagged = images.copy()
    tagged[:, 0, 0] = np.arange(len(images)) / len(images)  # a tag identifying each source
    monkeypatch.setattr(builtin, "digit_images", lambda: (tagged, labels))
    original = builtin._strips

    def recording(sources, source_labels, count, rng):
        used["train" if count == 300 else "test"].update(np.round(
            sources[:, 0, 0] * len(images)).astype(int).tolist())
        return original(sources, source_labels, count, rng)

    monkeypatch.setattr(builtin, "_strips", recording)
    builtin.digit_strings(seed=0, train_count=300, test_count=40)
    assert used["train"] and used["test"] and not used["train"] & used["test"]
    assert len(used["train"] | used["test"]) == len(images)


def test_the_same_seed_builds_the_same_strings():
    first = builtin.digit_strings(seed=5, train_count=20, test_count=5)
    second = builtin.digit_strings(seed=5, train_count=20, test_count=5)
    assert torch.equal(first.x, second.x) and torch.equal(first.y_val, second.y_val)


def test_gesture_clips_move_their_digit_along_the_gesture():
    from engine.data.generated_clips import GESTURES, gestures

    data = gestures(seed=1, train_count=120, test_count=30)
    assert data.x.shape == (120, 12, 1, 16, 16) and data.x_val.shape == (30, 12, 1, 16, 16)
    assert data.classes == GESTURES and set(data.y.tolist()) == set(range(6))

    def centre(frame: torch.Tensor) -> torch.Tensor:
        weights = (frame[0] - 0.3).clamp(min=0)  # the digit, not the noise
        rows, columns = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
        return torch.stack([(weights * rows).sum(), (weights * columns).sum()]) / weights.sum()

    for clip, label in zip(data.x, data.y, strict=True):
        travel = centre(clip[-1]) - centre(clip[0])
        gesture = GESTURES[int(label)]
        if gesture in ("left", "right"):
            assert (travel[1] > 3) == (gesture == "right") and abs(travel[1]) > 3
        elif gesture in ("up", "down"):
            assert (travel[0] > 3) == (gesture == "down") and abs(travel[0]) > 3


def test_video_labels_cut_between_shots_of_different_digits():
    from engine.data.generated_clips import video_labels

    data = video_labels(seed=2, train_count=100, test_count=20)
    assert data.x.shape == (100, 10, 1, 16, 16) and data.y.shape == (100, 10)
    for labels in data.y.tolist():
        shots = [labels[0]]
        lengths = [1]
        for before, label in itertools.pairwise(labels):
            if label == before:
                lengths[-1] += 1
            else:
                shots.append(label)
                lengths.append(1)
        assert 2 <= len(shots) <= 3 and min(lengths) >= 2


def test_clips_for_validation_use_only_digit_images_no_training_clip_uses(monkeypatch):
    from engine.data import generated_clips

    images, labels = builtin.digit_images()
    tagged = images.copy()
    tagged[:, 0, 0] = np.arange(len(images)) / len(images)
    monkeypatch.setattr(generated_clips, "digit_images", lambda: (tagged, labels))
    for make, name in ((generated_clips._gesture_clips, "_gesture_clips"),
                       (generated_clips._labelled_clips, "_labelled_clips")):
        sources: list[set[int]] = []

        def recording(pool, *rest, make=make, sources=sources):
            sources.append(set(np.round(pool[:, 0, 0] * len(images)).astype(int).tolist()))
            return make(pool, *rest)

        monkeypatch.setattr(generated_clips, name, recording)
        getattr(generated_clips, "gestures" if name == "_gesture_clips" else
                "video_labels")(seed=0, train_count=10, test_count=5)
        train, test = sources
        assert train and test and not train & test


def test_dna_motifs_are_planted_in_the_order_the_label_says():
    from engine.data.generated_sequences import MOTIFS, dna_motifs, read_bases

    data = dna_motifs(seed=3, train_count=200, test_count=10)
    assert data.x.shape == (200, 4, 200) and bool((data.x.sum(1) == 1).all())
    checked = 0
    for sequence, label in zip(data.x.numpy(), data.y.tolist(), strict=True):
        bases = read_bases(sequence)
        first, second = (bases.find(motif) for motif in MOTIFS)
        if first >= 0 and second >= 0:  # both planted unchanged (most are)
            assert (first < second) == (label == 0)
            checked += 1
    assert checked > 80


def test_waves_are_the_sines_their_parameters_describe():
    from engine.data.generated_sequences import sine_from_params

    data = sine_from_params(seed=4, train_count=20, test_count=5)
    frequency, cosine, sine, amplitude = data.x.T.numpy()
    phase = np.arctan2(sine, cosine)
    time = np.arange(32) / 32
    expected = amplitude[:, None] * np.sin(2 * np.pi * frequency[:, None] * time
                                           + phase[:, None])
    np.testing.assert_allclose(data.y[:, :, 0].numpy(), expected, atol=1e-5)


def test_pulses_are_tagged_over_their_whole_length():
    from engine.data.generated_sequences import PULSES, pulse_tags

    data = pulse_tags(seed=5, train_count=50, test_count=5)
    assert data.x.shape == (50, 64, 1) and data.y.shape == (50, 64)
    assert data.classes == PULSES
    for tags in data.y.tolist():
        runs = [len(list(group)) for tag, group in itertools.groupby(tags) if tag]
        assert runs and all(6 <= length <= 12 for length in runs)


def test_every_generated_builtin_is_the_same_for_the_same_seed():
    for name in ("gestures", "video_labels", "dna_motifs", "sine_from_params", "pulse_tags"):
        first, second = BUILTINS[name].make(7), BUILTINS[name].make(7)
        assert torch.equal(first.x, second.x) and torch.equal(first.y_val, second.y_val), name
