"""Project files, format 1: read exactly as DESIGN.md writes them, saved atomically, and every
broken file refused with a sentence, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.graph import Edge, Node
from engine.project import (
    Project,
    ProjectError,
    dumps_project,
    load_project,
    parse_project,
    save_project,
)

ROOT = Path(__file__).parents[2]
DESIGN_EXAMPLE = """{
  "format": "netdesigner.project",
  "version": 1,
  "name": "LeNet-5",
  "graph": {
    "nodes": [
      {"id": "input", "type": "Input", "params": {"shape": [1, 32, 32]}, "position": [0, 0]},
      {"id": "c1", "type": "Conv2d", "params": {"out_channels": 6, "kernel_size": 5},
       "position": [0, 120]},
      {"id": "add", "type": "Add", "params": {}}
    ],
    "edges": [
      {"source": "input", "target": "c1"},
      {"source": "c1", "target": "add", "target_port": 0}
    ]
  },
  "training": {
    "dataset": {"name": "digits"},
    "loss": "CrossEntropyLoss",
    "optimizer": {"type": "Adam", "lr": 0.001},
    "batch_size": 64, "epochs": 10, "validation_split": 0.2, "seed": 0
  }
}"""


def problems(text: str) -> list[str]:
    with pytest.raises(ProjectError) as caught:
        parse_project(text)
    return caught.value.problems


def test_the_design_documents_example_reads_as_written():
    project = parse_project(DESIGN_EXAMPLE)
    assert project.name == "LeNet-5"
    assert list(project.graph.nodes) == ["input", "c1", "add"]
    assert project.graph.nodes["c1"] == Node("c1", "Conv2d",
                                             {"out_channels": 6, "kernel_size": 5}, (0, 120))
    assert project.graph.nodes["add"].position is None
    assert project.graph.edges == [Edge("input", "c1"), Edge("c1", "add", 0)]
    assert project.training["optimizer"] == {"type": "Adam", "lr": 0.001}


def test_save_then_load_gives_an_equal_project(tmp_path):
    project = parse_project(DESIGN_EXAMPLE)
    save_project(project, tmp_path / "lenet.ndproj")
    again = load_project(tmp_path / "lenet.ndproj")
    assert again == project
    assert again.path == tmp_path / "lenet.ndproj"
    assert dumps_project(again) == dumps_project(project)


def test_saved_files_hold_only_parameters_that_differ_from_the_defaults(tmp_path):
    project = parse_project(DESIGN_EXAMPLE)
    project.graph.nodes["c1"].params.update({"stride": 1, "bias": True, "padding": 2})
    save_project(project, tmp_path / "p.ndproj")
    data = json.loads((tmp_path / "p.ndproj").read_text())
    assert data["graph"]["nodes"][1]["params"] == {"out_channels": 6, "kernel_size": 5,
                                                   "padding": 2}
    assert data["format"] == "netdesigner.project" and data["version"] == 2


def test_saved_files_put_one_node_per_line_for_small_diffs(tmp_path):
    text = dumps_project(parse_project(DESIGN_EXAMPLE))
    assert '      {"id": "c1", "type": "Conv2d", "params": {"out_channels": 6, ' \
           '"kernel_size": 5}, "position": [0, 120]},' in text.splitlines()


def test_the_example_projects_round_trip_unchanged():
    for path in (ROOT / "projects").glob("*.ndproj"):
        assert dumps_project(load_project(path)) == path.read_text(encoding="utf-8")


def test_a_crash_while_saving_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "work.ndproj"
    save_project(parse_project(DESIGN_EXAMPLE), target)
    before = target.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    changed = parse_project(DESIGN_EXAMPLE)
    changed.name = "Changed"
    with pytest.raises(OSError):
        save_project(changed, target)
    assert target.read_bytes() == before
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "it is not JSON (it ends too early: the file looks truncated)"),
    (DESIGN_EXAMPLE[:200], "it ends too early: the file looks truncated"),
    ("<html></html>", "it is not JSON (line 1, column 1"),
    ('{"format": "netdesigner.project", "version": NaN}', "it is not JSON"),
    ("[1, 2]", "this is not a Netdesigner project"),
    ('{"format": "keras", "version": 1}', "its \"format\" is 'keras'"),
    ('{"format": "netdesigner.project", "version": 7, "graph": {}}',
     "saved by a newer Netdesigner (file format version 7); this version reads up to "
     "version 3"),
    ('{"format": "netdesigner.project", "version": "1", "graph": {}}',
     "the project's \"version\" is '1'"),
    ('{"format": "netdesigner.project", "version": 1}', "\"graph\" is missing"),
    ('{"format": "netdesigner.project", "version": 1, "graph": {"nodes": {}}}',
     "\"graph.nodes\" must be a list of nodes"),
])
def test_files_that_are_not_projects_get_one_clear_sentence(text, expected):
    found = problems(text)
    assert len(found) == 1 and expected in found[0]


def test_every_broken_node_and_edge_is_listed_by_name():
    text = json.dumps({"format": "netdesigner.project", "version": 1, "graph": {
        "nodes": [{"id": "a", "type": "Input", "params": {"shape": [3]}},
                  {"id": "a", "type": "ReLU"},
                  {"type": "ReLU"},
                  {"id": "b", "type": "ReLU", "parmas": {}},
                  {"id": "c", "type": "ReLU", "params": [1]},
                  {"id": "d", "type": "ReLU", "position": [0]},
                  {"id": "e"}],
        "edges": [{"source": "a", "target": "b", "target_port": -1}, {"from": "a"}, 3]}})
    assert problems(text) == [
        "node 'a': the id is used by two nodes; ids must be unique",
        "node 3 has no \"id\" (a non-empty name)",
        "node 'b': unknown key(s) 'parmas'; a node has id, params, position, type",
        "node 'c': \"params\" must be an object of parameter values",
        "node 'd': \"position\" must be [x, y], two numbers",
        "node 'e' has no \"type\" (a layer name such as \"Conv2d\")",
        "edge a → b: \"target_port\" must be a whole number ≥ 0",
        "edge 2 needs \"source\" and \"target\" node ids",
        "edge 3 is not an object with \"source\" and \"target\"",
    ]


def test_missing_unreadable_and_binary_files_are_refused(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "nope.ndproj")
    with pytest.raises(ProjectError, match="this is a folder"):
        load_project(tmp_path)
    (tmp_path / "image.ndproj").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ProjectError, match="not UTF-8 text"):
        load_project(tmp_path / "image.ndproj")


def test_a_project_without_a_name_takes_the_file_name(tmp_path):
    path = tmp_path / "my net.ndproj"
    path.write_text('{"format": "netdesigner.project", "version": 1, "graph": {}}')
    project = load_project(path)
    assert project.name == "my net" and project.graph.nodes == {}
    assert project == Project("my net")


def test_loading_never_executes_code_from_the_file(tmp_path):
    marker = tmp_path / "pwned"
    text = DESIGN_EXAMPLE.replace('"LeNet-5"', json.dumps(
        f"__import__('pathlib').Path({str(marker)!r}).touch()"))
    project = parse_project(text)
    from engine.analysis import analyse
    from engine.compiler import compile_graph

    analyse(project.graph)
    project.graph.nodes["c1"].params["out_channels"] = "__import__('os').system('x')"
    analyse(project.graph)
    with pytest.raises(Exception, match="out_channels must be an integer"):
        compile_graph(project.graph)
    assert not marker.exists()


def test_saved_files_get_the_permissions_of_any_new_file(tmp_path):
    previous = os.umask(0o022)
    try:
        save_project(parse_project(DESIGN_EXAMPLE), tmp_path / "shared.ndproj")
    finally:
        os.umask(previous)
    assert (tmp_path / "shared.ndproj").stat().st_mode & 0o777 == 0o644
