"""Round trips: a project written as PyTorch code and imported again is the same network,
with the same node ids, types, output shapes and parameter counts (`summary --json`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

from engine.analysis import analyse
from engine.cli.summary import summary_data
from engine.compiler import compile_graph
from engine.importing import project_from_module
from engine.project import Project, load_project, save_project
from tests.engine.cli_helpers import run

ROOT = Path(__file__).parents[2]
MODELS = Path(__file__).parent / "importing_models"
EXAMPLES = sorted((ROOT / "projects").glob("*.ndproj"))
# together they hold every layer kind of the catalogue; AlexNet is left out because its
# example run alone takes seconds
ARCHITECTURES = [p for p in sorted((ROOT / "tests" / "engine" / "architectures").glob(
    "*.ndproj")) if p.stem != "alexnet"]


def network_summary(summary: dict) -> dict:
    """A summary without what depends on the training settings (which import does not
    bring): the network alone."""
    return {k: v for k, v in summary.items() if k != "train_step_bytes"}


def summary_json(capsys, path: Path) -> dict:
    code, out, err = run(capsys, "summary", "--json", str(path))
    assert code == 0, err
    return network_summary(json.loads(out))


def input_of(project: Project) -> tuple[tuple[int, ...], str]:
    (node,) = [n for n in project.graph.nodes.values() if n.type == "Input"]
    return tuple(node.params["shape"]), node.params.get("dtype", "float32")


def example_batch(shape: tuple[int, ...], dtype: str) -> torch.Tensor:
    if dtype == "int64":
        return torch.randint(0, 5, (3, *shape))
    return torch.randn(3, *shape, generator=torch.Generator().manual_seed(1))


def assert_same_outputs(a, b) -> None:
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y)


@pytest.mark.parametrize("path", EXAMPLES + ARCHITECTURES, ids=lambda p: p.stem)
def test_a_compiled_project_imports_back_as_the_same_network(path):
    project = load_project(path)
    network = compile_graph(project.graph, name=project.name).eval()
    shape, dtype = input_of(project)

    imported = project_from_module(network, shape, dtype, name=project.name)

    assert network_summary(summary_data(imported.project, analyse(
        imported.project.graph))) == network_summary(summary_data(project,
                                                                  analyse(project.graph)))
    # the same function too: the rebuilt network with the module's weights computes what
    # the module computes
    rebuilt = compile_graph(imported.project.graph).eval()
    rebuilt.load_state_dict(imported.state_dict())
    x = example_batch(shape, dtype)
    with torch.no_grad():
        assert_same_outputs(rebuilt(x), network(x))


def test_the_hand_written_model_py_of_the_cnn_example_imports_to_its_summary(capsys,
                                                                            tmp_path):
    original = ROOT / "projects" / "digits_cnn.ndproj"
    out = tmp_path / "imported.ndproj"

    code, printed, err = run(capsys, "import", f"{MODELS / 'digits_cnn_model.py'}:DigitsCNN",
                             "-o", str(out), "--name", "Digits CNN")

    assert code == 0, err
    assert printed.startswith(f"{out}: DigitsCNN imported as 13 layers, 151,498 parameters")
    assert summary_json(capsys, out) == summary_json(capsys, original)
    assert load_project(out).graph == load_project(original).graph  # positions included


def _export_model_py(capsys, project: Path, folder: Path) -> tuple[Path, str]:
    """model.py as `netdesigner export --format python` writes it, and its class."""
    code, _, err = run(capsys, "export", str(project), "--format", "python", "-o", str(folder))
    assert code == 0, err
    model = folder / "model.py"
    (class_name,) = re.findall(r"^class (\w+)\(nn\.Module\):", model.read_text("utf-8"),
                               re.MULTILINE)
    return model, class_name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_exported_model_py_imports_back_and_again_the_same(path, capsys, tmp_path):
    project = load_project(path)
    # without training settings export writes no data set: only the network matters here
    project.training = None
    untrained = tmp_path / path.name
    save_project(project, untrained)
    model, class_name = _export_model_py(capsys, untrained, tmp_path / "first")
    imported = tmp_path / "imported.ndproj"

    code, _, err = run(capsys, "import", f"{model}:{class_name}", "-o", str(imported),
                       "--name", project.name)

    assert code == 0, err
    assert summary_json(capsys, imported) == summary_json(capsys, path)
    # import → export → import is stable
    again_model, again_class = _export_model_py(capsys, imported, tmp_path / "second")
    again = tmp_path / "again.ndproj"
    assert run(capsys, "import", f"{again_model}:{again_class}", "-o", str(again), "--name",
               project.name)[0] == 0
    assert again.read_text(encoding="utf-8") == imported.read_text(encoding="utf-8")
