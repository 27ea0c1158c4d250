"""Datasets: the built-ins (from scikit-learn's digit images) and the user's own files."""

from engine.data.builtin import BUILTINS
from engine.data.dataset import PAD, DataError, Dataset, split_validation
from engine.data.loading import load_dataset

__all__ = ["BUILTINS", "PAD", "DataError", "Dataset", "load_dataset", "split_validation"]
