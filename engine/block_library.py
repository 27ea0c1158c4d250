"""Block files: a block saved on its own (`.ndblock`, UTF-8 JSON) so that it can be dropped
into any project, like a layer from the palette.

    {"format": "netdesigner.block", "version": 1, "name": "ResidualBlock",
     "description": "...", "repeat": 1,
     "graph": {"nodes": [...], "edges": [...]},      # as in a project, ids local to the block
     "inputs": [[["conv1", 0], ["add", 1]]]}          # per block input, the ports it feeds

Shipped blocks live in projects/blocks/; the user's own in a folder they choose.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.blocks import Block, interface
from engine.catalogue import spec_for
from engine.catalogue.sharing import renamed as shared_renamed
from engine.editing import fragment
from engine.graph import Edge, Graph, Node, id_problem, unique_id
from engine.project import ProjectError, _block_inputs, _read_edges, _read_nodes, _tidy
from engine.storage import write_atomically

BLOCK_FORMAT = "netdesigner.block"
BLOCK_VERSION = 1
BLOCK_EXTENSION = ".ndblock"
SHIPPED_BLOCKS = Path(__file__).resolve().parent.parent / "projects" / "blocks"


@dataclass
class BlockTemplate:
    name: str
    description: str
    graph: Graph
    inputs: list[list[tuple[str, int]]]
    repeat: int = 1
    path: Path | None = None


def template_of(graph: Graph, block: Block, description: str = "") -> BlockTemplate:
    """What saving `block` keeps: its members under their local names, the edges among
    them and where its inputs go."""
    inner = fragment(graph, block.nodes)
    renamed = Graph()
    local = {n: block.local_name(n) for n in block.nodes}
    for node in inner.nodes.values():
        position = node.position
        renamed.add_node(Node(local[node.id], node.type, copy.deepcopy(node.params), position))
    renamed.edges = [Edge(local[e.source], local[e.target], e.target_port) for e in inner.edges]
    feeds = block.inputs or [[(e.target, e.target_port) for e in interface(graph, block).entries]]
    inputs = [[(local[n], port) for n, port in group if n in local] for group in feeds]
    return BlockTemplate(block.name or block.class_name, description, renamed, inputs,
                         block.repeat)


def block_to_text(template: BlockTemplate) -> str:
    nodes = []
    for node in template.graph.nodes.values():
        spec = spec_for(node.type)
        params = spec.non_defaults(node.params) if spec else dict(node.params)
        entry: dict[str, Any] = {"id": node.id, "type": node.type, "params": params}
        if node.position is not None:
            entry["position"] = [_tidy(node.position[0]), _tidy(node.position[1])]
        nodes.append(entry)
    edges = [{"source": e.source, "target": e.target}
             | ({"target_port": e.target_port} if e.target_port else {})
             for e in template.graph.edges]
    data = {"format": BLOCK_FORMAT, "version": BLOCK_VERSION, "name": template.name,
            "description": template.description, "repeat": template.repeat,
            "graph": {"nodes": nodes, "edges": edges},
            "inputs": [[[n, port] for n, port in feeds] for feeds in template.inputs]}
    return _compact_json(data) + "\n"


def _compact_json(value: Any, indent: str = "") -> str:
    """Objects and lists of objects spread one item per line; everything else on one line,
    so that a block file reads (and diffs) like a project file."""
    def dump(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    if isinstance(value, dict) and any(isinstance(v, (dict, list)) for v in value.values()):
        inner = indent + "  "
        items = [f"{inner}{dump(k)}: {_compact_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dump(v) for v in value) + f"\n{indent}]"
    return dump(value)


def save_block(template: BlockTemplate, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    write_atomically(path, block_to_text(template))
    template.path = path
    return path


def load_block(path: str | os.PathLike[str]) -> BlockTemplate:
    """Read a block file, or raise ProjectError with one sentence per fault."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise ProjectError(f"cannot be read: {error.strerror or error}", str(path)) from None
    except (ValueError, RecursionError):
        raise ProjectError("this is not a valid block file: it is not JSON text",
                           str(path)) from None
    if not isinstance(data, dict) or data.get("format") != BLOCK_FORMAT:
        raise ProjectError(f"this is not a Netdesigner block: it needs \"format\": "
                           f"\"{BLOCK_FORMAT}\"", str(path))
    if data.get("version") != BLOCK_VERSION:
        raise ProjectError(f"block file version {data.get('version')!r} is not one this "
                           f"Netdesigner reads ({BLOCK_VERSION})", str(path))
    problems: list[str] = []
    name, description = data.get("name"), data.get("description", "")
    repeat = data.get("repeat", 1)
    if not isinstance(name, str) or not name or not isinstance(description, str):
        problems.append("\"name\" and \"description\" must be text, and the name not empty")
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        problems.append("\"repeat\" must be a whole number ≥ 1")
    graph_data = data.get("graph")
    if not isinstance(graph_data, dict):
        raise ProjectError([*problems, '"graph" must hold "nodes" and "edges"'], str(path))
    nodes = _read_nodes(graph_data.get("nodes", []), problems)
    edges = _read_edges(graph_data.get("edges", []), problems)
    inputs = _block_inputs(data.get("inputs", []))
    ids = {n.id for n in nodes}
    if inputs is None:
        problems.append("\"inputs\" must be a list of [[node id, port], ...] lists")
    elif any(n not in ids for feeds in inputs for n, _ in feeds):
        problems.append("\"inputs\" names a node the block does not have")
    if any(e.source not in ids or e.target not in ids for e in edges):
        problems.append("an edge joins a node the block does not have")
    if not nodes:
        problems.append("the block has no layers")
    if problems:
        raise ProjectError(problems, str(path))
    return BlockTemplate(name, description, Graph(nodes, edges), inputs or [], repeat, path)


def library(*folders: Path) -> list[BlockTemplate]:
    """Every readable block in the folders, by name; unreadable files are left out (the
    palette says which when it lists them)."""
    found: list[BlockTemplate] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{BLOCK_EXTENSION}")):
            try:
                found.append(load_block(path))
            except ProjectError:
                continue
    return found


def placed(graph: Graph, template: BlockTemplate,
           at: tuple[float, float] = (0.0, 0.0)) -> tuple[list[Node], list[Edge], Block]:
    """The template's nodes, edges and block, named so that they fit into `graph`: the block
    gets a free id from its name and each member the block id as a prefix."""
    taken = set(graph.nodes) | set(graph.blocks)
    # a block file's name is already in snake case ("conv_bn_relu"); a class name is not
    stem = template.path.stem if template.path else re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_",
                                                           template.name)
    block_id = unique_id(stem, taken)
    taken.add(block_id)
    names: dict[str, str] = {}
    origin = _top_left(template.graph)
    nodes = []
    for node in template.graph.nodes.values():
        wanted = f"{block_id}_{node.id}"
        new_id = wanted if wanted not in taken and id_problem(wanted) is None \
            else unique_id(wanted, taken)
        taken.add(new_id)
        names[node.id] = new_id
        x, y = node.position or (0.0, 0.0)
        nodes.append(Node(new_id, node.type, copy.deepcopy(node.params),
                          (at[0] + x - origin[0], at[1] + y - origin[1])))
    for node in nodes:
        node.params = shared_renamed(node.params, names)
    edges = [Edge(names[e.source], names[e.target], e.target_port) for e in template.graph.edges]
    inputs = [[(names[n], port) for n, port in feeds] for feeds in template.inputs]
    block = Block(block_id, [n.id for n in nodes], template.name, template.repeat, True, at,
                  inputs)
    return nodes, edges, block


def _top_left(graph: Graph) -> tuple[float, float]:
    positions = [n.position for n in graph.nodes.values() if n.position is not None]
    if not positions:
        return (0.0, 0.0)
    return (min(p[0] for p in positions), min(p[1] for p in positions))
