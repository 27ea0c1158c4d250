"""Data made in a worker process: the same datasets as in this process, errors as
DataError, a load that can be cancelled, and a worker that dies is said and replaced."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from engine.data import DataError, builtin, load_dataset
from engine.data.worker import DataWorker, LoadCancelled


@pytest.fixture(scope="module")
def worker():
    """One worker for these tests (each new one starts Python and imports torch)."""
    made = DataWorker("tests.engine.worker_helpers:add_failing_builtins")
    yield made
    made.close()


def test_a_builtin_loads_as_it_does_in_this_process(worker):
    here = load_dataset({"name": "digits"})
    there = worker.load({"name": "digits"})
    assert torch.equal(here.x, there.x) and torch.equal(here.y, there.y)
    assert (there.name, there.kind, there.classes) == (here.name, here.kind, here.classes)


def test_a_users_file_loads_relative_to_the_project(worker, tmp_path):
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    np.savez(tmp_path / "data.npz", x=x, y=np.arange(20) % 2)
    data = worker.load({"path": "data.npz"}, tmp_path)
    assert torch.equal(data.x, torch.from_numpy(x))


def test_a_data_error_in_the_worker_is_a_data_error_here(worker):
    with pytest.raises(DataError, match="no built-in dataset 'digitz'"):
        worker.load({"name": "digitz"})
    assert len(worker.load({"name": "digits"}).x) == 1797  # and the worker serves on


def test_a_worker_that_dies_is_said_and_replaced(worker):
    with pytest.raises(DataError, match="killed by SIGKILL"):
        worker.load({"name": "killed"})
    assert not worker.alive
    assert len(worker.load({"name": "digits"}).x) == 1797


def test_a_cancelled_load_ends_at_once(worker):
    worker.start()
    asked = time.monotonic()
    with pytest.raises(LoadCancelled):
        worker.load({"name": "slow"}, cancelled=lambda: time.monotonic() - asked > 0.5)
    assert time.monotonic() - asked < 10
    assert len(worker.load({"name": "digits"}).x) == 1797


def test_the_digits_table_read_directly_is_scikit_learns():
    from sklearn.datasets import load_digits

    digits = load_digits()
    images, labels = builtin.digit_images()
    assert np.array_equal(images, (digits.images / 16.0).astype(np.float32))
    assert np.array_equal(labels, digits.target)
