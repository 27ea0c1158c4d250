"""`netdesigner validate` and `netdesigner summary`, as DESIGN.md specifies them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.cli_helpers import run

ROOT = Path(__file__).parents[2]
CRNN = ROOT / "projects" / "crnn_digit_strings.ndproj"


def write(tmp_path: Path, nodes: list, edges: list) -> str:
    path = tmp_path / "net.ndproj"
    path.write_text(json.dumps({"format": "netdesigner.project", "version": 1, "name": "net",
                                "graph": {"nodes": nodes, "edges": edges}}))
    return str(path)


def test_validate_exits_0_for_a_valid_project(capsys):
    code, out, _ = run(capsys, "validate", str(CRNN))
    assert code == 0
    assert out.strip().endswith("valid: 18 layers, 491,531 parameters")


def test_validate_exits_1_with_one_line_per_problem_naming_the_node(capsys, tmp_path):
    path = write(tmp_path, [
        {"id": "input", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "lstm", "type": "LSTM"},
        {"id": "fc", "type": "Linear", "params": {"out_features": -1}},
    ], [{"source": "input", "target": "lstm"}, {"source": "input", "target": "fc"}])
    code, out, _ = run(capsys, "validate", path)
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: error: node 'lstm' (LSTM): expects a sequence")
    assert lines[1].startswith(f"{path}: error: node 'fc' (Linear): out_features must be")


def test_validate_refuses_a_broken_file_with_exit_1_and_no_traceback(capsys, tmp_path):
    path = tmp_path / "broken.ndproj"
    path.write_text('{"format": "netdesigner.project", "version": 1, "graph": {"nodes": [')
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1 and out == ""
    assert err.strip() == (f"{path}: this is not a valid project file: it is not JSON (it "
                           "ends too early: the file looks truncated)")


def test_usage_errors_exit_2(capsys):
    assert run(capsys)[0] == 2
    assert run(capsys, "validate")[0] == 2
    assert run(capsys, "frobnicate", "x")[0] == 2


def test_summary_lists_shapes_and_parameters_per_layer(capsys):
    code, out, _ = run(capsys, "summary", str(CRNN))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Digit strings CRNN"
    assert lines[1].split() == ["node", "type", "output", "shape", "params", "MACs",
                                "output/sample"]
    assert any(line.split()[:2] == ["columns", "ToSequence"] and "[32, 128]" in line
               for line in lines)
    assert "total parameters: 491,531 (trainable: 491,531)" in lines
    assert lines[-1] == "output: log_probs [32, 11]"


def test_summary_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, "summary", str(CRNN), "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"name", "total_params", "trainable_params", "nodes", "outputs",
                         "total_macs", "train_step_bytes", "blocks"}
    assert data["blocks"] == []
    assert data["outputs"] == {"log_probs": [32, 11]}
    assert data["nodes"][0] == {"id": "strip", "type": "Input", "output_shape": [1, 8, 64],
                                "params": 0, "macs": 0, "activation_bytes": 4 * 8 * 64,
                                "receptive_field": None, "sequence_length": None,
                                "block": None}
    assert sum(n["params"] for n in data["nodes"]) == data["total_params"] == 491_531
    assert {tuple(n) for n in data["nodes"]} == {(
        "id", "type", "output_shape", "params", "macs", "activation_bytes",
        "receptive_field", "sequence_length", "block")}


def test_summary_of_an_invalid_project_lists_its_problems(capsys, tmp_path):
    path = write(tmp_path, [{"id": "input", "type": "Input"}, {"id": "x", "type": "Nope"}],
                 [{"source": "input", "target": "x"}])
    code, _, err = run(capsys, "summary", path, "--json")
    assert code == 1
    assert "node 'x' (Nope): unknown layer type 'Nope'" in err


@pytest.mark.parametrize("command", ["validate", "summary"])
def test_a_missing_file_is_a_clean_error(capsys, tmp_path, command):
    code, _, err = run(capsys, command, str(tmp_path / "missing.ndproj"))
    assert code == 1 and err.strip().endswith("missing.ndproj: no such file")
