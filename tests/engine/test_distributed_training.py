"""`netdesigner train --nproc N`: DistributedDataParallel on CPU processes with gloo. The
ranks end with the same weights, rank 0 alone reports and writes, the figures are those
of the whole data, refusals are said once and Ctrl+C stops every process cleanly."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from safetensors.torch import load_file

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "projects" / "digits_cnn.ndproj"

pytestmark = pytest.mark.skipif(
    not dist.is_available() or not dist.is_gloo_available() or (os.cpu_count() or 1) < 2,
    reason="needs torch.distributed with gloo and two CPU cores")


def train(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", "train", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=worker_environment())


def worker_environment() -> dict[str, str]:
    # one thread per process: the test machine's cores are shared
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 over sorted names and raw tensor bytes, as metrics.json documents it."""
    sha = hashlib.sha256()
    for name in sorted(state):
        sha.update(name.encode())
        sha.update(state[name].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def test_two_processes_end_with_identical_weights_and_the_loss_falls(tmp_path):
    started = time.perf_counter()
    result = train(str(DIGITS), "--nproc", "2", "--epochs", "3", "--device", "cpu",
                   "--out", str(tmp_path / "run"))
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # rank 0 alone prints: each epoch once, one result line
    assert [line.split()[:2] for line in lines if line.startswith("epoch")] == [
        ["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]
    assert sum(line.startswith("completed 3 epochs") for line in lines) == 1
    assert "cpu × 2 processes (DistributedDataParallel over gloo, batch_size 32 per " \
           "process)" in result.stdout
    assert "Traceback" not in result.stderr

    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    shared = metrics["distributed"]
    assert (shared["world_size"], shared["backend"], shared["global_batch_size"]) == (
        2, "gloo", 64)
    weights = load_file(str(tmp_path / "run" / "weights.safetensors"))
    # rank 1 hashed its own weights; they are byte for byte what rank 0 saved
    assert shared["weights_sha256"] == [digest(weights)] * 2 and shared["ranks_agree"]

    history = metrics["history"]
    print(f"2 processes, 3 epochs: train_loss {history[0]['train_loss']:.4f} -> "
          f"{history[-1]['train_loss']:.4f}, {seconds:.1f} s")
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 2
    assert history[-1]["val_accuracy"] > 0.9

    # the keys of a single-process run (no DDP 'module.' prefix), and validation figures
    # that one process finds again on the whole validation set
    from engine.project import load_project
    from engine.training import build_trainer, plan_run

    single = build_trainer(plan_run(load_project(DIGITS), epochs=3), "cpu")
    assert set(weights) == set(single.model.state_dict())
    single.model.load_state_dict(weights)
    again = single._evaluate()
    assert again["val_loss"] == pytest.approx(history[-1]["val_loss"], rel=1e-5)
    assert again["val_accuracy"] == history[-1]["val_accuracy"]


def test_impossible_process_counts_and_devices_are_refused_before_launching(capsys):
    with pytest.raises(SystemExit) as usage:
        main(["train", str(DIGITS), "--nproc", "0"])
    assert usage.value.code == 2
    assert "--nproc: must be at least 1" in capsys.readouterr().err

    assert main(["train", str(DIGITS), "--nproc", "100000", "--device", "cpu"]) == 1
    assert "cannot train: 100000 processes would share" in capsys.readouterr().err
    assert main(["train", str(DIGITS), "--nproc", "2", "--device", "mps"]) == 1
    assert "distributed training runs on the CPU or on CUDA" in capsys.readouterr().err
    assert main(["train", str(DIGITS), "--nproc", "2", "--device", "cuda:1"]) == 1
    assert "use --device cuda, not cuda:1" in capsys.readouterr().err


def test_a_project_that_cannot_train_says_why_once_not_once_per_process(
        tmp_path, capfd, monkeypatch):
    text = DIGITS.read_text().replace('"shape": [1, 8, 8]', '"shape": [1, 8, 9]')
    (tmp_path / "wrong.ndproj").write_text(text)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.chdir(ROOT)  # the workers run `python -m engine` from here
    inherited = signal.getsignal(signal.SIGINT)  # SIG_IGN under nohup, Python's otherwise
    assert main(["train", str(tmp_path / "wrong.ndproj"), "--nproc", "2", "--device",
                 "cpu"]) == 1
    err = capfd.readouterr().err  # the workers' output too: they share this process's fds
    assert err.count("cannot train: digits gives samples of shape [1, 8, 8] but the Input "
                     "'image' expects [1, 8, 9]") == 1, err
    assert "Traceback" not in err and "ChildFailedError" not in err
    # the launcher's agent leaves no signal handler behind: Ctrl+C does what it did before
    assert signal.getsignal(signal.SIGINT) == inherited


def test_ctrl_c_stops_every_process_together_and_rank_0_saves(tmp_path):
    run = tmp_path / "run"
    launcher = subprocess.Popen(
        [sys.executable, "-m", "engine", "train", str(DIGITS), "--nproc", "2", "--epochs",
         "200", "--device", "cpu", "--out", str(run)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=worker_environment())
    try:
        for line in launcher.stdout:
            if line.startswith("epoch 2/200"):
                break
        launcher.send_signal(signal.SIGINT)
        out, err = launcher.communicate(timeout=60)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 130, err
    assert "Traceback" not in err and "stopped" in out
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["result"]["reason"] == "stopped"
    assert metrics["distributed"]["ranks_agree"]
    assert len(metrics["history"]) < 200
