"""A class whose __init__ needs arguments imports with them (--init, the Import dialog's
Arguments): literals only, written as in a call; what cannot build the class is a
sentence naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.compiler import compile_graph
from engine.importing.loading import init_arguments
from engine.importing.problems import ImportProblem
from engine.project import load_project
from tests.engine.cli_helpers import run
from tests.engine.export_helpers import original_module

MODELS = Path(__file__).parent / "importing_models" / "constructor_models.py"


def test_a_class_built_with_its_arguments_imports_with_the_originals_outputs(tmp_path,
                                                                            capsys):
    torch.manual_seed(0)
    code, printed, err = run(capsys, "import", f"{MODELS}:CRNN", "-o",
                             str(tmp_path / "crnn.ndproj"), "--input-shape", "1,32,100",
                             "--init", "32, 1, 37, nh=32", "--weights-out",
                             str(tmp_path / "w.safetensors"))
    assert code == 0, err
    assert "the project ends with TimeFirst" in printed
    torch.manual_seed(0)
    module = original_module(MODELS, "CRNN", 32, 1, 37, nh=32).eval()
    network = compile_graph(load_project(tmp_path / "crnn.ndproj").graph).eval()
    network.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
    x = torch.randn(2, 1, 32, 100)
    with torch.no_grad():
        torch.testing.assert_close(network(x), module(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize(("init", "words"), [
    (None, "CRNN() failed: TypeError: CRNN.__init__() missing 4 required positional "
           "arguments"),
    ("30, 1, 37, 32", ":28: CRNN(30, 1, 37, 32) failed: AssertionError: imgH has to be a "
                      "multiple of 16"),
    ("32, 1, open('x')", "hold something that is not a number, text"),
    ("32, *sizes", "without * or **"),
    ("32,, 1", "are not written as in a call"),
])
def test_arguments_that_cannot_build_the_class_are_a_sentence(init, words, tmp_path, capsys):
    arguments = ["import", f"{MODELS}:CRNN", "-o", str(tmp_path / "crnn.ndproj"),
                 "--input-shape", "1,32,100"] + (["--init", init] if init else [])
    code, _, err = run(capsys, *arguments)
    assert code != 0 and words in err and "Traceback" not in err
    assert not (tmp_path / "crnn.ndproj").exists()


def test_arguments_are_literals_read_without_running_anything():
    assert init_arguments("32, 'a', (1, 2), [3], {'k': None}, flag=True") == (
        (32, "a", (1, 2), [3], {"k": None}), {"flag": True})
    assert init_arguments("  ") == ((), {})
    with pytest.raises(ImportProblem):
        init_arguments("__import__('os')")
