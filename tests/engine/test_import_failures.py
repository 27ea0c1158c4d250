"""What importing refuses, and how: every unsupported op with its line, untraceable code,
files and classes that cannot be loaded, and nothing written in any of these cases."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.importing import ImportProblem, import_module
from engine.importing.api import import_network
from tests.engine.cli_helpers import run

MODELS = Path(__file__).parent / "importing_models"
UNSUPPORTED = MODELS / "unsupported.py"


def problem_lines(path: Path | str, class_name: str, shape=(8,)) -> list[str]:
    with pytest.raises(ImportProblem) as raised:
        import_module(path, class_name, shape)
    return raised.value.lines


def write(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_unsupported_op_is_listed_with_its_line_and_nothing_is_written(capsys,
                                                                           tmp_path):
    out = tmp_path / "net.ndproj"
    out.write_text("the old file")

    code, printed, err = run(capsys, "import", f"{UNSUPPORTED}:SortsAndScales", "-o",
                             str(out), "--input-shape", "8")

    assert code == 1 and printed == ""
    assert err.splitlines() == [
        f"{UNSUPPORTED}:17: torch.sort is not in the catalogue",
        f"{UNSUPPORTED}:19: torch.cumprod is not in the catalogue",
        f"{UNSUPPORTED}: nothing imported (2 problems)",
    ]
    assert out.read_text() == "the old file"
    assert list(tmp_path.iterdir()) == [out]


def test_forms_of_supported_ops_that_leave_the_catalogue_say_what_it_takes():
    lines = problem_lines(UNSUPPORTED, "TimeFirstLSTM", (5, 8))

    assert lines[0].startswith(f"{UNSUPPORTED}:53: nn.LSTM (self.lstm) reads [time, batch, "
                               "features] (batch_first=False) but is given the batch first; "
                               "transpose its input with .transpose(0, 1)")
    assert lines[1] == (f"{UNSUPPORTED}:54: torch.flatten flattens the batch dimension into "
                        "the features; start at dim 1, as torch.flatten(x, 1)")
    assert len(lines) == 3


@pytest.mark.parametrize("line", ["return x[:, :3]", "return x + 1", "return x.data * 2",
                                  "return torch.chunk(x, 2, dim=1)[1]",
                                  "return F.softmax(x)"])  # torch's implicit dim, as torch
@pytest.mark.filterwarnings("ignore:Implicit dimension choice for softmax")
def test_an_op_no_layer_stands_for_imports_as_an_operation(tmp_path, line):
    model = write(tmp_path, f"""\
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                {line}
        """)
    imported = import_network(model, "Net", (8,))
    types = [node.type for node in imported.project.graph.nodes.values()]
    assert types[0] == "Input" and set(types[1:]) == {"Operation"}


@pytest.mark.parametrize("line, message", [
    ("return x.view(2, -1)", "Tensor.view fixes the batch size to 2"),
    ("return x.reshape(-1, 2)", "Tensor.reshape mixes the samples of the batch"),
    ("return x.permute(1, 0).sum(1)", "Tensor.sum reduces the batch dimension (dim 0)"),
    ("return torch.cat([x, x])", "torch.cat joins along the batch dimension (dim 0)"),
    ("return -x", "unary - (negation) is not in the catalogue (only as -pool(-x)"),
    ("return x.mean()", "Tensor.mean is in the catalogue only over one dimension, as "
                        "x.mean(1) over time (Mean), or the mean over all positions of each "
                        "channel"),
    ("return (x + self.bias) * (x.flip(1) + self.bias)",
     "+ (addition) uses the learnt tensor self.bias again; a project holds a learnt "
     "tensor in one operation"),
])
def test_a_lone_op_outside_the_catalogue_is_explained(tmp_path, line, message):
    model = write(tmp_path, f"""\
        import torch
        import torch.nn.functional as F
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.bias = nn.Parameter(torch.zeros(4))

            def forward(self, x):
                {line}
        """)

    lines = problem_lines(model, "Net", (4,))

    assert lines[0].startswith(f"{model}:12: {message}"), lines[0]


def test_an_untraceable_module_names_the_line_and_the_reason(capsys, tmp_path):
    out = tmp_path / "net.ndproj"

    code, _, err = run(capsys, "import", f"{UNSUPPORTED}:BranchesOnValues", "-o", str(out),
                       "--input-shape", "8")

    assert code == 1
    assert err.startswith(f"{UNSUPPORTED}:30: BranchesOnValues branches on the values of a "
                          "tensor (if, while or bool() on them, or .item()); importing follows "
                          "forward() on an example input of shape [8] (float32)")
    assert "cannot depend on the values of tensors" in err
    assert not out.exists()


def test_a_missing_class_is_named_with_the_classes_the_file_has():
    assert problem_lines(UNSUPPORTED, "Missing") == [
        f"{UNSUPPORTED}: there is no class Missing; it defines SortsAndScales, "
        "BranchesOnValues, NeedsArguments, TimeFirstLSTM"]
    assert problem_lines(UNSUPPORTED, "NeedArguments") == [
        f"{UNSUPPORTED}: there is no class NeedArguments; did you mean NeedsArguments?"]
    assert problem_lines(UNSUPPORTED, "NotAModule") == [
        f"{UNSUPPORTED}: NotAModule is not a torch.nn.Module class"]


def test_a_class_that_needs_arguments_is_refused_with_the_reason():
    (line,) = problem_lines(UNSUPPORTED, "NeedsArguments")

    assert line.startswith(f"{UNSUPPORTED}: NeedsArguments() failed: TypeError: ")
    assert "'width'" in line and line.endswith("give every argument of __init__ a default")


def test_a_missing_file_bad_syntax_or_a_failing_file_is_refused(tmp_path):
    broken = write(tmp_path, "import torch\ndef oops(:\n    pass\n", "broken.py")
    failing = write(tmp_path, "import torch\n\nSIZE = 1 / 0\n", "failing.py")

    assert problem_lines(tmp_path / "nope.py", "Net") == [f"{tmp_path / 'nope.py'}: no such "
                                                          "file"]
    assert problem_lines(broken, "Net") == [f"{broken}:2: invalid syntax (the file is not "
                                            "valid Python)"]
    assert problem_lines(failing, "Net") == [f"{failing}:3: running the file failed: "
                                             "ZeroDivisionError: division by zero"]


def test_the_input_shape_comes_from_the_file_or_the_command_line(capsys, tmp_path):
    model = write(tmp_path, """\
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)

            def forward(self, x):
                return self.fc(x)
        """)
    out = tmp_path / "net.ndproj"

    code, _, err = run(capsys, "import", f"{model}:Net", "-o", str(out))
    assert code == 1
    assert err.strip() == (f"{model}: the input shape is unknown: give the shape of one "
                           "sample without the batch, as --input-shape 1,28,28, or write "
                           "INPUT_SHAPE = (1, 28, 28) in the file")

    code, _, err = run(capsys, "import", f"{model}:Net", "-o", str(out), "--input-shape", "3")
    assert code == 1
    assert err.startswith(f"{model}:10: Net fails on an example input of shape [3] "
                          "(float32): RuntimeError: ")

    code, printed, _ = run(capsys, "import", f"{model}:Net", "-o", str(out), "--input-shape",
                           "8")
    assert code == 0
    assert printed == f"{out}: Net imported as 2 layers, 18 parameters\n"


def test_usage_errors_exit_2(capsys, tmp_path):
    assert run(capsys, "import", str(UNSUPPORTED), "-o", str(tmp_path / "a.ndproj"))[0] == 2
    code, _, err = run(capsys, "import", f"{UNSUPPORTED}:Net", "-o", "a.ndproj",
                       "--input-shape", "1,a")
    assert code == 2 and "'1,a' is not a shape" in err


def test_a_module_that_leaves_submodules_unused_imports_with_a_note(capsys, tmp_path):
    model = write(tmp_path, """\
        from torch import nn

        INPUT_SHAPE = (8,)


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)
                self.spare = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)
        """)
    out = tmp_path / "net.ndproj"

    code, printed, _ = run(capsys, "import", f"{model}:Net", "-o", str(out))

    assert code == 0
    assert printed.splitlines()[1] == ("note: Net holds 90 parameters but forward() uses 18: "
                                       "submodules it never calls are left out")


def test_a_second_tensor_without_a_shape_and_layer_outputs_returned_are_named(tmp_path):
    model = write(tmp_path, """\
        from torch import nn


        class Pair(nn.Module):
            def forward(self, a, b):
                return a + b


        class State(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(4, 3, batch_first=True)

            def forward(self, x):
                return self.gru(x)
        """)

    assert problem_lines(model, "Pair") == [
        f"{model}: Pair.forward takes 2 tensors (a, b); give the shape of each input after "
        "the first (b) with another --input-shape, in forward()'s order"]
    assert problem_lines(model, "State", (5, 4))[0] == (
        f"{model}: forward() returns the (output, state) tuple of nn.GRU (self.gru); a "
        "project's GRU gives its output sequence alone: out, _ = ..., return out")


def test_an_example_of_the_wrong_dtype_is_named_as_the_dtype_and_input_dtype_fixes_it(
        tmp_path, capsys):
    model = write(tmp_path, """\
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.pre = nn.Identity()  # the Embedding is not first: float is guessed
                self.emb = nn.Embedding(50, 8)
                self.fc = nn.Linear(8, 3)

            def forward(self, x):
                return self.fc(self.emb(self.pre(x)))
        """)
    out = tmp_path / "tagger.ndproj"
    code, _, err = run(capsys, "import", f"{model}:Tagger", "-o", str(out),
                       "--input-shape", "7")
    assert code == 1
    assert "The example's dtype is what fails: import with the input dtype int64 " \
        "(--input-dtype int64" in err
    assert "Give the input shape" not in err
    code, printed, err = run(capsys, "import", f"{model}:Tagger", "-o", str(out),
                             "--input-shape", "7", "--input-dtype", "int64")
    assert code == 0, err
    assert "imported as" in printed
