"""The node canvas, driven as a user drives it: real mouse, wheel, key and drop events on
the view's viewport, at the scene points of nodes and ports."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QWheelEvent,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.analysis import analyse
from engine.catalogue import CATEGORIES
from engine.graph import Edge, Graph, Node
from engine.project import load_project
from tests.widgets.palettes import dark_palette
from widgets.canvas import (
    CATEGORY_COLOURS,
    ERROR_COLOUR,
    LAYER_MIME,
    NODE_HEIGHT,
    NODE_WIDTH,
    WARNING_COLOUR,
    GraphScene,
    GraphView,
    canvas_colours,
)
from widgets.canvas.node_item import format_count
from widgets.canvas.style import contrast_ratio

ROOT = Path(__file__).parents[2]
LEFT, MIDDLE = Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


# ---------------------------------------------------------------------------- helpers

@pytest.fixture
def canvas(qtbot):
    scene = GraphScene()
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    qtbot.waitExposed(view)
    return scene, view


def show(canvas, graph: Graph, analysed: bool = True) -> tuple[GraphScene, GraphView]:
    scene, view = canvas
    scene.set_graph(graph)
    if analysed:
        scene.set_analysis(analyse(graph))
    view.fit_to_view()
    return scene, view


def chain(*layers: tuple[str, str, dict], spacing: float = 140.0) -> Graph:
    """Nodes (id, type, params) in a column, each feeding the next."""
    graph = Graph()
    previous = None
    for index, (node_id, kind, params) in enumerate(layers):
        graph.add_node(Node(node_id, kind, dict(params), (0.0, index * spacing)))
        if previous is not None:
            graph.add_edge(Edge(previous, node_id))
        previous = node_id
    return graph


def small_cnn() -> Graph:
    return chain(("image", "Input", {"shape": [1, 8, 8]}),
                 ("conv", "Conv2d", {"out_channels": 4}),
                 ("relu", "ReLU", {}))


def at(view: GraphView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def centre_of(scene: GraphScene, node_id: str) -> QPointF:
    item = scene.node_item(node_id)
    assert item is not None
    return item.pos() + QPointF(NODE_WIDTH / 2, NODE_HEIGHT / 2 + 8)


def drag(view: GraphView, start: QPointF, end: QPointF, steps: int = 6,
         button: Qt.MouseButton = LEFT, before_release=None) -> None:
    """Press at `start`, move in steps to `end`, release: all in scene coordinates."""
    viewport = view.viewport()
    QTest.mousePress(viewport, button, NO_MODIFIER, at(view, start))
    for step in range(1, steps + 1):
        point = start + (end - start) * (step / steps)
        QTest.mouseMove(viewport, at(view, point))
    if before_release is not None:
        before_release()
    QTest.mouseRelease(viewport, button, NO_MODIFIER, at(view, end))


def edge_labels(scene: GraphScene) -> dict[tuple[str, str], str]:
    return {(item.edge.source, item.edge.target): item.label for item in scene.edge_items()}


# ---------------------------------------------------------------------------- showing

@pytest.mark.parametrize("name", ["digits_cnn", "crnn_digit_strings", "digit_rows_lstm"])
def test_a_project_shows_one_item_per_node_and_edge_with_shape_labels(canvas, name):
    project = load_project(ROOT / "projects" / f"{name}.ndproj")
    scene, _ = show(canvas, project.graph)

    assert len(scene.node_items()) == len(project.graph.nodes)
    assert len(scene.edge_items()) == len(project.graph.edges)
    analysis = analyse(project.graph)
    for edge in project.graph.edges:
        assert edge_labels(scene)[(edge.source, edge.target)] == \
            str(analysis.nodes[edge.source].output)
    for node_id, node in project.graph.nodes.items():
        item = scene.node_item(node_id)
        assert (item.x(), item.y()) == tuple(node.position)


def test_node_faces_show_type_id_summary_and_parameter_count(canvas):
    project = load_project(ROOT / "projects" / "digits_cnn.ndproj")
    scene, _ = show(canvas, project.graph)

    conv = scene.node_item("conv1")
    assert (conv.face.layer_type, conv.face.node_id, conv.face.summary) == \
        ("Conv2d", "conv1", "32 3×3 same")
    assert conv.status.param_count == 320
    assert "320 parameters" in conv.toolTip()
    assert scene.edge_item(Edge("image", "conv1")).label == "[1, 8, 8]"
    assert scene.edge_item(Edge("pool", "flatten")).label == "[64, 4, 4]"


def test_edge_labels_are_empty_before_analysis_and_a_question_mark_when_unknown(canvas):
    graph = small_cnn()
    graph.nodes["conv"].params["kernel_size"] = 99  # no output shape for conv
    scene, _ = show(canvas, graph, analysed=False)
    assert set(edge_labels(scene).values()) == {""}

    scene.set_analysis(analyse(graph))
    assert edge_labels(scene) == {("image", "conv"): "[1, 8, 8]", ("conv", "relu"): "?"}


def test_ports_merge_nodes_show_a_free_port_others_what_they_need(canvas):
    graph = chain(("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}))
    graph.add_node(Node("add", "Add", {}, (0, 500)))
    graph.add_node(Node("cat", "Concat", {}, (300, 500)))
    graph.add_edge(Edge("a", "add", 0))
    graph.add_edge(Edge("b", "add", 1))
    scene, _ = show(canvas, graph)

    assert len(scene.node_item("x").input_ports) == 0
    assert len(scene.node_item("a").input_ports) == 1
    assert len(scene.node_item("add").input_ports) == 3  # two connected, one free
    assert len(scene.node_item("cat").input_ports) == 2  # what it needs
    assert all(item.output_port is not None for item in scene.node_items())
    assert [p.connected for p in scene.node_item("add").input_ports] == [True, True, False]

    graph.add_edge(Edge("x", "add", 2))
    scene.sync()
    assert len(scene.node_item("add").input_ports) == 4
    end = scene.edge_item(Edge("x", "add", 2)).path().currentPosition()
    assert end == scene.port_scene_pos("add", "in", 2)


def test_sync_adds_removes_moves_and_renames_by_diffing(canvas):
    graph = small_cnn()
    scene, _ = show(canvas, graph)
    conv_item = scene.node_item("conv")
    first_edge = scene.edge_item(Edge("image", "conv"))

    graph.add_node(Node("out", "Linear", {}, (0, 420)))
    graph.add_edge(Edge("relu", "out"))
    graph.nodes["conv"].position = (250.0, 140.0)
    scene.sync()
    assert scene.node_item("conv") is conv_item, "unchanged nodes keep their items"
    assert scene.edge_item(Edge("image", "conv")) is first_edge
    assert (conv_item.x(), conv_item.y()) == (250.0, 140.0)
    assert first_edge.path().currentPosition() == scene.port_scene_pos("conv", "in", 0)
    assert len(scene.node_items()) == 4 and len(scene.edge_items()) == 3

    graph.remove_node("relu")
    scene.sync()
    assert scene.node_item("relu") is None
    assert sorted(edge_labels(scene)) == [("image", "conv")]
    assert conv_item.output_port is not None and not conv_item.output_port.connected

    graph.rename_node("conv", "features")
    scene.sync()
    assert scene.node_item("features") is conv_item and scene.node_item("conv") is None
    assert conv_item.face.node_id == "features"
    assert sorted(edge_labels(scene)) == [("image", "features")]

    graph.remove_edge(Edge("image", "features"))
    scene.sync()
    assert scene.edge_items() == []
    assert conv_item.edges == set()


def test_sync_shows_a_parameter_edit_and_leaves_other_nodes_alone(canvas):
    graph = small_cnn()
    scene, _ = show(canvas, graph)
    relu = scene.node_item("relu")
    relu_face = relu.face

    graph.nodes["conv"].params["out_channels"] = 16
    scene.sync()
    scene.set_analysis(analyse(graph))
    assert scene.node_item("conv").face.summary == "16 3×3"
    assert scene.edge_item(Edge("conv", "relu")).label == "[16, 6, 6]"
    assert scene.node_item("relu") is relu and relu.face is relu_face


def test_nodes_without_position_get_free_spots(canvas):
    graph = Graph([Node("a", "Input", {"shape": [4]}), Node("b", "ReLU"), Node("c", "Tanh")],
                  [Edge("a", "b"), Edge("a", "c")])
    scene, _ = show(canvas, graph)
    rects = [item.sceneBoundingRect() for item in scene.node_items()]
    assert not any(r.intersects(s) for i, r in enumerate(rects) for s in rects[i + 1:])

    graph.add_node(Node("d", "Sigmoid"))
    graph.add_edge(Edge("b", "d"))
    scene.sync()
    d = scene.node_item("d").sceneBoundingRect()
    assert not any(d.intersects(r) for r in rects)
    assert graph.nodes["d"].position is None, "the canvas never edits the graph"


def test_set_graph_replaces_the_shown_graph(canvas):
    scene, _ = show(canvas, small_cnn())
    scene.set_graph(chain(("x", "Input", {"shape": [3]}), ("y", "ReLU", {})))
    assert sorted(item.node_id for item in scene.node_items()) == ["x", "y"]
    assert edge_labels(scene) == {("x", "y"): ""}


# ---------------------------------------------------------------------------- moving

def test_dragging_a_node_emits_one_nodes_moved_with_old_and_new_positions(canvas, qtbot):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)

    start = centre_of(scene, "conv")
    drag(view, start, start + QPointF(120, 30), steps=8)

    assert len(moves) == 1
    (old, new), = moves[0].values()
    assert list(moves[0]) == ["conv"]
    assert old == (0.0, 140.0)
    assert new[0] == pytest.approx(120, abs=3) and new[1] == pytest.approx(170, abs=3)
    item = scene.node_item("conv")
    assert scene.edge_item(Edge("image", "conv")).path().currentPosition() == \
        scene.port_scene_pos("conv", "in", 0), "edges follow the node while it moves"
    assert (item.x(), item.y()) == new

    scene.sync()  # the application did not apply the move: the view shows the graph again
    assert (item.x(), item.y()) == (0.0, 140.0)


def test_dragging_several_selected_nodes_is_one_move(canvas):
    scene, view = show(canvas, small_cnn())
    scene.select_nodes(["image", "conv"])
    moves = []
    scene.nodes_moved.connect(moves.append)

    start = centre_of(scene, "conv")
    drag(view, start, start + QPointF(60, 0))

    assert len(moves) == 1 and sorted(moves[0]) == ["conv", "image"]
    assert moves[0]["image"][0] == (0.0, 0.0)
    assert moves[0]["image"][1][0] == pytest.approx(60, abs=3)


def test_a_click_without_moving_emits_no_move(canvas):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)
    QTest.mouseClick(view.viewport(), LEFT, NO_MODIFIER, at(view, centre_of(scene, "conv")))
    assert moves == []
    assert scene.selected_node_ids() == ["conv"]


# ---------------------------------------------------------------------------- connecting

def unconnected() -> Graph:
    graph = small_cnn()
    graph.remove_edge(Edge("image", "conv"))
    return graph


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


# ---------------------------------------------------------------------------- deleting

def test_delete_requests_the_selected_nodes_and_edges(canvas):
    graph = chain(("x", "Input", {"shape": [4]}), ("a", "ReLU", {}), ("b", "Tanh", {}),
                  ("c", "Sigmoid", {}))
    scene, view = show(canvas, graph)
    deletions = []
    scene.delete_requested.connect(lambda nodes, edges: deletions.append((nodes, edges)))

    scene.select_nodes(["c"])
    scene.edge_item(Edge("x", "a")).setSelected(True)
    scene.edge_item(Edge("b", "c")).setSelected(True)  # goes with c anyway
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)

    assert deletions == [(["c"], [Edge("x", "a")])]
    assert len(scene.node_items()) == 4, "the application deletes, then syncs"

    scene.select_nodes(["a"])
    QTest.keyClick(view.viewport(), Qt.Key.Key_Backspace)
    assert deletions[-1] == (["a"], [])


def test_clicking_an_edge_selects_it(canvas):
    scene, view = show(canvas, small_cnn())
    edge = scene.edge_item(Edge("conv", "relu"))
    QTest.mouseClick(view.viewport(), LEFT, NO_MODIFIER,
                     at(view, edge.path().pointAtPercent(0.3)))
    assert edge.isSelected()
    assert scene.selected_edges() == [Edge("conv", "relu")]


# ---------------------------------------------------------------------------- selecting

def test_rubber_band_on_empty_space_selects_the_nodes_inside(canvas):
    scene, view = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)

    top_left = scene.node_item("image").pos() - QPointF(30, 30)
    bottom_right = scene.node_item("conv").pos() + QPointF(NODE_WIDTH + 30, NODE_HEIGHT + 20)
    drag(view, top_left, bottom_right)

    assert scene.selected_node_ids() == ["image", "conv"]
    assert changes and changes[-1] == ["image", "conv"]


def test_ctrl_a_selects_everything(canvas):
    scene, view = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert scene.selected_node_ids() == ["image", "conv", "relu"]
    assert len(scene.selected_edges()) == 2
    assert changes == [["image", "conv", "relu"]], "one signal for the whole selection"


def test_select_nodes_and_selection_signal(canvas):
    scene, _ = show(canvas, small_cnn())
    changes = []
    scene.selection_ids_changed.connect(changes.append)
    scene.select_nodes(["relu", "image"])
    assert scene.selected_node_ids() == ["image", "relu"]
    scene.select_nodes(["relu", "image"])
    assert changes == [["image", "relu"]]


def test_double_click_on_a_node(canvas):
    scene, view = show(canvas, small_cnn())
    clicked = []
    scene.node_double_clicked.connect(clicked.append)
    QTest.mouseDClick(view.viewport(), LEFT, NO_MODIFIER, at(view, centre_of(scene, "relu")))
    assert clicked == ["relu"]


# ---------------------------------------------------------------------------- zoom and pan

def wheel(view: GraphView, position: QPoint, notches: float) -> None:
    event = QWheelEvent(QPointF(position), QPointF(view.viewport().mapToGlobal(position)),
                        QPoint(), QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                        NO_MODIFIER, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_wheel_zooms_towards_the_cursor_within_limits(canvas):
    scene, view = show(canvas, small_cnn())
    cursor = at(view, centre_of(scene, "relu"))
    under_cursor = view.mapToScene(cursor)
    before = view.zoom()

    wheel(view, cursor, 1)
    assert view.zoom() > before
    assert (view.mapToScene(cursor) - under_cursor).manhattanLength() < 2

    wheel(view, cursor, -2)
    assert view.zoom() < before
    for _ in range(40):
        wheel(view, cursor, 1)
    assert view.zoom() == pytest.approx(4.0)
    for _ in range(60):
        wheel(view, cursor, -1)
    assert view.zoom() == pytest.approx(0.1)


def test_zoom_by_and_fit_to_view(canvas):
    scene, view = show(canvas, load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    view.zoom_by(2.0)
    view.fit_to_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.itemsBoundingRect())


def test_fit_before_the_view_is_shown_happens_when_it_shows(qtbot):
    scene = GraphScene()
    view = GraphView(scene)
    qtbot.addWidget(view)
    view.resize(800, 600)
    scene.set_graph(load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    view.fit_to_view()
    view.show()
    qtbot.waitExposed(view)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.itemsBoundingRect())


def test_middle_drag_pans(canvas):
    _, view = show(canvas, small_cnn())
    point = QPoint(500, 400)
    before = view.mapToScene(point)
    QTest.mousePress(view.viewport(), MIDDLE, NO_MODIFIER, point)
    QTest.mouseMove(view.viewport(), point + QPoint(80, 50))
    QTest.mouseRelease(view.viewport(), MIDDLE, NO_MODIFIER, point + QPoint(80, 50))
    moved = view.mapToScene(point) - before
    zoom = view.zoom()
    assert moved.x() == pytest.approx(-80 / zoom, abs=2) and \
        moved.y() == pytest.approx(-50 / zoom, abs=2)


def test_space_and_left_drag_pans_instead_of_moving_or_selecting(canvas):
    scene, view = show(canvas, small_cnn())
    moves = []
    scene.nodes_moved.connect(moves.append)
    view.setFocus()
    start = centre_of(scene, "conv")
    before = view.mapToScene(QPoint(500, 400))
    QTest.keyPress(view.viewport(), Qt.Key.Key_Space)
    drag(view, start, start + QPointF(60, 0))
    QTest.keyRelease(view.viewport(), Qt.Key.Key_Space)
    assert moves == []
    assert view.mapToScene(QPoint(500, 400)).x() < before.x() - 20


# ---------------------------------------------------------------------------- dropping

def send_drop(view: GraphView, point: QPoint, payload: bytes, mime: str = LAYER_MIME) -> bool:
    data = QMimeData()
    data.setData(mime, payload)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point, actions, data, Qt.MouseButton.LeftButton,
                            NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), enter)
    move = QDragMoveEvent(point, actions, data, Qt.MouseButton.LeftButton,
                          NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), move)
    if not move.isAccepted():
        # end the drag as Qt would: Qt routes drag moves to the last widget that took a
        # drag enter until the drag leaves, even across tests
        QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
        return False
    drop = QDropEvent(QPointF(point), actions, data, Qt.MouseButton.LeftButton, NO_MODIFIER)
    QApplication.sendEvent(view.viewport(), drop)
    return drop.isAccepted()


def test_dropping_a_palette_layer_emits_layer_dropped_at_the_scene_point(canvas):
    scene, view = show(canvas, small_cnn())
    drops = []
    scene.layer_dropped.connect(lambda kind, point: drops.append((kind, point)))
    point = QPoint(700, 300)

    assert send_drop(view, point, b"Conv2d")
    assert len(drops) == 1
    kind, scene_point = drops[0]
    assert kind == "Conv2d"
    assert (scene_point - view.mapToScene(point)).manhattanLength() < 1


def test_other_drops_are_not_taken(canvas):
    scene, view = show(canvas, small_cnn())
    drops = []
    scene.layer_dropped.connect(lambda *args: drops.append(args))
    assert not send_drop(view, QPoint(700, 300), b"hello", mime="text/plain")
    assert drops == []


# ---------------------------------------------------------------------------- read-only

def test_read_only_blocks_moves_connections_deletes_and_drops(canvas):
    scene, view = show(canvas, unconnected())
    signals = []
    for signal in (scene.nodes_moved, scene.connect_requested, scene.delete_requested,
                   scene.layer_dropped):
        signal.connect(lambda *args: signals.append(args))
    scene.set_read_only(True, "Training — the graph is read-only")
    assert view.banner_text() == "Training — the graph is read-only"

    start = centre_of(scene, "relu")
    drag(view, start, start + QPointF(100, 0))
    assert (scene.node_item("relu").x(), scene.node_item("relu").y()) == (0.0, 280.0)
    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0))
    scene.select_nodes(["relu"])
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert not send_drop(view, QPoint(700, 300), b"ReLU")
    assert signals == []
    assert scene.selected_node_ids() == ["relu"], "selecting still works"

    scene.set_read_only(False)
    assert view.banner_text() == ""
    drag(view, scene.port_scene_pos("image", "out", 0), scene.port_scene_pos("conv", "in", 0))
    assert signals == [("image", "conv", 0)]


# ---------------------------------------------------------------------------- problems

def test_errors_and_warnings_outline_nodes_and_fill_tooltips(canvas):
    graph = small_cnn()
    graph.nodes["conv"].params["kernel_size"] = 99
    graph.add_node(Node("drop", "Dropout", {}, (0, 420)))
    graph.add_edge(Edge("relu", "drop"))
    graph.nodes["relu"].params["kernel_size"] = 99  # relu has no such parameter: an error
    scene, _ = show(canvas, graph)
    analysis = analyse(graph)

    conv, drop, image = (scene.node_item(n) for n in ("conv", "drop", "image"))
    assert conv.status.severity == "error" and conv.outline_colour() == ERROR_COLOUR
    for problem in analysis.problems_for("conv"):
        assert problem.message.split(";")[0] in conv.toolTip()
    assert drop.status.severity == "warning" and drop.outline_colour() == WARNING_COLOUR
    assert "dropout at the very end" in drop.toolTip()
    assert image.status.severity is None and image.outline_colour() not in (ERROR_COLOUR,
                                                                             WARNING_COLOUR)

    del graph.nodes["conv"].params["kernel_size"]
    scene.sync()
    scene.set_analysis(analyse(graph))
    assert conv.status.severity is None
    assert "error" not in conv.toolTip()


def test_a_duplicate_edge_is_shown_and_marked(canvas):
    graph = small_cnn()
    graph.add_edge(Edge("image", "conv"))
    scene, _ = show(canvas, graph)
    duplicates = [item for item in scene.edge_items() if item.edge == Edge("image", "conv")]
    assert len(duplicates) == 2 and all(item.broken for item in duplicates)


# ---------------------------------------------------------------------------- look

@pytest.mark.parametrize(("count", "text"), [
    (0, "0"), (320, "320"), (999, "999"), (1000, "1.0k"), (4_730, "4.7k"), (9_990, "10k"),
    (151_498, "151k"), (999_400, "999k"), (999_600, "1.0M"), (23_000_000, "23M"),
    (3_000_000_000, "3.0G"),
])
def test_parameter_counts_are_short(count, text):
    assert format_count(count) == text


def test_category_colours_are_distinct_and_cover_the_catalogue():
    assert set(CATEGORY_COLOURS) == set(CATEGORIES)
    assert len({c.name() for c in CATEGORY_COLOURS.values()}) == len(CATEGORIES)
    assert all(isinstance(c, QColor) for c in CATEGORY_COLOURS.values())


@pytest.mark.parametrize("dark", [False, True])
def test_canvas_colours_follow_the_palette_and_stay_readable(qapp, dark):
    palette = dark_palette() if dark else qapp.style().standardPalette()
    colours = canvas_colours(palette)
    assert colours.dark == dark
    assert contrast_ratio(colours.text, colours.node_fill) > 7
    assert contrast_ratio(colours.muted_text, colours.node_fill) > 3
    for category in CATEGORIES:
        assert contrast_ratio(colours.text, colours.header_fill(category)) > 4.5
    assert contrast_ratio(colours.edge_label_text, colours.edge_label_fill) > 4.5


def test_a_palette_change_reaches_the_canvas(canvas, qapp):
    scene, _ = canvas
    original = qapp.palette()
    try:
        qapp.setPalette(dark_palette())
        qapp.processEvents()
        assert scene.look.colours.dark
    finally:
        qapp.setPalette(original)
        qapp.processEvents()
    assert scene.look.colours.dark == canvas_colours(original).dark


def test_left_to_right_flow_puts_ports_on_the_sides(canvas):
    scene, _ = show(canvas, small_cnn())
    scene.set_flow("left-to-right")
    conv = scene.node_item("conv")
    assert scene.port_scene_pos("conv", "in", 0) == conv.pos() + QPointF(0, NODE_HEIGHT / 2)
    assert scene.port_scene_pos("conv", "out", 0) == \
        conv.pos() + QPointF(NODE_WIDTH, NODE_HEIGHT / 2)
    assert scene.edge_item(Edge("image", "conv")).path().currentPosition() == \
        scene.port_scene_pos("conv", "in", 0)


def test_the_view_renders_a_project(canvas):
    scene, view = show(canvas, load_project(ROOT / "projects" / "digits_cnn.ndproj").graph)
    image = view.grab().toImage()
    assert not image.isNull() and image.width() == view.width()
    background = scene.look.colours.background
    node_pixel = image.pixelColor(at(view, centre_of(scene, "conv1")))
    assert node_pixel != background
