"""How fast the node canvas shows and updates large graphs.

- set_graph + fit_to_view of a 500-node graph (targets: well under 1 s), and the first
  paint of the fitted view, timed apart;
- one parameter edit round trip on a 200-node graph: change a node's params in the graph,
  engine.analysis.analyse, scene.sync(), scene.set_analysis() (target: under 50 ms), with
  the canvas's share timed apart;
- the cost figures on every edit: engine.costs.network_costs (MACs, memory, receptive
  fields, the training step's memory) with scene.set_costs and a heat map by MACs, on
  200- and 500-node graphs (target: instant, a few ms);
- the same 500 nodes with every residual block grouped into a collapsed block, against the
  flat graph in the same run: opening (the canvas's view with blocks collapsed, set_graph,
  fit_to_view, set_analysis) and an auto-layout (layered_layout of what is shown, applied,
  synced); target: no slower than flat.

The graphs are residual stacks of valid layers (Conv2d, BatchNorm2d, ReLU, Add), laid out
with engine.layout.layered_layout before timing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/canvas.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/canvas.py --quick   # smoke run

A benchmark prints figures; it never fails on a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from engine.analysis import analyse
from engine.block_view import collapsed_view, view_analysis
from engine.blocks import grouped as grouped_blocks
from engine.costs import network_costs
from engine.graph import Edge, Graph, Node
from engine.layout import layered_layout
from widgets.canvas import GraphScene, GraphView
from widgets.canvas.heat import Heat

CHANNELS = 16


def residual_graph(size: int) -> Graph:
    """An Input, a stem convolution, then residual blocks (conv → norm → relu → conv → add
    with the block's input) until the graph has `size` nodes; every shape is [16, 32, 32]."""
    graph = Graph()
    graph.add_node(Node("input", "Input", {"shape": [3, 32, 32]}))
    graph.add_node(Node("stem", "Conv2d", {"out_channels": CHANNELS, "padding": "same"}))
    graph.add_edge(Edge("input", "stem"))
    block_input, block = "stem", 0
    while len(graph.nodes) + 5 <= size:
        block += 1
        names = [f"b{block}_conv1", f"b{block}_bn", f"b{block}_relu", f"b{block}_conv2",
                 f"b{block}_add"]
        kinds = [("Conv2d", {"out_channels": CHANNELS, "padding": "same"}),
                 ("BatchNorm2d", {}), ("ReLU", {}),
                 ("Conv2d", {"out_channels": CHANNELS, "padding": "same"}), ("Add", {})]
        previous = block_input
        for name, (kind, params) in zip(names, kinds, strict=True):
            graph.add_node(Node(name, kind, dict(params)))
            graph.add_edge(Edge(previous, name))
            previous = name
        graph.add_edge(Edge(block_input, names[-1], 1))  # the skip connection
        block_input = names[-1]
    while len(graph.nodes) < size:
        name = f"tail{len(graph.nodes)}"
        graph.add_node(Node(name, "ReLU"))
        graph.add_edge(Edge(block_input, name))
        block_input = name
    for node_id, position in layered_layout(graph).items():
        graph.nodes[node_id].position = position
    return graph


def timed(action: Callable[[], object]) -> float:
    """Seconds `action` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def show_and_fit(app: QApplication, size: int, repeats: int) -> None:
    graph = residual_graph(size)
    assert analyse(graph).ok, "the benchmark graph must be valid"
    shows, paints = [], []
    for _ in range(repeats):
        scene = GraphScene()
        view = GraphView(scene)
        view.resize(1600, 1000)
        view.show()
        app.processEvents()

        def show(scene: GraphScene = scene, view: GraphView = view) -> None:
            scene.set_graph(graph)
            view.fit_to_view()

        shows.append(timed(show))
        paints.append(timed(view.grab))
        view.close()
        view.deleteLater()
        app.processEvents()
    print(f"{size}-node graph ({len(graph.edges)} edges): set_graph + fit_to_view "
          f"{1000 * statistics.median(shows):.0f} ms (median of {repeats}), "
          f"first paint of the fitted view {1000 * statistics.median(paints):.0f} ms")
    scene = GraphScene()
    scene.set_graph(graph)
    analysis = analyse(graph)
    print(f"{size}-node graph: first set_analysis "
          f"{1000 * timed(lambda: scene.set_analysis(analysis)):.0f} ms")


def edit_round_trip(size: int, repeats: int) -> None:
    graph = residual_graph(size)
    scene = GraphScene()
    view = GraphView(scene)
    view.resize(1600, 1000)
    scene.set_graph(graph)
    scene.set_analysis(analyse(graph))
    edited = graph.nodes[f"b{size // 10}_conv1"]
    totals, canvas = [], []
    for repeat in range(repeats):
        start = time.perf_counter()
        edited.params["kernel_size"] = 5 if repeat % 2 == 0 else 3
        analysis = analyse(graph)
        middle = time.perf_counter()
        scene.sync()
        scene.set_analysis(analysis)
        end = time.perf_counter()
        totals.append(end - start)
        canvas.append(end - middle)
    print(f"{size}-node graph: one parameter edit round trip (analyse + sync + set_analysis) "
          f"{1000 * statistics.median(totals):.1f} ms (median of {repeats}), of which the "
          f"canvas (sync + set_analysis) {1000 * statistics.median(canvas):.1f} ms")


def cost_figures(size: int, repeats: int) -> None:
    graph = residual_graph(size)
    scene = GraphScene()
    view = GraphView(scene)
    view.resize(1600, 1000)
    scene.set_graph(graph)
    analysis = analyse(graph)
    scene.set_analysis(analysis)
    engine_times, canvas_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        costs = network_costs(graph, analysis, None)
        middle = time.perf_counter()
        scene.set_costs(costs)
        scene.set_heat(Heat("MACs", {n: c.macs for n, c in costs.nodes.items()}, str))
        end = time.perf_counter()
        engine_times.append(middle - start)
        canvas_times.append(end - middle)
        scene.set_costs(None)
        scene.set_heat(None)
    print(f"{size}-node graph: cost figures {1000 * statistics.median(engine_times):.1f} ms "
          f"(engine.costs), shown on the canvas with a heat map "
          f"{1000 * statistics.median(canvas_times):.1f} ms (median of {repeats})")


def grouped(graph: Graph) -> Graph:
    """The residual graph with each residual block made a collapsed block."""
    grouped_graph = graph.copy()
    for node_id in graph.nodes:
        if node_id.endswith("_conv1"):
            stem = node_id[:-len("_conv1")]
            members = [f"{stem}_{part}" for part in ("conv1", "bn", "relu", "conv2", "add")]
            result = grouped_blocks(grouped_graph, members, "Residual")
            assert not isinstance(result, str), result
            grouped_graph = result[0]
    return grouped_graph


def open_and_relayout(app: QApplication, size: int, repeats: int) -> None:
    flat = residual_graph(size)
    blocked = grouped(flat)
    results: dict[str, tuple[list[float], list[float]]] = {}
    for label, graph in (("flat", flat), ("grouped", blocked)) * repeats:
        opens, layouts = results.setdefault(label, ([], []))
        scene = GraphScene()
        view = GraphView(scene)
        view.resize(1600, 1000)
        view.show()
        app.processEvents()

        def open_it(graph: Graph = graph, scene: GraphScene = scene,
                    view: GraphView = view) -> None:
            analysis = analyse(graph)
            shown = collapsed_view(graph)
            scene.set_graph(shown.graph)
            view.fit_to_view()
            scene.set_analysis(view_analysis(analysis, graph, shown))

        direction = "left-to-right" if len(opens) % 2 == 0 else "top-to-bottom"

        def relayout(graph: Graph = graph, scene: GraphScene = scene,
                     direction: str = direction) -> None:
            # as the designer's auto-layout: what is shown is laid out, a collapsed block
            # moves as one, and the canvas shows the result; the direction alternates, so
            # every node moves every time
            for node_id, spot in layered_layout(collapsed_view(graph).graph,
                                                direction).items():
                if node_id in graph.blocks:
                    graph.blocks[node_id].position = spot
                else:
                    graph.nodes[node_id].position = spot
            scene.show_graph(collapsed_view(graph).graph)

        opens.append(timed(open_it))
        layouts.append(timed(relayout))
        view.close()
        view.deleteLater()
        app.processEvents()
    shown = {"flat": len(flat.nodes), "grouped": len(collapsed_view(blocked).graph.nodes)}
    for label, (opens, layouts) in results.items():
        print(f"{size} nodes {label:7} ({shown[label]} shown): open {_spread(opens)}, "
              f"auto-layout {_spread(layouts)} ({repeats} repeats, alternating)")


def _spread(seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    return f"min/median/max {ms[0]:.0f}/{statistics.median(ms):.0f}/{ms[-1]:.0f} ms"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small graphs, few repeats")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    if args.quick:
        show_and_fit(app, 60, 1)
        edit_round_trip(40, 3)
        cost_figures(40, 3)
        open_and_relayout(app, 60, 1)
    else:
        show_and_fit(app, 500, 5)
        edit_round_trip(200, 21)
        cost_figures(200, 21)
        cost_figures(500, 11)
        open_and_relayout(app, 500, 5)


if __name__ == "__main__":
    main()
