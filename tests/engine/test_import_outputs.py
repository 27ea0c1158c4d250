"""Import of what forward() returns beside its main output and of zero states made on the
input's device: each network imports with torch's parameter count and gives the original's
outputs, in its order, through the project and TorchScript."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import original_module

MODELS = Path(__file__).parent / "importing_models" / "returned_models.py"
CASES = [("LogitsAndFeatures", (12, 6)), ("FeaturesFirst", (4, 20)),
         ("ClipwiseDict", (1, 10, 12)), ("StatesOnTheInputsDevice", (9, 6)),
         ("GRUStateOfTheInputsType", (8, 5))]


def _as_list(out) -> list[torch.Tensor]:
    if isinstance(out, dict):
        return list(out.values())
    return list(out) if isinstance(out, tuple | list) else [out]


@pytest.mark.parametrize(("name", "shape"), CASES)
def test_every_returned_tensor_is_an_output_in_the_order_returned(name, shape, tmp_path,
                                                                  capsys):
    project, weights = tmp_path / "net.ndproj", tmp_path / "weights.safetensors"
    torch.manual_seed(0)
    code, _, err = run(capsys, "import", f"{MODELS}:{name}", "-o", str(project),
                       "--input-shape", ",".join(map(str, shape)), "--weights-out",
                       str(weights))
    assert code == 0, err
    original = original_module(MODELS, name)
    network = compile_graph(load_project(project).graph).eval()
    network.load_state_dict(load_file(str(weights)))
    assert sum(p.numel() for p in network.parameters()) == \
        sum(p.numel() for p in original.parameters())
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want, got = _as_list(original(x)), _as_list(network(x))
    assert [t.shape for t in got] == [t.shape for t in want]
    for ours, theirs in zip(got, want, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)

    scripted = tmp_path / "net.pt"
    code, _, err = run(capsys, "export", str(project), "--format", "torchscript", "-o",
                       str(scripted), "--weights", str(weights))
    assert code == 0, err
    with torch.no_grad():
        for ours, theirs in zip(_as_list(torch.jit.load(str(scripted))(x)), want,
                                strict=True):
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
