"""Connecting by dragging from an output port to an input port: requested, refused with a
reason, or dropped on empty canvas."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from engine.graph import Edge, Node
from tests.widgets.canvas_helpers import centre_of, chain, drag, show, unconnected


def test_dragging_from_an_output_port_to_an_input_port_requests_a_connection(canvas):
    scene, view = show(canvas, unconnected())
    requests = []
    scene.connect_requested.connect(lambda *args: requests.append(args))
    moves = []
    scene.nodes_moved.connect(moves.append)

    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0))

    assert requests == [("image", "conv", 0)]
    assert moves == [], "dragging from a port does not move its node"
    assert scene.connection_drag is None
    assert len(scene.edge_items()) == 1, "the canvas waits for the application to connect"


def test_dropping_a_connection_on_a_merge_node_uses_its_next_free_port(canvas):
    graph = chain(("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}))
    graph.add_node(Node("add", "Add", {}, (300, 300)))
    graph.add_edge(Edge("a", "add", 0))
    scene, view = show(canvas, graph)
    requests = []
    scene.connect_requested.connect(lambda *args: requests.append(args))

    drag(view, scene.port_scene_pos("b", "out", 0), centre_of(scene, "add"))
    assert requests == [("b", "add", 1)]


def test_a_refused_connection_shows_the_reason_and_requests_nothing(canvas):
    scene, view = show(canvas, unconnected())
    asked = []

    def check(source: str, target: str, port: int) -> str | None:
        asked.append((source, target, port))
        return "shapes do not fit"

    scene.set_connection_check(check)
    requests = []
    scene.connect_requested.connect(lambda *args: requests.append(args))
    seen = {}

    def look_during_drag():
        drag_state = scene.connection_drag
        seen["hint"] = drag_state.hint.text() if drag_state else None
        seen["visible"] = drag_state.hint.isVisible() if drag_state else None
        seen["port"] = scene.node_item("conv").input_ports[0].highlight

    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0),
         before_release=look_during_drag)

    assert seen == {"hint": "shapes do not fit", "visible": True, "port": "refuse"}
    assert ("image", "conv", 0) in asked
    assert requests == []
    assert scene.connection_drag is None
    assert scene.node_item("conv").input_ports[0].highlight is None
    assert not any(type(item).__name__.startswith("Connection") for item in scene.items())


def test_without_a_check_the_engine_rules_decide(canvas):
    scene, view = show(canvas, unconnected())
    requests = []
    scene.connect_requested.connect(lambda *args: requests.append(args))
    seen = {}
    drag(view, scene.port_scene_pos("relu", "out", 0), centre_of(scene, "image"),
         before_release=lambda: seen.setdefault("hint", scene.connection_drag.hint.text()))
    assert seen["hint"] == "an Input takes no input"
    assert requests == []


def test_releasing_on_empty_canvas_does_nothing(canvas):
    scene, view = show(canvas, unconnected())
    requests = []
    scene.connect_requested.connect(lambda *args: requests.append(args))
    start = scene.port_scene_pos("image", "out", 0)
    drag(view, start, start + QPointF(400, 40))
    assert requests == [] and scene.connection_drag is None
