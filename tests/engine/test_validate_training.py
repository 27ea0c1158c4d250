"""`validate` checks the training settings `train` will use, and the limits the canvas and
the trainer rely on are problems of the file, found when it is read."""

from __future__ import annotations

import json

import pytest

from engine.graph import Edge, Graph, Node
from engine.project import Project, save_project
from tests.engine.cli_helpers import run
from tests.engine.training_helpers import classifier_project


@pytest.mark.parametrize(("training", "words"), [
    ({"optimizer": {"type": "Adam", "betas": 5}},
     "training: optimizer Adam: betas 5 is not accepted ('int' object is not subscriptable)"),
    ({"optimizer": {"type": "SGD", "lr": -1}}, "optimizer SGD: lr -1 is not accepted"),
    ({"batch_size": 10**30}, "\"batch_size\" must be a whole number from 1 to 1,048,576"),
    ({"scheduler": {"type": "StepLR", "step_size": "often"}},
     "scheduler StepLR: step_size must be a number"),
])
def test_validate_refuses_the_training_settings_train_would_refuse(tmp_path, capsys,
                                                                    training, words):
    classifier_project(tmp_path, **training)
    code, printed, _ = run(capsys, "validate", str(tmp_path / "tiny.ndproj"))
    assert code == 1
    assert words in printed
    code, _, err = run(capsys, "train", str(tmp_path / "tiny.ndproj"))
    assert code == 1 and "internal error" not in err


def test_valid_training_settings_stay_valid(tmp_path, capsys):
    classifier_project(tmp_path, scheduler={"type": "OneCycleLR"})
    code, printed, _ = run(capsys, "validate", str(tmp_path / "tiny.ndproj"))
    assert code == 0 and "valid: 5 layers" in printed


def test_settings_nested_deeper_than_any_setting_are_refused_when_the_file_is_read(
        tmp_path, capsys):
    classifier_project(tmp_path)
    path = tmp_path / "tiny.ndproj"
    data = json.loads(path.read_text())
    deep = data["training"]["dataset"]
    for _ in range(900):
        deep["x"] = {}
        deep = deep["x"]
    path.write_text(json.dumps(data))
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1
    assert "\"training\" is nested 902 levels deep; training settings go at most 16" in err


def test_a_merge_port_far_beyond_its_inputs_is_a_problem(tmp_path, capsys):
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("cat", "Concat", {"dim": 1}))
    graph.add_edge(Edge("x", "cat", 0))
    graph.add_edge(Edge("x", "cat", 10_000_000))
    save_project(Project("ports", graph, None), tmp_path / "ports.ndproj")
    code, printed, _ = run(capsys, "validate", str(tmp_path / "ports.ndproj"))
    assert code == 1
    assert ("takes its 2 inputs on ports 0 to 1 in order, but 'x' on port 10000000; connect "
            "it again") in printed
