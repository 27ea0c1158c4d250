"""Connecting by dragging: from the press on an output port to the release, which node and
input port a release would connect to, and whether the connection is allowed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF

from engine.catalogue import spec_for
from engine.editing import connection_problem, next_free_port
from widgets.canvas.connection import ConnectionDrag
from widgets.canvas.hits import items_at
from widgets.canvas.node_item import NodeItem
from widgets.canvas.port_item import PortItem

if TYPE_CHECKING:
    from widgets.canvas.scene import GraphScene

ConnectionCheck = Callable[[str, str, int], str | None]
"""(source, target, target port) → None when the connection is allowed, else the reason."""


class ConnectionDragging:
    """The drag in progress in `scene`, if any, and the verdicts on its targets: asked of
    the check set with `set_check`, else of the engine's editing rules against the scene's
    graph and analysis, and cached until `forget_verdicts`."""

    def __init__(self, scene: GraphScene):
        self._scene = scene
        self.drag: ConnectionDrag | None = None
        self._check: ConnectionCheck | None = None
        self._verdicts: dict[tuple[str, int], str | None] = {}

    def set_check(self, check: ConnectionCheck | None) -> None:
        self._check = check
        self._verdicts.clear()

    def forget_verdicts(self) -> None:
        """The graph or its analysis changed: ask again."""
        self._verdicts.clear()

    def start(self, source: NodeItem, point: QPointF) -> None:
        self.cancel()
        self._verdicts.clear()
        self._scene.clearSelection()
        self.drag = ConnectionDrag(self._scene, self._scene.look, source)
        self.drag.hover(point, None, None)

    def hover(self, point: QPointF) -> None:
        assert self.drag is not None
        target = self._target_at(point)
        reason = None
        if target is not None:
            reason = self._reason(target[0].node_id, target[1])
        self.drag.hover(point, target, reason)

    def finish(self) -> tuple[str, str, int] | None:
        """Ends the drag; (source, target, target port) when it ended on a target that
        takes the connection."""
        drag, self.drag = self.drag, None
        if drag is None:
            return None
        drag.finish()
        if drag.accepted and drag.target is not None:
            node, port = drag.target
            return drag.source_id, node.node_id, port
        return None

    def refused_target(self) -> tuple[str, str, int] | None:
        """(source, target, target port) when the drag is over a target that refuses it."""
        drag = self.drag
        if drag is None or drag.target is None or drag.accepted:
            return None
        node, port = drag.target
        return drag.source_id, node.node_id, port

    def cancel(self) -> None:
        drag, self.drag = self.drag, None
        if drag is not None:
            drag.finish()

    def _target_at(self, point: QPointF) -> tuple[NodeItem, int] | None:
        """The node and input port a release at `point` would connect to: the port under
        the cursor, or the next free port of the node under it."""
        assert self.drag is not None
        for item in items_at(self._scene, point):
            if isinstance(item, PortItem) and item.kind == "in":
                return item.node_item, item.index
            node = item.node_item if isinstance(item, PortItem) else item
            if isinstance(node, NodeItem):
                if node is self.drag.source:
                    return None  # still over where the drag began: no verdict yet
                return node, self._body_port(node.node_id)
        return None

    def _body_port(self, node_id: str) -> int:
        graph = self._scene.graph
        port = next_free_port(graph, node_id) if node_id in graph.nodes else 0
        spec = spec_for(graph.nodes[node_id].type) if node_id in graph.nodes else None
        if spec is not None and spec.max_inputs is not None and port >= spec.max_inputs:
            return 0  # a full single-input layer: the check says it already has an input
        return port

    def _reason(self, target: str, port: int) -> str | None:
        assert self.drag is not None
        key = (target, port)
        if key not in self._verdicts:
            # checks may walk the graph; the mouse moves far more often than the target
            source = self.drag.source_id
            if self._check is not None:
                self._verdicts[key] = self._check(source, target, port)
            else:
                self._verdicts[key] = connection_problem(self._scene.graph,
                                                         self._scene.analysis, source,
                                                         target, port)
        return self._verdicts[key]
