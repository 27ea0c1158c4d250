"""Where a traced op comes from in the user's code: its file and line (for messages) and the
variable its value is assigned to (for node ids, so `last = out[:, -1]` becomes node 'last').

torch.fx records the Python stack of each op when the tracer's record_stack_traces is set;
the innermost frame outside torch is the user's line.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
from dataclasses import dataclass

import torch
from torch import fx

FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in ')
TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
IMPORTER_DIR = os.path.dirname(__file__) + os.sep
"""The tracer's own frames (it runs each op as it records it) are not the user's."""


@dataclass(frozen=True)
class Location:
    file: str
    line: int


class SourceIndex:
    """Locations of fx nodes, written relative to how the user named their file."""

    def __init__(self, shown_names: dict[str, str] | None = None):
        self.shown_names = shown_names or {}
        """Real file name → the name messages use (the path as the user typed it)."""
        self._tables: dict[str, dict[int, tuple[int, str | None]]] = {}

    def location(self, node: fx.Node) -> Location | None:
        trace = node.meta.get("stack_trace") or ""
        user_frames = [Location(m["file"], int(m["line"])) for m in FRAME.finditer(trace)
                       if not m["file"].startswith((TORCH_DIR, IMPORTER_DIR))]
        return user_frames[-1] if user_frames else None

    def where(self, node: fx.Node | None, fallback: str) -> str:
        """'model.py:42' for a node traced from line 42 of model.py, else `fallback`."""
        location = self.location(node) if node is not None else None
        if location is None:
            return fallback
        return f"{self.show(location.file)}:{location.line}"

    def show(self, file: str) -> str:
        return self.shown_names.get(file, file)

    def statement(self, node: fx.Node) -> tuple[str, int] | None:
        """The statement (file, first line) that the node was traced from."""
        location = self.location(node)
        if location is None:
            return None
        found = self._table(location.file).get(location.line)
        return (location.file, found[0]) if found else None

    def assigned_name(self, node: fx.Node) -> str | None:
        """The variable the node's statement assigns to, when it is a plain `name = ...` and
        the name is assigned only there in its function (a `x = f(x)` chain names nothing)."""
        location = self.location(node)
        if location is None:
            return None
        found = self._table(location.file).get(location.line)
        return found[1] if found else None

    def _table(self, file: str) -> dict[int, tuple[int, str | None]]:
        if file not in self._tables:
            self._tables[file] = _statements(file)
        return self._tables[file]


def _statements(file: str) -> dict[int, tuple[int, str | None]]:
    """For every line of a file: the first line of the innermost statement covering it and
    the single name that statement gives a unique value to, if any."""
    # generated code (the compiler's) lives only in linecache; a user's file may have been
    # edited since linecache read it
    linecache.checkcache(file)
    lines = linecache.getlines(file)
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return {}
    table: dict[int, tuple[int, str | None]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        counts = _assignment_counts(function)
        for statement in ast.walk(function):
            if not isinstance(statement, ast.stmt) or statement is function:
                continue
            name = _single_target(statement)
            unique = name if name is not None and counts.get(name) == 1 else None
            end = statement.end_lineno or statement.lineno
            for line in range(statement.lineno, end + 1):
                known = table.get(line)
                # nested statements come later in the walk and are the innermost ones
                if known is None or known[0] <= statement.lineno:
                    table[line] = (statement.lineno, unique)
    return table


def _single_target(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _assignment_counts(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, int]:
    counts: dict[str, int] = {}
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        counts[argument.arg] = counts.get(argument.arg, 0) + 1
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts
