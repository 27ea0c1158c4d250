"""Loading the user's own data as a project names it, and the sentence a refusal says, for
the tests of each kind of data file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.catalogue import TensorInfo
from engine.data import DataError, Dataset, load_dataset

GREY_8x8 = TensorInfo((1, 8, 8))


def load(tmp_path: Path, entry: dict[str, Any], sample: TensorInfo | None = GREY_8x8
         ) -> Dataset:
    return load_dataset(entry, base_dir=tmp_path, sample=sample)


def refusal(tmp_path: Path, entry: dict[str, Any], sample: TensorInfo | None = GREY_8x8) -> str:
    with pytest.raises(DataError) as caught:
        load(tmp_path, entry, sample)
    return str(caught.value)
