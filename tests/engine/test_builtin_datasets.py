"""The built-in datasets come from the digit images scikit-learn ships: nothing is
downloaded, and each says its shapes and classes."""

from __future__ import annotations

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
    images, labels = builtin._digit_images()
    tagged = images.copy()
    tagged[:, 0, 0] = np.arange(len(images)) / len(images)  # a tag identifying each source
    monkeypatch.setattr(builtin, "_digit_images", lambda: (tagged, labels))
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
