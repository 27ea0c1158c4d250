"""The node canvas: a view of an engine Graph that emits the user's edits as signals.

    scene = GraphScene()
    view = GraphView(scene)
    scene.set_graph(project.graph)
    scene.set_analysis(analyse(project.graph))
    scene.connect_requested.connect(...)   # the application edits the graph, then:
    scene.sync()
"""

from widgets.canvas.connection_dragging import ConnectionCheck
from widgets.canvas.edge_item import EdgeItem
from widgets.canvas.mime import LAYER_MIME
from widgets.canvas.node_item import NodeItem
from widgets.canvas.port_item import PortItem
from widgets.canvas.scene import GraphScene
from widgets.canvas.style import (
    ACCEPT_COLOUR,
    CATEGORY_COLOURS,
    ERROR_COLOUR,
    NODE_HEIGHT,
    NODE_WIDTH,
    REFUSE_COLOUR,
    WARNING_COLOUR,
    CanvasColours,
    Flow,
    canvas_colours,
    category_colour,
    readable_text_on,
)
from widgets.canvas.view import GraphView

__all__ = [
    "ACCEPT_COLOUR", "CATEGORY_COLOURS", "ERROR_COLOUR", "LAYER_MIME", "NODE_HEIGHT",
    "NODE_WIDTH", "REFUSE_COLOUR", "WARNING_COLOUR", "CanvasColours", "ConnectionCheck",
    "EdgeItem", "Flow", "GraphScene", "GraphView", "NodeItem", "PortItem", "canvas_colours",
    "category_colour", "readable_text_on",
]
