"""The editing operations of the designer, each turned into one undoable command."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData

from designer.commands import AddItems, MoveNodes, RemoveItems, RenameNode, SetParams
from designer.document import Document
from engine.catalogue import entry
from engine.editing import connection_problem, fragment, merge_ids, next_free_port
from engine.graph import Edge, Graph, Node, id_problem
from engine.layout import MARGIN_ALONG, NODE_SIZE, Direction, layered_layout
from engine.project import Project, ProjectError, dumps_project, parse_project

PROJECT_MIME = "application/x-netdesigner-project"
PASTE_OFFSET = 40.0


class Editor:
    """What the user can do to a document. The views call these; they never touch the
    graph themselves."""

    def __init__(self, document: Document):
        self.document = document

    @property
    def graph(self) -> Graph:
        return self.document.graph

    def add_layer(self, layer_type: str, position: tuple[float, float],
                  after: str | None = None) -> str | None:
        """Place a new layer (a type, or a palette preset 'Operation:chunk'); connected after
        `after` when that connection is allowed."""
        made = entry(layer_type)
        if made is None:
            return None
        layer_type, params = made
        node = Node(self.graph.unique_id(layer_type), layer_type, params, position)
        edges = []
        if after is not None and after in self.graph.nodes:
            probe = self.graph.copy()
            probe.add_node(node)
            problem = connection_problem(probe, self.document.analysis, after, node.id, 0)
            if problem is None:
                edges.append(Edge(after, node.id, 0))
        self.document.push(AddItems(self.document, [node], edges, f"Add {layer_type}"))
        return node.id if node.id in self.graph.nodes else None

    def position_after(self, node_id: str) -> tuple[float, float]:
        x, y = self.graph.nodes[node_id].position or (0.0, 0.0)
        return (x, y + NODE_SIZE[1] + MARGIN_ALONG)

    def connect(self, source: str, target: str, port: int | None = None) -> str | None:
        """Connect, or say why not."""
        port = next_free_port(self.graph, target) if port is None else port
        problem = connection_problem(self.graph, self.document.analysis, source, target, port)
        if problem is None:
            self.document.push(AddItems(self.document, [], [Edge(source, target, port)],
                                        f"Connect {source} to {target}"))
        return problem

    def delete(self, node_ids: list[str], edges: list[Edge]) -> None:
        if not node_ids and not edges:
            return
        what = (f"Delete {len(node_ids)} layer{'s' if len(node_ids) != 1 else ''}"
                if node_ids else f"Delete {len(edges)} connection{'s' * (len(edges) != 1)}")
        self.document.push(RemoveItems(self.document, node_ids, edges, what))

    def move(self, moves: dict[str, tuple[Any, Any]]) -> None:
        moves = {k: (tuple(old) if old is not None else None, tuple(new))
                 for k, (old, new) in moves.items()
                 if (k in self.graph.nodes or k in self.graph.blocks) and old != new}
        if moves:
            self.document.push(MoveNodes(self.document, moves))

    def set_params(self, node_id: str, params: dict[str, Any]) -> None:
        if node_id in self.graph.nodes and self.graph.nodes[node_id].params != params:
            self.document.push(SetParams(self.document, node_id, params))

    def rename_problem(self, node_id: str, new_id: str) -> str | None:
        if new_id != node_id and new_id in self.graph.nodes:
            return f"a layer named '{new_id}' already exists"
        why = id_problem(new_id)
        return f"'{new_id}' cannot name a layer: {why}" if why else None

    def rename(self, node_id: str, new_id: str) -> str | None:
        problem = self.rename_problem(node_id, new_id)
        if problem is None and new_id != node_id:
            self.document.push(RenameNode(self.document, node_id, new_id))
        return problem

    def auto_layout(self, direction: Direction, shown: Graph | None = None,
                    wrap_after: int | None = None) -> None:
        """Lay out the graph as it is `shown` (collapsed blocks as one node each); the
        layers of a collapsed block move with it."""
        shown = shown or self.graph
        positions = layered_layout(shown, direction, wrap_after=wrap_after)
        moves = {}
        for node_id, new in positions.items():
            old = shown.nodes[node_id].position
            if node_id in self.graph.blocks:
                moves[node_id] = (self.graph.blocks[node_id].position, new)
                dx, dy = (new[0] - old[0], new[1] - old[1]) if old else (0.0, 0.0)
                for member in self.graph.blocks[node_id].nodes:
                    spot = self.graph.nodes[member].position
                    if spot is not None:
                        moves[member] = (spot, (spot[0] + dx, spot[1] + dy))
            else:
                moves[node_id] = (old, new)
        moves = {k: v for k, v in moves.items() if v[0] != v[1]}
        if moves:
            self.document.push(MoveNodes(self.document, moves, "Auto-layout"))

    # -- clipboard ---------------------------------------------------------------------
    def copy(self, node_ids: list[str]) -> QMimeData | None:
        """The selection as project JSON: paste works between windows and into files."""
        if not node_ids:
            return None
        text = dumps_project(Project("Clipboard", fragment(self.graph, node_ids)))
        mime = QMimeData()
        mime.setText(text)
        mime.setData(PROJECT_MIME, text.encode())
        return mime

    def paste(self, mime: QMimeData, offset: float = PASTE_OFFSET) -> list[str] | str:
        """Add what the clipboard holds; the new ids, or why nothing could be pasted."""
        raw = bytes(mime.data(PROJECT_MIME)).decode() if mime.hasFormat(PROJECT_MIME) else (
            mime.text())
        try:
            incoming = parse_project(raw).graph
        except ProjectError:
            return "the clipboard holds no Netdesigner layers"
        if not incoming.nodes:
            return "the clipboard holds no layers"
        nodes, edges = merge_ids(self.graph, incoming, (offset, offset))
        self.document.push(AddItems(self.document, nodes, edges,
                                    f"Paste {len(nodes)} layer{'s' * (len(nodes) != 1)}"))
        return [n.id for n in nodes]

    def duplicate(self, node_ids: list[str]) -> list[str]:
        if not node_ids:
            return []
        nodes, edges = merge_ids(self.graph, fragment(self.graph, node_ids),
                                 (PASTE_OFFSET, PASTE_OFFSET))
        self.document.push(AddItems(self.document, nodes, edges,
                                    f"Duplicate {len(nodes)} layer{'s' * (len(nodes) != 1)}"))
        return [n.id for n in nodes]
