"""The designer when the machine misbehaves: a killed run is listed as interrupted and
resumed from the Runs list, a save into a full or read-only folder is a sentence that keeps
the work open, and hostile files are refused or shown without eating the machine."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.graph import Edge, Graph, Node
from engine.project import Project, dumps_project, save_project
from engine.training.checkpoint import read_manifest
from tests.engine.storage_faults import fill_disk, make_read_only
from tests.engine.test_checkpoint_faults import _train
from tests.engine.training_helpers import classifier_project


def _click_item(widget, item) -> None:
    rect = widget.visualItemRect(item)
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())


def test_a_killed_run_is_listed_as_interrupted_and_resumed_from_the_runs_list(
        window, tmp_path, qtbot):
    classifier_project(tmp_path, epochs=3)
    project = tmp_path / "tiny.ndproj"
    run = tmp_path / "tiny.runs" / "20260101-120000"
    killed = _train(project, run, kill=("checkpoint.json", 2))
    assert killed.returncode == -9 and read_manifest(run)["epoch"] == 2
    broken = tmp_path / "tiny.runs" / "20260101-110000"  # an older run with damaged metrics
    broken.mkdir()
    (broken / "weights.safetensors").write_bytes(b"x")
    (broken / "metrics.json").write_text("null")

    assert window.files.open_path(project, confirmed=True)
    panel = window.training_panel
    texts = [panel.runs.item(row).text() for row in range(panel.runs.count())]
    assert texts[0] == "20260101-120000  interrupted after epoch 2 of 3"
    assert texts[1].startswith("20260101-110000")
    assert not panel.resume_button.isEnabled()
    _click_item(panel.runs, panel.runs.item(0))
    assert panel.resume_button.isEnabled()
    QTest.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert "completed 3 epochs" in panel.result.text()
    saved = json.loads((run / "metrics.json").read_text())
    assert [row["epoch"] for row in saved["history"]] == [1, 2, 3]
    assert panel.runs.item(0).text().startswith("20260101-120000  ")
    assert "interrupted" not in panel.runs.item(0).text()
    assert not panel.resume_button.isEnabled()


def test_saving_into_a_full_or_read_only_folder_says_why_and_keeps_the_work(
        window, project_copy, tmp_path, monkeypatch):
    errors: list[str] = []
    monkeypatch.setattr(window.files, "show_error", lambda title, text: errors.append(text))
    assert window.files.open_path(project_copy, confirmed=True)
    window.document.project.name = "edited"
    window.document.undo_stack.resetClean()
    before = dumps_project(window.document.project)
    for breaking, words in ((fill_disk, "no space left on the device holding"),
                            (make_read_only, "permission denied")):
        folder = tmp_path / breaking.__name__
        folder.mkdir()
        with monkeypatch.context() as patch:
            breaking(patch, folder)
            assert not window.files._save_to(folder / "copy.ndproj")
        assert words in errors[-1] and str(folder / "copy.ndproj") in errors[-1]
        assert "still open here" in errors[-1]
        assert list(folder.iterdir()) == []
        assert window.document.modified and window.document.path == project_copy
        assert dumps_project(window.document.project) == before


def test_a_port_ten_million_is_a_problem_and_draws_a_few_ports(window, tmp_path):
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    graph.add_node(Node("a", "Linear", {"out_features": 4}))
    graph.add_node(Node("sum", "Add", {}))
    graph.add_edge(Edge("x", "a"))
    graph.add_edge(Edge("x", "sum", 0))
    graph.add_edge(Edge("a", "sum", 10_000_000))
    path = tmp_path / "ports.ndproj"
    save_project(Project("ports", graph, None), path)
    assert window.files.open_path(path, confirmed=True)
    window.document.analyse_now()
    messages = [p.message for p in window.document.analysis.errors]
    assert any("takes its 2 inputs on ports 0 to 1 in order, but 'a' on port 10000000" in m
               for m in messages)
    assert len(window.scene.node_item("sum").input_ports) <= 5


def test_a_project_too_large_to_draw_is_refused_with_the_command_line_to_use(
        window, project_copy, tmp_path, monkeypatch):
    import designer.files

    errors: list[str] = []
    monkeypatch.setattr(window.files, "show_error", lambda title, text: errors.append(text))
    monkeypatch.setattr(designer.files, "MAX_DRAWN_LAYERS", 50)
    graph = Graph()
    graph.add_node(Node("x", "Input", {"shape": [4]}))
    for index in range(60):
        graph.add_node(Node(f"r{index}", "ReLU", {}))
        graph.add_edge(Edge("x" if index == 0 else f"r{index - 1}", f"r{index}"))
    path = tmp_path / "long.ndproj"
    save_project(Project("long", graph, None), path)
    assert window.files.open_path(project_copy, confirmed=True)
    assert not window.files.open_path(path, confirmed=True)
    assert "long.ndproj has 61 layers; the designer draws up to 50" in errors[-1]
    assert f"netdesigner validate {path}; netdesigner train {path}" in errors[-1]
    assert window.document.path == project_copy


def test_hostile_training_settings_never_break_the_settings_form(window, tmp_path):
    classifier_project(tmp_path, batch_size=10**30, epochs="many",
                       optimizer={"type": ["Adam"], "lr": "fast"}, validation_split=None)
    assert window.files.open_path(tmp_path / "tiny.ndproj", confirmed=True)
    panel = window.training_panel
    assert panel.batch_size.value() == panel.batch_size.maximum()
    assert panel.epochs.value() == 10
    nested: dict = {"dataset": {"path": "blobs.npz"}, "loss": "CrossEntropyLoss"}
    deep = nested
    for _ in range(900):
        deep["more"] = {}
        deep = deep["more"]
    text = dumps_project(Project("deep", Graph(), None)).replace(
        '"graph"', '"training": ' + json.dumps(nested) + ',\n  "graph"')
    (tmp_path / "deep.ndproj").write_text(text)
    errors: list[str] = []
    window.files.show_error = lambda title, message: errors.append(message)
    assert not window.files.open_path(tmp_path / "deep.ndproj", confirmed=True)
    assert "nested 901 levels deep" in errors[-1]
