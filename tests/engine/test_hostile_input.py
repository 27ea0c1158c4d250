"""Hostile input never ends in an internal error, a hang or an allocation the machine cannot
hold: every command answers with exit 0, or exit 1 and a sentence."""

from __future__ import annotations

import threading

import pytest

import engine.capacity
from tests.engine.cli_helpers import run
from tests.engine.hostile_files import MEMORY_FOR_TESTS, REFUSED, unscaled_targets

COMMANDS = {
    "validate": lambda path, out: ["validate", str(path)],
    "summary": lambda path, out: ["summary", str(path)],
    "train": lambda path, out: ["train", str(path), "--out", str(out / "run")],
    "export": lambda path, out: ["export", str(path), "--format", "python", "-o",
                                 str(out / "code")],
}
LOADS_DATA = {"train", "export"}


@pytest.fixture(autouse=True)
def small_machine(monkeypatch):
    monkeypatch.setattr(engine.capacity, "available_memory", lambda: MEMORY_FOR_TESTS)


def run_briefly(capsys, args: list[str], seconds: float = 60) -> tuple[int, str, str]:
    """The command's (exit status, out, err), failing rather than waiting on a hang."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run(capsys, *args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"netdesigner {' '.join(args)} still runs after {seconds:.0f} s"
    return result[0]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_input_gets_a_sentence_never_an_internal_error(capsys, tmp_path, case,
                                                               command):
    build, words = REFUSED[case]
    path = build(tmp_path)
    code, out, err = run_briefly(capsys, COMMANDS[command](path, tmp_path))
    assert code in (0, 1), err
    assert "internal error" not in err and "Traceback" not in err
    refused_here = (command in LOADS_DATA or case.startswith(("id ", "lone", "project"))
                    or (case.startswith(("Linear", "LSTM", "Conv2d", "Input"))
                        and command == "export"))
    if refused_here:
        said = (out + err).strip()
        assert code == 1
        assert words in said, said
        assert len(said.splitlines()) <= 3, "one sentence, not a dump"


def test_unscaled_regression_targets_train_with_a_warning(capsys, tmp_path):
    path = unscaled_targets(tmp_path)
    # on this thread: training installs a Ctrl+C handler, which only the main thread may
    code, _, err = run(capsys, "train", str(path), "--out", str(tmp_path / "r"))
    assert code in (0, 1) and "internal error" not in err
    assert "the targets to predict reach 1.8e+19" in err
    assert "scale them first" in err


def test_nothing_is_allocated_before_the_memory_check(monkeypatch, tmp_path):
    """The check comes first: the network is refused with its own numbers, not built."""
    import torch

    from engine.analysis import CompileError
    from engine.compiler import compile_graph
    from engine.project import load_project

    def refuse_to_build(*args, **kwargs):
        raise AssertionError("a layer was built")

    monkeypatch.setattr(torch.nn.Linear, "__init__", refuse_to_build)
    path = REFUSED["Linear of 1e9 outputs"][0](tmp_path)
    with pytest.raises(CompileError, match="too large for this machine"):
        compile_graph(load_project(path).graph)
