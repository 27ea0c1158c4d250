"""Helpers for the export tests: a Python that can import torch and numpy and nothing else
of this environment, and the example projects exported once per test session."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"cnn": "digits_cnn", "rnn": "digit_rows_lstm", "crnn": "crnn_digit_strings",
            "gesture": "gesture_crnn"}


def _with_requirements(names: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions `names` and everything they need to import."""
    found: dict[str, importlib.metadata.Distribution] = {}
    waiting = list(names)
    while waiting:
        name = re.sub(r"[-_.]+", "-", waiting.pop()).lower()
        if name in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:  # a requirement for another platform
            continue
        found[name] = distribution
        for requirement in distribution.requires or []:
            if "extra ==" not in requirement:
                waiting.append(re.match(r"[A-Za-z0-9._-]+", requirement).group())
    return list(found.values())


def only_torch_and_numpy(folder: Path, also: tuple[str, ...] = ()) -> Path:
    """A folder of links to torch, numpy (and the distributions `also` names) and their
    own requirements: with `python -S` (no site-packages) and PYTHONPATH set to it,
    nothing else of this environment (netdesigner, safetensors, scikit-learn) can be
    imported."""
    folder.mkdir(parents=True, exist_ok=True)
    for distribution in _with_requirements(["torch", "numpy", *also]):
        tops = {Path(str(file)).parts[0] for file in distribution.files or []}
        for top in tops:
            if top in ("..", "__pycache__"):  # metadata stays: pyfaidx reads its version
                continue
            source = Path(str(distribution.locate_file(top)))
            if source.exists() and not (folder / top).exists():
                (folder / top).symlink_to(source)
    return folder


def bare_environment(packages: Path) -> dict[str, str]:
    """The environment for a bare Python: one thread, nothing on the path but `packages`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(packages), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    return env


BARE_PYTHON = [sys.executable, "-S", "-s"]
"""-S: no site module, so no site-packages and no .pth files (the editable install of
netdesigner is one); -s: no user site-packages either."""


def run_bare(arguments: list[str], cwd: Path, packages: Path,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BARE_PYTHON, *arguments], cwd=cwd, env=bare_environment(packages),
                          capture_output=True, text=True, timeout=timeout)


def model_module(folder: Path, name: str = "model"):
    """model.py of an exported folder, imported under a name of its own."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"exported_{folder.name}_{name}",
                                                  folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def network_class(exported) -> type:
    """The network class of an imported model.py: defined last, after its blocks' classes."""
    import torch

    classes = [v for v in vars(exported).values() if isinstance(v, type)
               and issubclass(v, torch.nn.Module) and v.__module__ == exported.__name__]
    return classes[-1]


def seeded_instance(path: Path, class_name: str, module_name: str):
    """`class_name()` of the Python file at `path`, built after torch.manual_seed(0) (the
    weights `netdesigner import` gets when seeded so), in evaluation mode."""
    import importlib.util

    import torch

    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    return getattr(module, class_name)().eval()


def assert_exports_compute(capsys, project: Path, weights: Path, inputs: tuple, want,
                           folder: Path) -> None:
    """The project exported as model.py (with its weights.safetensors), TorchScript and
    ONNX (in onnxruntime, when installed) gives `want` on `inputs`, within 1e-5."""
    import pytest
    import torch
    from safetensors.torch import load_file

    from tests.engine.cli_helpers import run

    code_folder = folder / "code"
    code, _, err = run(capsys, "export", str(project), "--format", "python", "-o",
                       str(code_folder), "--weights", str(weights))
    assert code == 0, err
    model = network_class(model_module(code_folder))().eval()
    model.load_state_dict(load_file(str(code_folder / "weights.safetensors")))
    with torch.no_grad():
        torch.testing.assert_close(model(*inputs), want, rtol=0, atol=1e-5)
    scripted = folder / "net.pt"
    code, _, err = run(capsys, "export", str(project), "--format", "torchscript", "-o",
                       str(scripted), "--weights", str(weights))
    assert code == 0, err
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.load(str(scripted))(*inputs), want, rtol=0,
                                   atol=1e-5)
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    onnx_path = folder / "net.onnx"
    code, _, err = run(capsys, "export", str(project), "--format", "onnx", "-o",
                       str(onnx_path), "--weights", str(weights))
    assert code == 0, err
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feeds = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs, strict=True)}
    (ours,) = session.run(None, feeds)
    torch.testing.assert_close(torch.from_numpy(ours), want, rtol=0, atol=1e-5)


def project_with_a_run(folder: Path, example: str, seed: int = 1234) -> Path:
    """A copy of an example project in `folder`, with a finished run whose weights differ
    from the initial ones everywhere, BatchNorm's running statistics included (as trained
    weights do)."""
    import shutil

    import torch

    from engine.compiler import compile_graph
    from engine.project import load_project
    from engine.training.checkpoint import save_weights

    path = folder / f"{example}.ndproj"
    shutil.copyfile(ROOT / "projects" / f"{example}.ndproj", path)
    project = load_project(path)
    torch.manual_seed(seed)
    network = compile_graph(project.graph, name=project.name)
    with torch.no_grad():
        for name, tensor in network.state_dict().items():
            if name.endswith("running_var"):
                tensor.uniform_(0.5, 2.0)
            elif name.endswith("running_mean"):
                tensor.normal_(0.0, 0.3)
    run = folder / f"{example}.runs" / "20260101-120000"
    run.mkdir(parents=True)
    save_weights(network, run / "weights.safetensors")
    (run / "metrics.json").write_text('{"history": []}')
    return path


def original_module(path: Path, name: str, *args, **kwargs):
    """`name(*args, **kwargs)` of the Python file at `path`, made as the import command
    makes it (seed 0, so with the weights the command's instance gets), in evaluation
    mode."""
    import importlib.util

    import torch

    spec = importlib.util.spec_from_file_location(f"originals_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    return getattr(module, name)(*args, **kwargs).eval()


def exported_code(capsys, imported, folder: Path) -> str:
    """An imported network saved as a project with its weights, exported as model.py
    (`folder/code`, the weights beside it): the text of model.py."""
    from engine.project import save_project
    from tests.engine.cli_helpers import run

    path = folder / "imported.ndproj"
    save_project(imported.project, path)
    imported.save_weights(folder / "weights.safetensors")
    code, _, err = run(capsys, "export", str(path), "--format", "python", "-o",
                       str(folder / "code"), "--weights", str(folder / "weights.safetensors"))
    assert code == 0, err
    return (folder / "code" / "model.py").read_text()
