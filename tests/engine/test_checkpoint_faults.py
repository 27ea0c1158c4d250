"""A checkpoint is one unit: a process killed at any write point resumes to the weights an
uninterrupted run reaches; damaged files are named as damaged, never used."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from engine.training.checkpoint import MANIFEST, read_manifest
from tests.engine.cli_helpers import run
from tests.engine.training_helpers import classifier_project

ROOT = Path(__file__).resolve().parents[2]

KILLER = textwrap.dedent("""
    import os, signal, sys
    from engine.cli import main
    from engine.training import checkpoint

    target, remaining = sys.argv[1], int(sys.argv[2])

    def kill_at(name):
        global remaining
        if name == target:
            remaining -= 1
            if remaining == 0:
                os.kill(os.getpid(), signal.SIGKILL)

    checkpoint.write_point = kill_at
    sys.exit(main(sys.argv[3:]))
""")


def _train(project: Path, out: Path, *more: str, kill: tuple[str, int] | None = None):
    target, count = kill or ("never", 0)
    return subprocess.run([sys.executable, "-c", KILLER, target, str(count), "train",
                           str(project), "--out", str(out), *more],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole")
    classifier_project(folder, epochs=3)
    project = folder / "tiny.ndproj"
    done = _train(project, folder / "run")
    assert done.returncode == 0, done.stderr
    return project, load_file(str(folder / "run" / "weights.safetensors"))


# (write point, how many times it is passed before the kill) -> the epoch resumed from
KILLS = {
    "epoch 2's weights written, not its state": ("checkpoint-2.safetensors", 1, 1),
    "epoch 2's state written, not its manifest": ("checkpoint-2-state.pt", 1, 1),
    "epoch 2's manifest written, old files not removed": ("checkpoint.json", 2, 2),
    "all epochs done, results half written": ("weights.safetensors", 1, 3),
}


@pytest.mark.parametrize("case", list(KILLS))
def test_a_run_killed_at_any_write_point_resumes_to_the_same_weights(case, whole_run,
                                                                      tmp_path):
    project, expected = whole_run
    point, passes, resumed_from = KILLS[case]
    out = tmp_path / "run"
    killed = _train(project, out, kill=(point, passes))
    assert killed.returncode == -9
    assert read_manifest(out)["epoch"] == resumed_from
    assert not (out / "metrics.json").exists()
    resumed = _train(project, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    weights = load_file(str(out / "weights.safetensors"))
    for key, value in expected.items():
        torch.testing.assert_close(weights[key], value, rtol=0, atol=1e-6)
    names = {path.name for path in out.iterdir()}
    assert not [name for name in names if name.endswith((".tmp", ".stage"))]
    assert {"checkpoint-3.safetensors", "checkpoint-3-state.pt", MANIFEST} <= names
    assert "checkpoint-2.safetensors" not in names


def test_a_flipped_byte_in_trained_weights_is_named_everywhere(tmp_path, capsys):
    classifier_project(tmp_path, epochs=1)
    project = tmp_path / "tiny.ndproj"
    assert run(capsys, "train", str(project))[0] == 0
    weights = next((tmp_path / "tiny.runs").iterdir()) / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0x10
    weights.write_bytes(bytes(data))
    for command in (["export", str(project), "--format", "onnx", "-o",
                     str(tmp_path / "net.onnx")],
                    ["inspect", str(project), "--sample", "0", "--out",
                     str(tmp_path / "look")]):
        code, out, err = run(capsys, *command)
        assert code == 1, out
        assert "is damaged: its values do not match the checksum" in err
        assert "internal error" not in err
    assert not (tmp_path / "net.onnx").exists() and not (tmp_path / "look").exists()


def test_a_damaged_header_or_checkpoint_is_named_and_not_used(tmp_path, capsys):
    classifier_project(tmp_path, epochs=2)
    project, out = tmp_path / "tiny.ndproj", tmp_path / "run"
    assert run(capsys, "train", str(project), "--out", str(out), "--epochs", "1")[0] == 0
    state = out / read_manifest(out)["state"]
    data = bytearray(state.read_bytes())
    data[len(data) // 2] ^= 0xFF
    state.write_bytes(bytes(data))
    code, _, err = run(capsys, "train", str(project), "--out", str(out), "--resume")
    assert code == 1 and "is damaged" in err and "does not match its checksum" in err
    (out / "weights.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken")
    code, _, err = run(capsys, "export", str(project), "--format", "torchscript", "-o",
                       str(tmp_path / "net.pt"), "--weights", str(out / "weights.safetensors"))
    assert code == 1 and "is damaged or is not a weights file" in err


def test_export_points_at_a_newer_run_killed_while_saving_its_results(tmp_path, capsys):
    classifier_project(tmp_path, epochs=2)
    project = tmp_path / "tiny.ndproj"
    killed = _train(project, tmp_path / "tiny.runs" / "20260101-120000",
                    kill=("weights.safetensors", 1))
    assert killed.returncode == -9
    code, printed, _ = run(capsys, "export", str(project), "--format", "onnx", "-o",
                           str(tmp_path / "net.onnx"))
    assert code == 0
    assert ("untrained: the project has no finished run with weights; the newer run "
            "20260101-120000 was interrupted after epoch 2 of 2: finish it with netdesigner "
            "train FILE --resume") in printed
