"""`netdesigner profile`: the time of each node's forward and backward pass, measured by
torch.profiler on random data, next to its MACs. No test asserts on how long anything takes:
they check that every node is measured and every backward function is accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from engine.analysis import analyse
from engine.compiler import compile_graph
from engine.export.prepare import example_inputs
from engine.profiling import BACKWARD_PREFIX, node_times, profile_network
from engine.project import load_project
from tests.engine.cli_helpers import run

ROOT = Path(__file__).parents[2]
CRNN = ROOT / "projects" / "crnn_digit_strings.ndproj"
DIGITS = ROOT / "projects" / "digits_cnn.ndproj"


def _analysed(path: Path):
    project = load_project(path)
    return project, analyse(project.graph, project.training)


def test_every_node_but_the_input_is_timed_forward_and_backward():
    project, analysis = _analysed(CRNN)
    result = profile_network(project.graph, analysis, batch=2, repeats=2)
    assert list(result.nodes) == [n for n in analysis.order if n != "strip"]
    assert result.batch == 2 and result.repeats == 2 and result.device == "cpu"
    for node_id in ("conv1", "conv3", "blstm1", "blstm2", "classes"):
        assert result.nodes[node_id].forward > 0
        assert result.nodes[node_id].backward > 0, node_id
    assert result.step > 0 and result.measured > 0


def test_each_backward_function_is_put_down_to_the_node_that_made_it():
    project, analysis = _analysed(CRNN)
    network = compile_graph(project.graph, analysis, labelled=True).train()
    inputs = example_inputs(analysis, 2)
    network(*inputs).sum().backward()
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(2):
            network.zero_grad(set_to_none=True)
            network(*inputs).sum().backward()
    events = profiler.events()
    times = node_times(events, repeats=2)
    backward = [e for e in events if e.name.startswith(BACKWARD_PREFIX)
                and not e.name.endswith("SumBackward0")]  # the loss: no node's
    per_step = sum(e.cpu_time_total for e in backward) / 2 * 1e-6
    # medians of two repeats are their means
    assert abs(sum(t.backward for t in times.values()) - per_step) < 1e-9 + 1e-6 * per_step
    assert times["blstm2"].backward > 0 and times["conv1"].backward > 0


def test_the_labelled_network_computes_what_the_plain_one_does():
    project, analysis = _analysed(DIGITS)
    torch.manual_seed(0)
    plain = compile_graph(project.graph, analysis).eval()
    labelled = compile_graph(project.graph, analysis, labelled=True).eval()
    labelled.load_state_dict(plain.state_dict())
    inputs = example_inputs(analysis, 3)
    assert torch.equal(plain(*inputs), labelled(*inputs))
    assert "record_function('node:conv1')" in labelled.code
    assert "record_function" not in plain.code


def test_the_command_prints_a_row_per_node_with_its_macs(capfd):
    # capfd, not capsys: kineto writes to the process's stderr, not to sys.stderr
    code, out, err = run(capfd, "profile", str(DIGITS), "--batch", "4", "--repeats", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Digits CNN: batch 4, median of 2 steps on the CPU"
    assert lines[1].split() == ["node", "type", "MACs/batch", "forward", "ms", "backward",
                                "ms", "total", "ms", "share"]
    assert any(line.split()[:3] == ["conv2", "Conv2d", "4.7"] for line in lines)
    assert lines[-1].startswith("layers: ") and "a whole step" in lines[-1]
    assert "USDT" not in err  # kineto's start and stop lines are kept out


def test_the_json_gives_seconds_per_node(capsys):
    code, out, _ = run(capsys, "profile", str(DIGITS), "--batch", "3", "--repeats", "1",
                       "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"name", "batch", "repeats", "device", "step_seconds", "nodes"}
    assert data["batch"] == 3 and data["repeats"] == 1
    conv2 = next(n for n in data["nodes"] if n["id"] == "conv2")
    assert set(conv2) == {"id", "type", "macs", "forward_seconds", "backward_seconds"}
    assert conv2["macs"] == 3 * 1_183_744


def test_a_bad_batch_or_a_broken_file_is_refused_in_a_sentence(capsys, tmp_path):
    assert run(capsys, "profile", str(DIGITS), "--batch", "0")[0] == 2
    broken = tmp_path / "broken.ndproj"
    broken.write_text("{ not json")
    code, _, err = run(capsys, "profile", str(broken))
    assert code == 1 and "Traceback" not in err and str(broken) in err


def test_a_device_that_is_not_here_is_a_sentence(tmp_path, capsys):
    import pytest
    import torch

    from engine.cli import main
    from engine.project import save_project
    from tests.engine.training_helpers import classifier_project

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    save_project(classifier_project(tmp_path), tmp_path / "net.ndproj")
    assert main(["profile", str(tmp_path / "net.ndproj"), "--device", "cuda"]) == 1
    err = capsys.readouterr().err
    assert "device 'cuda' is not available here; available: auto, cpu" in err
    assert "Traceback" not in err
