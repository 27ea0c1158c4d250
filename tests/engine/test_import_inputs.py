"""Tensors forward() takes beside its input (a 0/1 mask, a bool padding mask, an optional
mask, a second stream of features): each given a shape with another --input-shape becomes
an Input of its own, and the project, its model.py, TorchScript and ONNX compute what the
original does with it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.analysis import analyse
from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import assert_exports_compute, seeded_instance

MODELS = Path(__file__).parent / "importing_models" / "masked_models.py"


@dataclass(frozen=True)
class Case:
    name: str
    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name}-{len(self.shapes)}"

    def arguments(self) -> list[str]:
        found = []
        for shape in self.shapes:
            found += ["--input-shape", ",".join(map(str, shape))]
        for dtype in self.dtypes:
            found += ["--input-dtype", dtype]
        return found

    def batch(self, size: int = 3) -> tuple[torch.Tensor, ...]:
        generator = torch.Generator().manual_seed(5)
        made = []
        for shape, dtype in zip(self.shapes, self.dtypes, strict=True):
            if dtype == "int64":
                made.append(torch.randint(0, 20, (size, *shape), generator=generator))
            elif dtype == "bool":
                made.append(torch.rand((size, *shape), generator=generator) > 0.5)
            else:
                made.append(torch.rand((size, *shape), generator=generator).round()
                            if len(shape) == 1 and shape[0] in (10, 16) else
                            torch.randn((size, *shape), generator=generator))
        return tuple(made)


CASES = [
    Case("MaskedMeanTagger", ((10, 8), (10,)), ("float32", "float32")),
    Case("PaddedAttention", ((9,), (9,)), ("int64", "bool")),
    Case("OptionalMaskConv", ((6, 16), (16,)), ("float32", "float32")),
    Case("OptionalMaskConv", ((6, 16),), ("float32",)),
    Case("TwoStreams", ((7, 20), (40,)), ("float32", "float32")),
]


def _original(name: str) -> torch.nn.Module:
    return seeded_instance(MODELS, name, "masked_originals")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_given_tensor_becomes_an_input_and_every_form_computes_the_original(
        case, capsys, tmp_path) -> None:
    project_path, weights = tmp_path / "net.ndproj", tmp_path / "w.safetensors"
    torch.manual_seed(0)
    code, _, err = run(capsys, "import", f"{MODELS}:{case.name}", "-o", str(project_path),
                       "--weights-out", str(weights), *case.arguments())
    assert code == 0, err
    graph = load_project(project_path).graph
    analysis = analyse(graph)
    assert [graph.nodes[i].params.get("dtype", "float32") for i in analysis.inputs] == list(
        case.dtypes)
    original = _original(case.name)
    assert analysis.total_params == sum(p.numel() for p in original.parameters())
    x = case.batch()
    with torch.no_grad():
        want = original(*x)
        network = compile_graph(graph).eval()
        network.load_state_dict(load_file(str(weights)))
        torch.testing.assert_close(network(*x), want, rtol=0, atol=1e-5)

    assert_exports_compute(capsys, project_path, weights, x, want, tmp_path)


def test_a_tensor_forward_needs_but_is_not_given_is_named_with_how_to_give_it(capsys,
                                                                              tmp_path):
    code, _, err = run(capsys, "import", f"{MODELS}:MaskedMeanTagger", "-o",
                       str(tmp_path / "n.ndproj"), "--input-shape", "10,8")
    assert code != 0
    assert "mask" in err and "--input-shape" in err and "Traceback" not in err
    assert not (tmp_path / "n.ndproj").exists()


def test_more_dtypes_than_shapes_is_a_sentence(capsys, tmp_path):
    code, _, err = run(capsys, "import", f"{MODELS}:TwoStreams", "-o",
                       str(tmp_path / "n.ndproj"), "--input-shape", "7,20", "--input-dtype",
                       "float32", "--input-dtype", "float32")
    assert code != 0 and "2 input dtypes for 1 input shapes" in err
