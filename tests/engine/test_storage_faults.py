"""A full disk or a read-only folder is one sentence naming the path and the reason, from
every command that writes, and leaves no partial output behind."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.engine.cli_helpers import run
from tests.engine.storage_faults import fail_writes, fill_disk, make_read_only
from tests.engine.training_helpers import classifier_project

FAULTS = {"full": (fill_disk, "no space left on the device holding"),
          "filling while written": (fail_writes, "no space left on the device holding"),
          "read-only": (make_read_only, "permission denied")}

MODEL = textwrap.dedent("""
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

        def forward(self, x):
            return self.body(x)
""")


@pytest.fixture
def trained(tmp_path, capsys):
    """A project with a finished run, in `project/`; the faulty folder is `out/`."""
    folder = tmp_path / "project"
    folder.mkdir()
    classifier_project(folder, epochs=1)
    project = folder / "tiny.ndproj"
    assert run(capsys, "train", str(project))[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    return project, out


def _commands(project: Path, out: Path, model: Path) -> dict[str, tuple[list[str], Path]]:
    """Each writing command with what it would write into `out`."""
    return {
        "train": (["train", str(project), "--out", str(out / "run")], out / "run"),
        "export python": (["export", str(project), "--format", "python", "-o",
                           str(out / "code")], out / "code"),
        "export onnx": (["export", str(project), "--format", "onnx", "-o",
                         str(out / "net.onnx")], out / "net.onnx"),
        "export torchscript": (["export", str(project), "--format", "torchscript", "-o",
                                str(out / "net.pt")], out / "net.pt"),
        "inspect": (["inspect", str(project), "--sample", "1", "--out", str(out / "look")],
                    out / "look"),
        "import": (["import", f"{model}:Net", "-o", str(out / "net.ndproj"),
                    "--input-shape", "4", "--weights-out", str(out / "net.safetensors")],
                   out / "net.ndproj"),
    }


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("command", ["train", "export python", "export onnx",
                                     "export torchscript", "inspect", "import"])
def test_every_writing_command_says_what_a_full_or_read_only_folder_stops(
        trained, tmp_path, capsys, monkeypatch, fault, command):
    project, out = trained
    model = tmp_path / "net.py"
    model.write_text(MODEL)
    arguments, target = _commands(project, out, model)[command]
    break_folder, words = FAULTS[fault]
    break_folder(monkeypatch, out)
    code, printed, err = run(capsys, *arguments)
    assert code == 1, (printed, err)
    assert words in err and str(out) in err, err
    assert "internal error" not in err and "Traceback" not in err
    assert sorted(out.iterdir()) == [], "nothing partial is left behind"
    assert not target.exists()


def test_a_disk_that_fills_during_training_keeps_the_last_checkpoint(
        tmp_path, capsys, monkeypatch):
    import engine.training.trainer as trainer_module

    classifier_project(tmp_path, epochs=3)
    project, out = tmp_path / "tiny.ndproj", tmp_path / "run"
    real_save = trainer_module.checkpoint.save
    saves = []

    def save_then_fill(*args, **kwargs):
        if saves:
            fill_disk(monkeypatch, out)
        saves.append(1)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(trainer_module.checkpoint, "save", save_then_fill)
    code, _, err = run(capsys, "train", str(project), "--out", str(out))
    assert code == 1
    assert f"no space left on the device holding {out}" in err
    assert "The run's last checkpoint is kept: resume it once there is room" in err
    monkeypatch.undo()
    code, _printed, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 0, err
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
