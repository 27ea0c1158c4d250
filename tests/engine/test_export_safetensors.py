"""The safetensors reader and writer that the exported train.py carries (so that it needs
no package beyond torch and numpy) against the safetensors package, both ways."""

from __future__ import annotations

import torch
from safetensors.torch import load_file, save_file

from engine.export.templates.safetensors_io import (
    SAFETENSORS_DTYPES,
    load_safetensors,
    save_safetensors,
)
from engine.export.train_script import train_source
from engine.project import load_project
from engine.training.run import plan_run
from tests.engine.export_helpers import ROOT


def _tensors() -> dict[str, torch.Tensor]:
    """Every dtype, in names that do not sort like the dtypes, with a scalar (BatchNorm's
    num_batches_tracked), an empty tensor and a name beyond ASCII."""
    generator = torch.Generator().manual_seed(0)
    tensors = {}
    for index, dtype in enumerate(SAFETENSORS_DTYPES.values()):
        values = torch.randint(0, 100, (2, 3), generator=generator)
        tensors[f"layer{len(SAFETENSORS_DTYPES) - index}.weight"] = values.to(dtype)
    tensors["bn.num_batches_tracked"] = torch.tensor(7)
    tensors["empty"] = torch.zeros(0, 4)
    tensors["größe"] = torch.randn(5, generator=generator)
    return tensors


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and torch.equal(a[k], b[k])
        for k in a)


def test_files_are_byte_for_byte_those_of_safetensors(tmp_path):
    tensors = _tensors()
    save_safetensors(tensors, tmp_path / "ours.safetensors")
    save_file(tensors, str(tmp_path / "theirs.safetensors"))
    assert (tmp_path / "ours.safetensors").read_bytes() == \
        (tmp_path / "theirs.safetensors").read_bytes()


def test_safetensors_reads_ours_and_we_read_theirs(tmp_path):
    tensors = _tensors()
    save_safetensors(tensors, tmp_path / "ours.safetensors")
    assert _same(load_file(str(tmp_path / "ours.safetensors")), tensors)
    save_file(tensors, str(tmp_path / "theirs.safetensors"), metadata={"format": "pt"})
    assert _same(load_safetensors(tmp_path / "theirs.safetensors"), tensors)


def test_writing_replaces_the_file_whole(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_safetensors({"a": torch.ones(3)}, path)
    save_safetensors({"b": torch.zeros(2)}, path)
    assert set(load_file(str(path))) == {"b"}
    assert [p.name for p in tmp_path.iterdir()] == ["weights.safetensors"]


def test_train_py_carries_the_same_functions(tmp_path):
    """What the tests above check is what train.py runs: its safetensors code is the
    template's, copied verbatim."""
    plan = plan_run(load_project(ROOT / "projects" / "digits_cnn.ndproj"))
    namespace: dict = {}
    source = train_source(plan, "DigitsCNN")
    start = source.index("SAFETENSORS_DTYPES = {")
    end = source.index("\n\n\n", source.index("def load_safetensors"))
    exec("import json, os, struct\nfrom pathlib import Path\nimport torch\n"
         + source[start:end], namespace)
    weights = _tensors()
    namespace["save_safetensors"](weights, tmp_path / "w.safetensors")
    save_file(weights, str(tmp_path / "theirs.safetensors"))
    assert (tmp_path / "w.safetensors").read_bytes() == \
        (tmp_path / "theirs.safetensors").read_bytes()
