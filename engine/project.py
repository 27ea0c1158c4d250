"""Project files, format 3: one UTF-8 JSON document per network (see DESIGN.md). Format 2
added the graph's "blocks", format 3 the "sweep" (what a search varies); older files are
migrated on load (they have neither), and a project without a sweep is still written as
format 2, which older versions read.

Loading reads data only (json, never pickle or eval). Every way a file can be broken ends in
ProjectError with sentences a person can act on. Saving is atomic.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.blocks import Block
from engine.catalogue import spec_for
from engine.graph import Edge, Graph, Node
from engine.storage import write_atomically

FORMAT = "netdesigner.project"
VERSION = 3
VERSION_WITHOUT_SWEEP = 2
EXTENSION = ".ndproj"

TOP_KEYS = {"format", "version", "name", "graph", "training", "sweep"}
NODE_KEYS = {"id", "type", "params", "position"}
EDGE_KEYS = {"source", "target", "target_port"}
BLOCK_KEYS = {"id", "nodes", "name", "repeat", "collapsed", "position", "inputs"}


class ProjectError(Exception):
    """A project file that cannot be read; `problems` holds one sentence per fault."""

    def __init__(self, problems: list[str] | str, source: str = ""):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))


@dataclass
class Project:
    name: str = "Untitled"
    graph: Graph = field(default_factory=Graph)
    training: dict[str, Any] | None = None
    path: Path | None = None
    """Where it was loaded from or last saved to; relative dataset paths start here."""
    sweep: dict[str, Any] | None = None
    """What a sweep varies and how it searches (engine.sweeps reads it)."""

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Project) and self.name == other.name
                and self.graph == other.graph and self.training == other.training
                and self.sweep == other.sweep)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_project(text: str, source: str = "", default_name: str = "Untitled") -> Project:
    """Build a Project from the text of a project file, or raise ProjectError."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        where = ""
        if isinstance(error, json.JSONDecodeError):
            where = f" (line {error.lineno}, column {error.colno}: {error.msg})"
            if error.pos >= len(text.rstrip()):
                where = " (it ends too early: the file looks truncated)"
        raise ProjectError(f"this is not a valid project file: it is not JSON{where}",
                           source) from None
    return project_from_dict(data, source, default_name)


def project_from_dict(data: Any, source: str = "", default_name: str = "Untitled") -> Project:
    if not isinstance(data, dict):
        raise ProjectError("this is not a Netdesigner project: the file holds JSON but not an "
                           "object with \"format\": \"netdesigner.project\"", source)
    if data.get("format") != FORMAT:
        raise ProjectError("this is not a Netdesigner project: its \"format\" is "
                           f"{data.get('format')!r}, expected {FORMAT!r}", source)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"the project's \"version\" is {version!r}; expected a whole "
                           "number such as 1", source)
    if version > VERSION:
        raise ProjectError(f"this project was saved by a newer Netdesigner (file format "
                           f"version {version}); this version reads up to version {VERSION}. "
                           "Update Netdesigner to open it.", source)

    try:
        broken = _broken_text(data)
    except RecursionError:
        raise ProjectError("this is not a valid project file: it is nested far too deeply",
                           source) from None
    if broken:
        raise ProjectError(f"\"{broken}\" holds a character that is not valid Unicode (a lone "
                           "surrogate such as \\ud800, which no file or terminal can show); "
                           "remove it", source)
    data = _migrated(data)
    problems: list[str] = []
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        problems.append(f"unknown top-level key(s) {', '.join(map(repr, unknown))}; a project "
                        f"holds {', '.join(sorted(TOP_KEYS))}")
    name = data.get("name", default_name)
    if not isinstance(name, str):
        problems.append(f"\"name\" must be text, not {name!r}")
        name = default_name
    training = _section(data, "training", "an object of training settings",
                        "training settings go", " (a dataset's options inside \"training\" "
                        "take three)", problems)
    sweep = _section(data, "sweep", "an object with a \"vary\" list", "a sweep goes", "",
                     problems)

    graph_data = data.get("graph")
    if not isinstance(graph_data, dict):
        problems.append("\"graph\" is missing or not an object with \"nodes\" and \"edges\"")
        raise ProjectError(problems, source)
    unknown = sorted(set(graph_data) - {"nodes", "edges", "blocks"})
    if unknown:
        problems.append(f"unknown key(s) in \"graph\": {', '.join(map(repr, unknown))}")
    nodes = _read_nodes(graph_data.get("nodes", []), problems)
    edges = _read_edges(graph_data.get("edges", []), problems)
    blocks = _read_blocks(graph_data.get("blocks", []), problems)
    if problems:
        raise ProjectError(problems, source)
    return Project(name=name, graph=Graph(nodes, edges, blocks), training=training,
                   sweep=sweep)


def _section(data: dict[str, Any], key: str, what: str, goes: str, example: str,
             problems: list[str]) -> dict[str, Any] | None:
    """A top-level object of settings ("training", "sweep"), or None with the problem."""
    section = data.get(key)
    if section is None:
        return None
    if not isinstance(section, dict):
        problems.append(f"\"{key}\" must be {what}")
        return None
    if nesting(section) > MAX_SETTINGS_DEPTH:
        problems.append(f"\"{key}\" is nested {nesting(section)} levels deep; {goes} at "
                        f"most {MAX_SETTINGS_DEPTH} levels deep{example}")
        return None
    return section


def _broken_text(value: Any, where: str = "") -> str | None:
    """Where the data holds text that cannot be written as UTF-8, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        label = (f"{where}[{key}]" if isinstance(key, int) else
                 f"{where}.{key}" if where else str(key))
        found = (_broken_text(key, where or "a key") if isinstance(key, str) else None) \
            or _broken_text(item, label)
        if found:
            return found
    return None


def _migrated(data: dict[str, Any]) -> dict[str, Any]:
    """The file's data in the current format. Version 1 → 2: no blocks; 2 → 3: no sweep."""
    if data["version"] == 1:
        data = dict(data, version=2)
        if isinstance(data.get("graph"), dict):
            data["graph"] = dict(data["graph"], blocks=data["graph"].get("blocks", []))
    if data["version"] == 2:
        data = dict(data, version=3)
    return data


def _read_blocks(items: Any, problems: list[str]) -> list[Block]:
    if not isinstance(items, list):
        problems.append("\"graph.blocks\" must be a list of blocks")
        return []
    blocks: list[Block] = []
    for index, item in enumerate(items):
        block_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(block_id, str) or not block_id:
            problems.append(f"block {index + 1} is not an object with an \"id\" and \"nodes\"")
            continue
        label = f"block '{block_id}'"
        unknown = sorted(set(item) - BLOCK_KEYS)
        if unknown:
            problems.append(f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; a "
                            f"block has {', '.join(sorted(BLOCK_KEYS))}")
        members, name = item.get("nodes"), item.get("name", "")
        repeat, collapsed = item.get("repeat", 1), item.get("collapsed", True)
        position = _position(item.get("position"))
        inputs = _block_inputs(item.get("inputs", []))
        if inputs is None:
            problems.append(f"{label}: \"inputs\" must be a list of [[node id, port], ...] "
                            "lists, one per input of the block")
        elif not isinstance(members, list) or not all(isinstance(n, str) for n in members):
            problems.append(f"{label}: \"nodes\" must be a list of node ids")
        elif not isinstance(name, str) or not isinstance(collapsed, bool):
            problems.append(f"{label}: \"name\" must be text and \"collapsed\" true or false")
        elif not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            problems.append(f"{label}: \"repeat\" must be a whole number ≥ 1")
        elif position is False:
            problems.append(f"{label}: \"position\" must be [x, y], two numbers")
        elif block_id in {b.id for b in blocks}:
            problems.append(f"{label}: the id is used by two blocks; ids must be unique")
        else:
            blocks.append(Block(block_id, list(members), name, repeat, collapsed,
                                position or None, inputs))
    return blocks


def _block_inputs(value: Any) -> list[list[tuple[str, int]]] | None:
    if not isinstance(value, list):
        return None
    inputs = []
    for feeds in value:
        if not isinstance(feeds, list) or not all(
                isinstance(f, list) and len(f) == 2 and isinstance(f[0], str)
                and isinstance(f[1], int) and not isinstance(f[1], bool) and f[1] >= 0
                for f in feeds):
            return None
        inputs.append([(f[0], f[1]) for f in feeds])
    return inputs


def _position(value: Any) -> tuple[float, float] | bool | None:
    """[x, y] as a tuple, None when absent, False when malformed."""
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value)):
        return False
    return (float(value[0]), float(value[1]))


def _read_nodes(items: Any, problems: list[str]) -> list[Node]:
    if not isinstance(items, list):
        problems.append("\"graph.nodes\" must be a list of nodes")
        return []
    nodes: list[Node] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        label = f"node {index + 1}"
        if not isinstance(item, dict):
            problems.append(f"{label} is not an object with \"id\" and \"type\"")
            continue
        node_id = item.get("id")
        if not isinstance(node_id, str) or not node_id:
            problems.append(f"{label} has no \"id\" (a non-empty name)")
            continue
        label = f"node '{node_id}'"
        if node_id in seen:
            problems.append(f"{label}: the id is used by two nodes; ids must be unique")
            continue
        seen.add(node_id)
        unknown = sorted(set(item) - NODE_KEYS)
        if unknown:
            problems.append(f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; a node "
                            f"has {', '.join(sorted(NODE_KEYS))}")
        layer_type = item.get("type")
        if not isinstance(layer_type, str) or not layer_type:
            problems.append(f"{label} has no \"type\" (a layer name such as \"Conv2d\")")
            continue
        params = item.get("params", {})
        if not isinstance(params, dict):
            problems.append(f"{label}: \"params\" must be an object of parameter values")
            continue
        position = _position(item.get("position"))
        if position is False:
            problems.append(f"{label}: \"position\" must be [x, y], two numbers")
            continue
        nodes.append(Node(node_id, layer_type, dict(params), position))
    return nodes


def _read_edges(items: Any, problems: list[str]) -> list[Edge]:
    if not isinstance(items, list):
        problems.append("\"graph.edges\" must be a list of edges")
        return []
    edges: list[Edge] = []
    for index, item in enumerate(items):
        label = f"edge {index + 1}"
        if not isinstance(item, dict):
            problems.append(f"{label} is not an object with \"source\" and \"target\"")
            continue
        source, target = item.get("source"), item.get("target")
        if not isinstance(source, str) or not isinstance(target, str):
            problems.append(f"{label} needs \"source\" and \"target\" node ids")
            continue
        label = f"edge {source} → {target}"
        unknown = sorted(set(item) - EDGE_KEYS)
        if unknown:
            problems.append(f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; an edge "
                            f"has {', '.join(sorted(EDGE_KEYS))}")
        port = item.get("target_port", 0)
        if not isinstance(port, int) or isinstance(port, bool) or port < 0:
            problems.append(f"{label}: \"target_port\" must be a whole number ≥ 0")
            continue
        edges.append(Edge(source, target, port))
    return edges


MAX_SETTINGS_DEPTH = 16


def nesting(value: Any) -> int:
    """How many levels of lists and objects `value` has (a number is 0, [1] is 1), counted
    without recursion, so that any depth a JSON parser accepts can be measured."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
            deepest = max(deepest, depth + 1)
    return deepest


MAX_PROJECT_BYTES = 256 * 1024**2
"""Far beyond any network a person draws; a larger "project" is something else."""


def load_project(path: str | os.PathLike[str]) -> Project:
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise ProjectError("this is not a regular file (a pipe or a device never ends); "
                               "give a project file", str(path))
        if info.st_size > MAX_PROJECT_BYTES:
            raise ProjectError(f"this file holds {info.st_size:,} bytes, far more than a "
                               "project; it is not a Netdesigner project", str(path))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError("no such file", str(path)) from None
    except IsADirectoryError:
        raise ProjectError("this is a folder, not a project file", str(path)) from None
    except OSError as error:
        raise ProjectError(f"cannot be read: {error.strerror}", str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectError("this is not a valid project file: it is not UTF-8 text",
                           str(path)) from None
    project = parse_project(text, str(path), default_name=path.stem)
    project.path = path
    return project


def project_to_dict(project: Project) -> dict[str, Any]:
    nodes = []
    for node in project.graph.nodes.values():
        spec = spec_for(node.type)
        entry: dict[str, Any] = {"id": node.id, "type": node.type,
                                 "params": spec.non_defaults(node.params) if spec
                                 else dict(node.params)}
        if node.position is not None:
            entry["position"] = [_tidy(node.position[0]), _tidy(node.position[1])]
        nodes.append(entry)
    edges = []
    for edge in project.graph.edges:
        entry = {"source": edge.source, "target": edge.target}
        if edge.target_port:
            entry["target_port"] = edge.target_port
        edges.append(entry)
    version = VERSION if project.sweep is not None else VERSION_WITHOUT_SWEEP
    data: dict[str, Any] = {"format": FORMAT, "version": version, "name": project.name,
                            "graph": {"nodes": nodes, "edges": edges}}
    if project.graph.blocks:
        data["graph"]["blocks"] = [_block_entry(b) for b in project.graph.blocks.values()]
    if project.training is not None:
        data["training"] = project.training
    if project.sweep is not None:
        data["sweep"] = project.sweep
    return data


def _block_entry(block: Block) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": block.id, "nodes": list(block.nodes)}
    if block.name:
        entry["name"] = block.name
    if block.repeat != 1:
        entry["repeat"] = block.repeat
    if not block.collapsed:
        entry["collapsed"] = False
    if block.inputs:
        entry["inputs"] = [[[n, port] for n, port in feeds] for feeds in block.inputs]
    if block.position is not None:
        entry["position"] = [_tidy(block.position[0]), _tidy(block.position[1])]
    return entry


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def dumps_project(project: Project) -> str:
    """The file text: readable, one node or edge per line so that diffs stay small."""
    data = project_to_dict(project)
    lines = ["{"]
    for key in ("format", "version", "name"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(data[key], ensure_ascii=False)},")
    lines.append('  "graph": {')
    keys = list(data["graph"])
    for key in keys:
        items = data["graph"][key]
        rows = [f"      {json.dumps(item, ensure_ascii=False)}" for item in items]
        body = (",\n".join(rows) + "\n    ") if rows else ""
        lines.append(f'    "{key}": [' + ("\n" if rows else "") + body + "]"
                     + ("," if key != keys[-1] else ""))
    sections = [key for key in ("training", "sweep") if key in data]
    lines.append("  }" + ("," if sections else ""))
    for key in sections:
        lines.append(f'  "{key}": ' + _section_text(data[key])
                     + ("," if key != sections[-1] else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _section_text(section: dict[str, Any]) -> str:
    """One setting per line; a list of objects (what a sweep varies) one item per line."""
    if not section:
        return "{}"
    settings = []
    for key, value in section.items():
        text = json.dumps(value, ensure_ascii=False)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n".join(f"      {json.dumps(v, ensure_ascii=False)}" for v in value)
            text = "[\n" + items + "\n    ]"
        settings.append(f"    {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(settings) + "\n  }"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write atomically, so a crash never leaves a half-written project."""
    path = Path(path)
    write_atomically(path, dumps_project(project))
    project.path = path
