"""Importing recurrent and CRNN code as it is written in public repositories (the styles of
importing_models/real_style.py and its neighbours): learnt and fixed tensors of the module's
own, modules called in several places (ConvLSTMs), nn.MultiheadAttention, zero states made
in forward() or by init_hidden, states
returned beside the output, time-major layers, frames folded into the batch by view(),
asserts and loops on shapes, cells stepped by hand, packed full-length sequences,
reductions over time, 3-D convolutions, channel dropout, pixel shuffling; and models
written as public repositories write them (SELDnet, DeepConvLSTM, deep-text-recognition's
CRNN, DeepSpeech's Hardtanh, DeepSEA's Threshold, a bidirectional LSTM's final states,
TC-ResNet, Kim's sentence CNN, locuslab's weight-normalised TCN, ...).

Each imports through the command line with its weights (--weights-out), holds the
original's parameters, and the compiled project, its exported model.py and TorchScript
(and for a few, ONNX) give the original's outputs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.compiler import compile_graph
from engine.project import load_project
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import model_module, network_class, original_module

MODELS = Path(__file__).parent / "importing_models"
REAL_STYLE = MODELS / "real_style.py"
PUBLIC = MODELS / "public_repositories.py"
HELD = MODELS / "held_tensor_models.py"
SHARED = MODELS / "shared_weight_models.py"
ATTENTION = MODELS / "attention_models.py"
TORCH_MODULES = MODELS / "torch_module_models.py"


@dataclass(frozen=True)
class Case:
    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"
    time_first: bool = False
    """The original returns [time, batch, ...]: the project gives it batch first."""
    notes: tuple[str, ...] = ()
    batch_size: int = 3
    """What the original runs on (a state kept for one batch size fixes it)."""
    source: Path = REAL_STYLE

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("TutorialLSTM", (28, 28)),
    Case("CharRNN", (20,), "int64", notes=("also returns the final state of nn.LSTM",)),
    Case("GRUNoneState", (15, 12)),
    Case("TimeMajorActivity", (50, 9)),
    Case("MeanOverTime", (30, 20)),
    Case("PackedTagger", (12, 16)),
    Case("CellLoop", (7, 10)),
    Case("VariableState", (9, 8)),
    Case("EmbeddedTimeMajor", (12,), "int64"),
    Case("StateOnTheModule", (6, 10), batch_size=2),
    Case("ColumnPooledRecogniser", (1, 8, 40)),
    Case("TextRecogniser", (1, 16, 100), time_first=True,
         notes=("with time first", "the project ends with TimeFirst")),
    Case("DanQTimeMajor", (4, 100)),
    Case("VideoCNNLSTM", (6, 3, 16, 16)),
    Case("GestureNet", (8, 1, 14, 14)),
    Case("C3DSmall", (3, 8, 32, 32)),
    Case("SpeechCRNN", (1, 32, 50)),
    Case("SensorCRNN", (6, 64)),
    Case("SuperResolution", (1, 16, 16)),
    Case("SumPooledText", (40,), "int64"),
    Case("SELDnet", (4, 20, 16), source=PUBLIC),
    Case("DeepConvLSTM", (9, 40), source=PUBLIC),
    Case("DeepTextCRNN", (1, 32, 40), source=PUBLIC),
    Case("DeepSpeechLike", (1, 32, 40), source=PUBLIC),
    Case("DeepSEA", (4, 100), source=PUBLIC),
    Case("AttentionBiLSTM", (20,), "int64", source=PUBLIC),
    Case("TCResNet", (1, 20, 40), source=PUBLIC),
    Case("LeNetFunctional", (1, 28, 28), source=PUBLIC),
    Case("ConvLSTMVideo", (6, 3, 16, 16), source=PUBLIC),
    Case("LeakyPReLUNet", (4, 30), source=PUBLIC),
    Case("SentimentRNN", (15,), "int64", source=PUBLIC),
    Case("KimCNN", (12,), "int64", source=PUBLIC),
    Case("GRUDevice", (10, 6), source=PUBLIC),
    Case("TCN", (1, 50), source=PUBLIC),
    Case("ParametrizedWN", (3, 20), source=PUBLIC),
    Case("PReLUSpeech", (1, 400), source=PUBLIC),
    Case("AttBLSTM", (12,), "int64", source=HELD),
    Case("LearntPosition", (10, 6), source=HELD),
    Case("SinusoidalCRNN", (8, 20), source=HELD),
    Case("ScaledResidual", (3, 8, 8), source=HELD),
    Case("MelNormalised", (20, 30), source=HELD),
    Case("TutorialNameRNN", (57,), source=HELD),
    Case("ClassToken", (7, 4), source=HELD),
    Case("ImageNormalised", (3, 12, 12), source=HELD),
    Case("GatedTemporalAttention", (10, 20), source=HELD),
    Case("StepByStepCell", (6, 5), source=HELD),
    Case("ConvLSTMClassifier", (4, 3, 8, 8), source=SHARED),
    Case("HandRNN", (7, 6), source=SHARED),
    Case("SharedFrameEncoder", (5, 1, 10, 10), source=SHARED),
    Case("TinyConvLSTM", (3, 1, 6, 6), source=SHARED),
    Case("MHAOverLSTM", (10, 8), source=ATTENTION),
    Case("SeldMhsa", (2, 10, 16), source=ATTENTION),
    Case("TimeMajorAttention", (9, 6), source=ATTENTION),
    Case("CrossAttention", (5, 12), source=ATTENTION),
    Case("STNNet", (1, 28, 28), source=TORCH_MODULES),
    Case("DcaseCRNN", (1, 12, 16), source=TORCH_MODULES),
    Case("AttRNNKws", (1, 15, 20), source=TORCH_MODULES),
    Case("InceptionTime", (3, 30), source=TORCH_MODULES),
    Case("UpsampleSED", (4, 16), source=TORCH_MODULES),
    Case("InstanceNormNet", (1, 8, 8), source=TORCH_MODULES),
    Case("TransformerSED", (7, 10), source=TORCH_MODULES),
    Case("Conv2dTranspose", (1, 8, 8), source=TORCH_MODULES),
]


def original(case: Case) -> torch.nn.Module:
    return original_module(case.source, case.name)


def batch(case: Case, size: int | None = None) -> torch.Tensor:
    size = min(size or case.batch_size, case.batch_size)
    generator = torch.Generator().manual_seed(1)
    if case.dtype == "int64":
        return torch.randint(0, 20, (size, *case.shape), generator=generator)
    return torch.randn((size, *case.shape), generator=generator)


def forward(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The original's output (its first, where it returns the state too)."""
    with torch.no_grad():
        if hasattr(module, "initHidden"):  # the tutorials' state of one sample
            out = module(x, module.initHidden().expand(len(x), -1))
        elif "hidden" in inspect.signature(module.forward).parameters:
            out = module(x, module.init_hidden(len(x)))
        else:
            out = module(x)
    return out[0] if isinstance(out, tuple) else out


def first(out: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The first output, where the code returns its state beside it (the tutorial's RNN)."""
    return out[0] if isinstance(out, tuple) else out


def expected(case: Case, module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The original's output, time-first ones as they are: the project ends with TimeFirst
    and hands them on so."""
    out = forward(module, x)
    if case.time_first:
        assert out.shape[1] == x.shape[0]  # [time, batch, ...]
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[Path, Path, str]]:
    """Each case imported once: (project, weights, what the command printed)."""
    made = {}
    for case in CASES:
        folder = tmp_path_factory.mktemp(case.name)
        project, weights = folder / "net.ndproj", folder / "weights.safetensors"
        torch.manual_seed(0)  # the weights the command's instance gets: original()'s
        arguments = ["import", f"{case.source}:{case.name}", "-o", str(project),
                     "--input-shape", ",".join(map(str, case.shape)), "--weights-out",
                     str(weights)]
        made[case.name] = (project, weights, arguments)
    return made


@pytest.mark.parametrize("case", CASES, ids=str)
def test_real_style_code_imports_with_the_originals_weights_and_outputs(case, imported,
                                                                        capsys):
    project_path, weights, arguments = imported[case.name]
    torch.manual_seed(0)
    code, printed, err = run(capsys, *arguments)
    assert code == 0, err
    for note in case.notes:
        assert note in printed
    module = original(case)
    project = load_project(project_path)
    network = compile_graph(project.graph).eval()
    state = load_file(str(weights))
    network.load_state_dict(state)
    assert sum(p.numel() for p in network.parameters()) == sum(
        p.numel() for p in module.parameters())
    x = batch(case)
    with torch.no_grad():
        got = first(network(x))
    want = expected(case, module, x)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_imported_network_exports_to_code_and_torchscript_with_the_same_outputs(
        case, imported, capsys, tmp_path):
    project_path, weights, arguments = imported[case.name]
    torch.manual_seed(0)
    assert run(capsys, *arguments)[0] == 0
    module = original(case)
    x = batch(case, 2)
    want = expected(case, module, x)

    folder = tmp_path / "code"
    code, _, err = run(capsys, "export", str(project_path), "--format", "python", "-o",
                       str(folder), "--weights", str(weights))
    assert code == 0, err
    exported = model_module(folder)
    network = network_class(exported)().eval()
    network.load_state_dict(load_file(str(weights)))
    with torch.no_grad():
        torch.testing.assert_close(first(network(x)), want, rtol=0, atol=1e-5)

    scripted = tmp_path / "net.pt"
    code, _, err = run(capsys, "export", str(project_path), "--format", "torchscript", "-o",
                       str(scripted), "--weights", str(weights))
    assert code == 0, err
    with torch.no_grad():
        torch.testing.assert_close(first(torch.jit.load(str(scripted))(x)), want, rtol=0,
                                   atol=1e-5)


@pytest.mark.parametrize("name", ["TextRecogniser", "VideoCNNLSTM", "CellLoop", "C3DSmall",
                                  "DeepSpeechLike", "SentimentRNN", "DeepSEA", "TCN",
                                  "AttBLSTM", "ClassToken", "MelNormalised",
                                  "ConvLSTMClassifier", "HandRNN", "SeldMhsa",
                                  "CrossAttention", "STNNet", "TransformerSED",
                                  "Conv2dTranspose"])
def test_imported_time_major_folded_cell_and_3d_networks_run_in_onnxruntime(
        name, imported, capsys, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    case = next(c for c in CASES if c.name == name)
    project_path, weights, arguments = imported[name]
    torch.manual_seed(0)
    assert run(capsys, *arguments)[0] == 0
    onnx_path = tmp_path / "net.onnx"
    code, _, err = run(capsys, "export", str(project_path), "--format", "onnx", "-o",
                       str(onnx_path), "--weights", str(weights))
    assert code == 0, err
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    x = batch(case, 2)
    (ours,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    torch.testing.assert_close(torch.from_numpy(ours), expected(case, original(case), x),
                               rtol=0, atol=1e-5)
