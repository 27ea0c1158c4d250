"""Blocks: named groups of nodes that the canvas can collapse into one node, that export
writes as one nn.Module class, and that can repeat (unrolled when the network is built).

The graph stays flat: a block only names its members, so every edit, validation rule and
layer of the catalogue works inside a block as it does outside. Blocks nest as the code
they stand for nests (a ResNet stage holding its BasicBlocks): a block inside another lists
a part of its members, so the tree follows from the member lists and cannot disagree with
them. A repeated block's copies exist only in the unrolled graph that analysis, compile and
export read.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from engine.graph import Edge, Graph

MAX_REPEAT = 1000


@dataclass
class Block:
    id: str
    nodes: list[str]
    """Member node ids, in the graph's order."""
    name: str = ""
    """The class name export writes for it; blocks with one name and one structure share
    a class. Empty: derived from the id."""
    repeat: int = 1
    collapsed: bool = True
    position: tuple[float, float] | None = None
    """Where the collapsed block sits; None: where its members are."""
    inputs: list[list[tuple[str, int]]] = field(default_factory=list)
    """For each input of the block, the (member, port) pairs it feeds: where a connection
    made to the collapsed block goes, even before anything is connected."""

    @property
    def class_name(self) -> str:
        text = self.name or self.id
        words = "".join(c if c.isalnum() else " " for c in text).split()
        name = "".join(w[:1].upper() + w[1:] for w in words)
        return name if name and name[0].isalpha() else f"Block{name}"

    def rename(self, old: str, new: str) -> None:
        self.nodes = [new if n == old else n for n in self.nodes]
        self.inputs = [[(new if n == old else n, port) for n, port in feeds]
                       for feeds in self.inputs]

    def local_name(self, node_id: str) -> str:
        """A member's name inside the block's class: its id without the block's prefix."""
        from engine.graph import id_problem

        prefix = f"{self.id}_"
        local = node_id[len(prefix):] if node_id.startswith(prefix) else node_id
        return local if local and id_problem(local) is None else node_id


@dataclass
class Interface:
    """How a block meets the rest of the network."""

    inputs: list[str]
    """Nodes outside the block that feed it, in order of first use."""
    entries: list[Edge]
    """The edges that bring them in."""
    outputs: list[str]
    """Members whose output leaves the block (or leaves the network)."""
    exits: list[Edge] = field(default_factory=list)


def interface(graph: Graph, block: Block) -> Interface:
    members = set(block.nodes)
    entries = [e for e in graph.edges if e.target in members and e.source not in members]
    exits = [e for e in graph.edges if e.source in members and e.target not in members]
    feeding_inside = {e.source for e in graph.edges if e.source in members
                      and e.target in members}
    inputs = list(dict.fromkeys(e.source for e in entries))
    outputs = [n for n in block.nodes if n in graph.nodes and (
        any(e.source == n for e in exits) or n not in feeding_inside)]
    return Interface(inputs, entries, outputs, exits)


def interfaces(graph: Graph) -> dict[str, Interface]:
    """Every block's interface, in one pass over the edges (for large graphs)."""
    chain_of = chains(graph)
    found = {block_id: Interface([], [], []) for block_id in graph.blocks}
    inside: dict[str, set[str]] = {block_id: set() for block_id in graph.blocks}
    for edge in graph.edges:
        sources, targets = chain_of.get(edge.source, []), chain_of.get(edge.target, [])
        for block_id in sources:
            if block_id in targets:
                inside[block_id].add(edge.source)
            else:
                found[block_id].exits.append(edge)
        for block_id in targets:
            if block_id not in sources:
                found[block_id].entries.append(edge)
    for block_id, block in graph.blocks.items():
        each = found[block_id]
        each.inputs = list(dict.fromkeys(e.source for e in each.entries))
        leaving = {e.source for e in each.exits}
        each.outputs = [n for n in block.nodes if n in graph.nodes and (
            n in leaving or n not in inside[block_id])]
    return found


def entry_points(graph: Graph, node_ids: list[str]) -> list[list[tuple[str, int]]]:
    """For nodes about to become a block: the (member, port) pairs each outside source
    feeds, in order of first use."""
    members = set(node_ids)
    feeds: dict[str, list[tuple[str, int]]] = {}
    for edge in graph.edges:
        if edge.target in members and edge.source not in members:
            feeds.setdefault(edge.source, []).append((edge.target, edge.target_port))
    return list(feeds.values())


def input_edges(block: Block, source: str, index: int = 0) -> list[Edge]:
    """The edges that connect `source` to the block's input `index`."""
    from engine.graph import Edge

    return [Edge(source, member, port) for member, port in block.inputs[index]]


def membership(graph: Graph) -> dict[str, str]:
    """node id → the id of the innermost block it belongs to."""
    owner: dict[str, str] = {}
    for block in _largest_first(graph):
        owner |= dict.fromkeys(block.nodes, block.id)
    return owner


def chains(graph: Graph) -> dict[str, list[str]]:
    """node id → the ids of the blocks it belongs to, outermost first."""
    found: dict[str, list[str]] = {}
    for block in _largest_first(graph):
        for node_id in block.nodes:
            found.setdefault(node_id, []).append(block.id)
    return found


def ancestors(graph: Graph) -> dict[str, list[str]]:
    """block id → the ids of the blocks that hold it, outermost first."""
    chain_of = chains(graph)
    found: dict[str, list[str]] = {}
    for block in graph.blocks.values():
        chain = chain_of.get(block.nodes[0], []) if block.nodes else []
        found[block.id] = chain[:chain.index(block.id)] if block.id in chain else []
    return found


def parents(graph: Graph) -> dict[str, str | None]:
    """block id → the id of the block it sits in directly (None at the top)."""
    return {block_id: above[-1] if above else None
            for block_id, above in ancestors(graph).items()}


def children(graph: Graph, block_id: str | None) -> list[str]:
    """The blocks directly inside `block_id` (the top-level blocks for None), in order."""
    return [b for b, parent in parents(graph).items() if parent == block_id]


def _largest_first(graph: Graph) -> list[Block]:
    return sorted(graph.blocks.values(), key=lambda b: -len(b.nodes))


def block_problems(graph: Graph) -> list[tuple[Block, str]]:
    """What is wrong with the blocks themselves, one sentence each."""
    from engine.graph import id_problem

    problems: list[tuple[Block, str]] = []
    for block in graph.blocks.values():
        why = id_problem(block.id)
        if why:
            problems.append((block, f"the id '{block.id}' cannot name a block: {why}"))
        if block.id in graph.nodes:
            problems.append((block, f"a layer is also called '{block.id}'; rename the block"))
        missing = [n for n in block.nodes if n not in graph.nodes]
        if missing:
            problems.append((block, "lists " + ", ".join(f"'{n}'" for n in missing)
                             + " but the network has no such node; ungroup and group again"))
        if not isinstance(block.repeat, int) or not 1 <= block.repeat <= MAX_REPEAT:
            problems.append((block, f"repeat must be a whole number from 1 to {MAX_REPEAT}, "
                             f"not {block.repeat!r}"))
    problems += _nesting_problems(graph)
    sound = [b for b in graph.blocks.values()
             if b.nodes and all(n in graph.nodes for n in b.nodes)]
    if sound:
        found, looping = interfaces(graph), _on_cycles(graph)
        for block in sound:
            problems += [(block, text) for text in _shape_problems(
                graph, block, found[block.id], block.id in looping)]
    return problems


def _nesting_problems(graph: Graph) -> list[tuple[Block, str]]:
    """Blocks that share layers must be one inside the other, and neither may repeat."""
    problems: list[tuple[Block, str]] = []
    members = {b.id: set(b.nodes) for b in graph.blocks.values()}
    sharing: dict[str, set[str]] = {}
    for block in graph.blocks.values():
        for node_id in block.nodes:
            sharing.setdefault(node_id, set()).add(block.id)
    reported: set[tuple[str, str]] = set()
    for holders in sharing.values():
        for first in sorted(holders):
            for second in sorted(holders - {first}):
                if (first, second) in reported or (second, first) in reported:
                    continue
                reported.add((first, second))
                a, b = graph.blocks[first], graph.blocks[second]
                if members[first] == members[second]:
                    problems.append((a, f"holds the same layers as block '{second}'; "
                                     "ungroup one of them"))
                elif not (members[first] < members[second] or members[second] < members[first]):
                    shared = next(n for n in a.nodes if n in members[second])
                    problems.append((a, f"shares '{shared}' with block '{second}', but "
                                     "neither holds the other: a layer belongs to one block "
                                     "and the blocks it sits in"))
                elif a.repeat != 1 or b.repeat != 1:
                    repeated = a if a.repeat != 1 else b
                    problems.append((repeated, f"repeats {repeated.repeat} times and "
                                     "holds or sits in another block; a repeated block "
                                     "stands alone: ungroup the other block or repeat once"))
    return problems


def _shape_problems(graph: Graph, block: Block, found: Interface, looping: bool) -> list[str]:
    problems = []
    if len(found.outputs) != 1:
        problems.append(f"gives {len(found.outputs)} outputs ("
                        + ", ".join(f"'{n}'" for n in found.outputs)
                        + "); a block gives one output: take the others out of the block")
    if any(graph.nodes[n].type == "Input" for n in block.nodes):
        problems.append("holds an Input; a block takes its inputs from the network")
    if looping:
        problems.append("its output flows back into it through layers outside it; take "
                        "those layers into the block or out of its path")
    if block.repeat != 1 and len(found.inputs) != 1:
        problems.append(f"repeats {block.repeat} times but takes {len(found.inputs)} inputs; "
                        "a repeated block feeds itself, so it needs exactly one input")
    return problems


def _on_cycles(graph: Graph) -> set[str]:
    """The blocks that, each taken as one node (at its depth of nesting), lie on a cycle."""
    chain_of = chains(graph)
    depth = max((len(c) for c in chain_of.values()), default=0)
    looping: set[str] = set()
    for level in range(depth):
        def unit(node_id: str, level: int = level) -> str:
            chain = chain_of.get(node_id, [])
            return chain[level] if len(chain) > level else node_id

        collapsed = nx.DiGraph()
        for edge in graph.edges:
            source, target = unit(edge.source), unit(edge.target)
            if source != target:
                collapsed.add_edge(source, target)
        for component in nx.strongly_connected_components(collapsed):
            if len(component) > 1:
                looping |= component & set(graph.blocks)
    return looping


@dataclass
class Unrolled:
    graph: Graph
    origin: dict[str, str]
    """Copy id → the member it copies, for every node added by a repeat."""
    copies: dict[str, list[list[str]]]
    """Block id → for each repetition after the first, its members' ids (in block order)."""


def unroll(graph: Graph, problems: list[tuple[Block, str]] | None = None) -> Unrolled:
    """The graph with every repeated block written out: repetition k of member `m` is a
    node `m_r<k>` fed by repetition k-1's output. The graph itself when nothing repeats."""
    repeated = [b for b in graph.blocks.values() if isinstance(b.repeat, int) and b.repeat > 1]
    if not repeated or (block_problems(graph) if problems is None else problems):
        return Unrolled(graph, {}, {})
    unrolled = graph.copy()
    origin: dict[str, str] = {}
    copies: dict[str, list[list[str]]] = {}
    for block in repeated:
        found = interface(unrolled, block)
        (source,), (output,) = found.inputs, found.outputs
        previous_output = output
        last_member_index = max(list(unrolled.nodes).index(n) for n in block.nodes)
        copies[block.id] = []
        for k in range(2, block.repeat + 1):
            names = {m: unrolled.unique_id(f"{m}_r{k}") for m in block.nodes}
            for member in block.nodes:
                node = copy.deepcopy(unrolled.nodes[member])
                node.id = names[member]
                last_member_index += 1
                unrolled.insert_node(node, last_member_index)
                origin[node.id] = member
            for edge in graph.edges:
                if edge.target in names and edge.source in names:
                    unrolled.add_edge(type(edge)(names[edge.source], names[edge.target],
                                                 edge.target_port))
                elif edge.target in names and edge.source == source:
                    unrolled.add_edge(type(edge)(previous_output, names[edge.target],
                                                 edge.target_port))
            previous_output = names[output]
            copies[block.id].append([names[m] for m in block.nodes])
        unrolled.edges = [type(e)(previous_output, e.target, e.target_port)
                          if e in found.exits else e for e in unrolled.edges]
    return Unrolled(unrolled, origin, copies)


# -- edits: each returns a new graph, so the designer applies it (and undoes it) as one step


def grouped(graph: Graph, node_ids: list[str], name: str = "") -> tuple[Graph, str] | str:
    """The graph with `node_ids` made one collapsed block, and the block's id; or why they
    cannot be one. A block among the ids brings all its layers: the new block holds it."""
    from engine.graph import unique_id

    wanted = set(node_ids)
    for block_id in [i for i in node_ids if i in graph.blocks]:
        wanted |= set(graph.blocks[block_id].nodes)
    chosen = [n for n in graph.nodes if n in wanted]
    if not chosen:
        return "select the layers to group first"
    for block in graph.blocks.values():
        members = set(block.nodes)
        if members & wanted and not (members <= wanted or wanted <= members):
            cut = next(n for n in chosen if n in members)
            return (f"'{cut}' belongs to block '{block.id}', which the selection cuts: "
                    "select all of that block or none of it")
    block_id = unique_id("block", set(graph.nodes) | set(graph.blocks))
    spots = [graph.nodes[n].position for n in chosen if graph.nodes[n].position is not None]
    position = (min(p[0] for p in spots), min(p[1] for p in spots)) if spots else None
    edited = graph.copy()
    edited.blocks[block_id] = Block(block_id, chosen, name, 1, True, position,
                                    entry_points(graph, chosen))
    before = {m for _, m in block_problems(graph)}
    problems = [m for b, m in block_problems(edited) if m not in before and (
        b.id == block_id or f"'{block_id}'" in m)]
    if problems:
        return problems[0].replace("gives", "would give", 1).replace("holds", "would hold", 1)
    return edited, block_id


def ungrouped(graph: Graph, block_id: str) -> Graph:
    """The graph with the block's members as plain layers again."""
    edited = graph.copy()
    del edited.blocks[block_id]
    return edited


def changed_block(graph: Graph, block_id: str, **changes: object) -> Graph:
    """The graph with some of a block's fields (name, repeat, collapsed, position) changed."""
    edited = graph.copy()
    block = edited.blocks[block_id]
    for key, value in changes.items():
        setattr(block, key, value)
    return edited


def without(graph: Graph, ids: list[str]) -> Graph:
    """The graph without the given nodes and blocks (a block goes with its members), and
    without what would be left dangling: edges to them, emptied blocks."""
    doomed = set(ids)
    for block_id in [i for i in ids if i in graph.blocks]:
        doomed |= set(graph.blocks[block_id].nodes)
    edited = graph.copy()
    edited.nodes = {k: v for k, v in edited.nodes.items() if k not in doomed}
    edited.edges = [e for e in edited.edges if e.source not in doomed and e.target not in doomed]
    for block in list(edited.blocks.values()):
        block.nodes = [n for n in block.nodes if n not in doomed]
        block.inputs = [[f for f in feeds if f[0] not in doomed] for feeds in block.inputs]
        block.inputs = [feeds for feeds in block.inputs if feeds]
        if block.id in doomed or not block.nodes:
            del edited.blocks[block.id]
    return edited
