"""The graph model: nodes (layers) and edges (tensors), as a project file holds them.

This is the one truth about a network. The designer's canvas is a view of it and edits it
through undoable commands; validation, shape inference and compilation read it.
"""

from __future__ import annotations

import copy
import keyword
import re
from collections.abc import Container
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from engine.blocks import Block

ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED_IDS = frozenset({"self", "torch", "F", "nn", "code", "input_ids", "output_ids"})
"""Names the generated forward() code uses itself, and the compiled network's own
attributes (engine.compiler.CompiledNetwork)."""


def id_problem(node_id: str) -> str | None:
    """Why `node_id` cannot name a node (it names the torch submodule and a variable in the
    generated code), or None when it can."""
    if not ID_PATTERN.match(node_id):
        return "use letters, digits and _ only, not starting with a digit"
    if node_id.startswith("__"):
        return "names starting with __ belong to Python itself; pick another name"
    if keyword.iskeyword(node_id) or node_id in RESERVED_IDS or node_id in _module_attributes():
        return "it is a reserved word in Python or PyTorch; pick another name"
    return None


def unique_id(base: str, taken: Container[str]) -> str:
    """`base` made into a free node id: 'Conv2d' → 'conv2d', then 'conv2d_2', 'conv2d_3'..."""
    stem = re.sub(r"\W", "_", base).strip("_").lower() or "node"
    if stem[0].isdigit():
        stem = "n" + stem
    if stem not in taken and id_problem(stem) is None:
        return stem
    n = 2
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"


def _module_attributes() -> frozenset[str]:
    global _MODULE_ATTRIBUTES
    if _MODULE_ATTRIBUTES is None:
        import torch.nn

        names = set(dir(torch.nn.Module)) | set(vars(torch.nn.Module()).keys())
        _MODULE_ATTRIBUTES = frozenset(n for n in names if not n.startswith("__"))
    return _MODULE_ATTRIBUTES


_MODULE_ATTRIBUTES: frozenset[str] | None = None


@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    """The values set on this node; a missing one takes the spec's default."""
    position: tuple[float, float] | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    target_port: int = 0

    def __str__(self) -> str:
        port = f" (port {self.target_port})" if self.target_port else ""
        return f"{self.source} → {self.target}{port}"


class Graph:
    """Nodes in insertion order, edges as a list (so a broken file's duplicate or dangling
    edges can be held, shown and reported rather than lost)."""

    def __init__(self, nodes: list[Node] | None = None, edges: list[Edge] | None = None,
                 blocks: list[Block] | None = None):
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.blocks: dict[str, Block] = {block.id: block for block in blocks or []}
        for node in nodes or []:
            self.add_node(node)
        for edge in edges or []:
            self.edges.append(edge)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Graph) and list(self.nodes.values()) == list(
            other.nodes.values()) and self.edges == other.edges
            and list(self.blocks.values()) == list(other.blocks.values()))

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges)"

    def copy(self) -> Graph:
        return copy.deepcopy(self)

    def add_node(self, node: Node) -> Node:
        if node.id in self.nodes:
            raise ValueError(f"a node named '{node.id}' already exists")
        self.nodes[node.id] = node
        return node

    def insert_node(self, node: Node, index: int) -> None:
        """Put a node back at its old place in the order (undo keeps files identical)."""
        if node.id in self.nodes:
            raise ValueError(f"a node named '{node.id}' already exists")
        items = list(self.nodes.items())
        items.insert(index, (node.id, node))
        self.nodes = dict(items)

    def insert_edge(self, edge: Edge, index: int) -> None:
        self.edges.insert(index, edge)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.nodes.pop(node_id)
        removed = [e for e in self.edges if node_id in (e.source, e.target)]
        self.edges = [e for e in self.edges if node_id not in (e.source, e.target)]
        return node, removed

    def add_edge(self, edge: Edge) -> Edge:
        self.edges.append(edge)
        return edge

    def remove_edge(self, edge: Edge) -> None:
        self.edges.remove(edge)

    def rename_node(self, old: str, new: str) -> None:
        if new in self.nodes:
            raise ValueError(f"a node named '{new}' already exists")
        self.nodes = {(new if k == old else k): v for k, v in self.nodes.items()}
        self.nodes[new].id = new
        self.edges = [Edge(new if e.source == old else e.source,
                           new if e.target == old else e.target, e.target_port)
                      for e in self.edges]
        for block in self.blocks.values():
            block.rename(old, new)
        for node in self.nodes.values():
            # a layer that uses the renamed one's weights (engine.catalogue.SHARES; the
            # graph stays free of the catalogue, which brings torch)
            if node.params.get("shares") == old:
                node.params = {**node.params, "shares": new}

    def incoming(self, node_id: str) -> list[Edge]:
        """Edges into a node, ordered by target port."""
        return sorted((e for e in self.edges if e.target == node_id),
                      key=lambda e: e.target_port)

    def sources(self) -> dict[str, list[str]]:
        """For every node, the nodes feeding it, ordered by port: one pass over the edges,
        for walks over a whole graph where incoming() per node would be quadratic."""
        feeding: dict[str, list[Edge]] = {node_id: [] for node_id in self.nodes}
        for edge in self.edges:
            feeding.setdefault(edge.target, []).append(edge)
        return {node_id: [e.source for e in sorted(edges, key=lambda e: e.target_port)]
                for node_id, edges in feeding.items()}

    def outgoing(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id]

    def unique_id(self, base: str) -> str:
        return unique_id(base, self.nodes)

    def to_networkx(self) -> nx.DiGraph:
        """The connections between existing nodes, one edge per connected pair."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((e.source, e.target) for e in self.edges
                             if e.source in self.nodes and e.target in self.nodes)
        return graph
