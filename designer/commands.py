"""Every change to a document, as one undoable step. Undo restores the identical document:
node order, edge order and values included, so a saved file does not change."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from designer.document import Document
from engine.editing import renumbered_inputs
from engine.graph import Edge, Graph, Node

Position = tuple[float, float]


class AddItems(QUndoCommand):
    """Add nodes and edges: a layer from the palette, a paste, a duplicate, a connection."""

    def __init__(self, document: Document, nodes: list[Node], edges: list[Edge], text: str):
        super().__init__(text)
        self.document, self.nodes, self.edges = document, nodes, edges

    def redo(self) -> None:
        graph = self.document.graph
        for node in self.nodes:
            graph.add_node(copy.deepcopy(node))
        for edge in self.edges:
            graph.add_edge(edge)

    def undo(self) -> None:
        graph = self.document.graph
        for edge in reversed(self.edges):
            # the newest copy: an identical edge earlier in the list is the user's to keep
            index = len(graph.edges) - 1 - graph.edges[::-1].index(edge)
            del graph.edges[index]
        for node in reversed(self.nodes):
            graph.remove_node(node.id)


class RemoveItems(QUndoCommand):
    """Delete nodes (with every edge touching them) and edges."""

    def __init__(self, document: Document, node_ids: list[str], edges: list[Edge], text: str):
        super().__init__(text)
        self.document = document
        graph = document.graph
        order = list(graph.nodes)
        chosen = set(node_ids)
        self.nodes = [(order.index(n), copy.deepcopy(graph.nodes[n])) for n in order
                      if n in chosen]
        wanted = list(edges)
        self.edges: list[tuple[int, Edge]] = []
        for index, edge in enumerate(graph.edges):
            if edge.source in chosen or edge.target in chosen or edge in wanted:
                if edge in wanted:
                    wanted.remove(edge)
                self.edges.append((index, edge))

        self.renumbered: dict[int, tuple[Edge, Edge]] = {}
        """Merges' remaining inputs moved down to close the gap (index: old, new edge)."""

    def redo(self) -> None:
        graph = self.document.graph
        for index, _ in reversed(self.edges):
            del graph.edges[index]
        for _, node in reversed(self.nodes):
            graph.remove_node(node.id)
        targets = {edge.target for _, edge in self.edges}
        self.renumbered = {index: (graph.edges[index], edge) for index, edge
                           in renumbered_inputs(graph, targets).items()}
        for index, (_, edge) in self.renumbered.items():
            graph.edges[index] = edge

    def undo(self) -> None:
        graph = self.document.graph
        for index, (edge, _) in self.renumbered.items():
            graph.edges[index] = edge
        for index, node in self.nodes:
            graph.insert_node(copy.deepcopy(node), index)
        for index, edge in self.edges:
            graph.insert_edge(edge, index)


class MoveNodes(QUndoCommand):
    """Move nodes: one mouse drag, or an auto-layout, is one step."""

    def __init__(self, document: Document, moves: dict[str, tuple[Position | None, Position]],
                 text: str = "Move"):
        super().__init__(text)
        self.document, self.moves = document, moves

    def _apply(self, which: int) -> None:
        graph = self.document.graph
        for node_id, positions in self.moves.items():
            if node_id in graph.nodes:
                graph.nodes[node_id].position = positions[which]
            else:  # a collapsed block, moved as one
                graph.blocks[node_id].position = positions[which]

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class SetParams(QUndoCommand):
    def __init__(self, document: Document, node_id: str, params: dict[str, Any]):
        node = document.graph.nodes[node_id]
        super().__init__(f"Edit {node_id}")
        self.document, self.node_id = document, node_id
        self.before, self.after = copy.deepcopy(node.params), copy.deepcopy(params)

    def redo(self) -> None:
        self.document.graph.nodes[self.node_id].params = copy.deepcopy(self.after)

    def undo(self) -> None:
        self.document.graph.nodes[self.node_id].params = copy.deepcopy(self.before)


class RenameNode(QUndoCommand):
    def __init__(self, document: Document, old: str, new: str):
        super().__init__(f"Rename {old} to {new}")
        self.document, self.old, self.new = document, old, new

    def redo(self) -> None:
        self.document.graph.rename_node(self.old, self.new)

    def undo(self) -> None:
        self.document.graph.rename_node(self.new, self.old)


class SetProjectField(QUndoCommand):
    """The project's name or its training settings."""

    def __init__(self, document: Document, field: str, value: Any, text: str):
        super().__init__(text)
        self.document, self.field = document, field
        self.before = copy.deepcopy(getattr(document.project, field))
        self.after = copy.deepcopy(value)

    def redo(self) -> None:
        setattr(self.document.project, self.field, copy.deepcopy(self.after))

    def undo(self) -> None:
        setattr(self.document.project, self.field, copy.deepcopy(self.before))


class ReplaceGraph(QUndoCommand):
    """An edit made of several changes at once (a quick fix, grouping into a block): the
    whole graph before and after, so undo gives back the identical graph."""

    def __init__(self, document: Document, after: Graph, text: str):
        super().__init__(text)
        self.document = document
        self.before, self.after = document.graph.copy(), after.copy()

    def redo(self) -> None:
        self._show(self.after)

    def undo(self) -> None:
        self._show(self.before)

    def _show(self, source: Graph) -> None:
        # the document keeps its Graph object: views hold on to it
        graph, fresh = self.document.graph, source.copy()
        graph.nodes, graph.edges, graph.blocks = fresh.nodes, fresh.edges, fresh.blocks
