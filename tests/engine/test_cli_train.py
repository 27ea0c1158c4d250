"""`netdesigner train`: progress, weights.safetensors, metrics.json, curves and a one-line
result; refusals end with exit 1 and a message."""

from __future__ import annotations

import json
import subprocess
import sys

from safetensors.torch import load_file

from engine.cli import main
from tests.engine.training_helpers import classifier_project


def test_train_writes_weights_metrics_and_curves(tmp_path, capsys):
    classifier_project(tmp_path, epochs=3)
    code = main(["train", str(tmp_path / "tiny.ndproj"), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in out if line.startswith("epoch")] == [
        ["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]
    assert out[-1].startswith("completed 3 epochs. val_loss ")
    assert "val_accuracy" in out[-1] and str(tmp_path / "out") in out[-1]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["history"]] == [1, 2, 3]
    assert {"epoch", "train_loss", "val_loss", "val_accuracy"} <= set(metrics["history"][0])
    assert metrics["result"]["reason"] == "completed"
    weights = load_file(str(tmp_path / "out" / "weights.safetensors"))
    assert set(weights) == {"n1.weight", "n1.bias", "n4.weight", "n4.bias"}
    assert (tmp_path / "out" / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_train_can_override_epochs_and_resume(tmp_path, capsys):
    classifier_project(tmp_path, epochs=5)
    path, out = str(tmp_path / "tiny.ndproj"), str(tmp_path / "out")
    assert main(["train", path, "--out", out, "--epochs", "1"]) == 0
    assert main(["train", path, "--out", out, "--epochs", "2", "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "resuming at epoch 2" in printed
    history = json.loads((tmp_path / "out" / "metrics.json").read_text())["history"]
    assert [row["epoch"] for row in history] == [1, 2]


def test_a_mismatched_dataset_ends_with_exit_1_and_a_message(tmp_path, capsys):
    project = classifier_project(tmp_path)
    project.graph.nodes["n0"].params["shape"] = [5]
    from engine.project import save_project

    save_project(project, tmp_path / "tiny.ndproj")
    code = main(["train", str(tmp_path / "tiny.ndproj")])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot train: blobs.npz gives samples of shape [4] but the Input 'n0' expects " \
           "[5]" in err


def test_train_prints_plain_lines_without_a_terminal(tmp_path):
    classifier_project(tmp_path, epochs=2)
    result = subprocess.run([sys.executable, "-m", "engine", "train",
                             str(tmp_path / "tiny.ndproj"), "--device", "cpu"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout and "Traceback" not in result.stderr
    (run,) = (tmp_path / "tiny.runs").iterdir()  # where the designer lists runs
    assert (run / "weights.safetensors").exists() and (run / "metrics.json").exists()


def test_on_a_terminal_progress_is_a_live_bar_with_eta():
    import io

    from engine.training.events import BatchEnded, EpochEnded, RunStarted
    from engine.training.progress import ProgressPrinter

    stream = io.StringIO()
    printer = ProgressPrinter(stream, live=True)
    printer(RunStarted(2, 1, 4, 100, 20, "cpu", 1234))
    for batch in range(1, 5):
        printer(BatchEnded(1, batch, 4, 0.5, 1000.0, 0.01))
    printer(EpochEnded(1, 2, {"train_loss": 0.5, "val_loss": 0.4, "seconds": 1.0}))
    text = stream.getvalue()
    assert "\repoch 1 [########################] 4/4  loss 0.5000  1,000 samples/s  ETA " in text
    assert "\r\033[Kepoch 1/2  train_loss 0.5  val_loss 0.4  (1.0 s)\n" in text


def test_a_run_of_the_command_line_is_found_by_export_and_resumed_in_place(tmp_path, capsys):
    classifier_project(tmp_path, epochs=1)
    path = str(tmp_path / "tiny.ndproj")
    assert main(["train", path]) == 0
    (run,) = (tmp_path / "tiny.runs").iterdir()
    assert main(["export", path, "--format", "python", "-o", str(tmp_path / "code")]) == 0
    assert (tmp_path / "code" / "weights.safetensors").read_bytes() == (
        run / "weights.safetensors").read_bytes()
    assert main(["train", path, "--epochs", "2", "--resume"]) == 0
    assert [p.name for p in (tmp_path / "tiny.runs").iterdir()] == [run.name]
    capsys.readouterr()
