"""Python source written as ruff format would lay it out, for the exported files."""

from __future__ import annotations

import json
import re
from typing import Any

LINE_LIMIT = 88
"""Ruff's default, so that the files are clean in a folder without a ruff config."""


def literal(value: Any) -> str:
    """`value` as Python source; strings in double quotes like the rest of the code."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        items = ", ".join(literal(v) for v in value)
        if isinstance(value, list):
            return f"[{items}]"
        return f"({items},)" if len(value) == 1 else f"({items})"
    return repr(value)


def docstring_text(text: str) -> str:
    """`text` (a project's name, say) made safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def bracketed(head: str, items: list[str], indent: str, separator: str = ", ") -> str:
    """`head(items)` on one line when it fits, else as ruff format lays it out: the
    items on one line of their own, or one per line."""
    line = f"{indent}{head}({separator.join(items)})"
    if len(line) <= LINE_LIMIT:
        return line
    inner = indent + "    "
    if len(inner + separator.join(items)) <= LINE_LIMIT:
        body = inner + separator.join(items)
    elif separator == ", ":
        body = "\n".join(f"{inner}{item}," for item in items)
    else:  # an operator: one operand per line, the operator first
        operator = separator.strip()
        body = "\n".join(inner + (item if i == 0 else f"{operator} {item}")
                         for i, item in enumerate(items))
    return f"{indent}{head}(\n{body}\n{indent})"


def call(function: str, arguments: list[str], indent: str, prefix: str = "") -> str:
    return bracketed(prefix + function, arguments, indent)


def _top_level(text: str, separator: str) -> list[str]:
    """`text` split at the `separator`s outside brackets."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, i):
            pieces.append(text[start:i])
            start = i + len(separator)
            i = start
            continue
        i += 1
    return [*pieces, text[start:]]


def _closing(text: str, opening: int) -> int:
    """Where the bracket opened at `opening` closes, or -1."""
    depth = 0
    for i in range(opening, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def statement(line: str, indent: str) -> str:
    """A line of forward(), wrapped like ruff format does when it is too long (its own
    leading spaces, inside an if, add to the indent)."""
    stripped = line.lstrip(" ")
    indent, line = indent + line[:len(line) - len(stripped)], stripped
    if len(indent + line) <= LINE_LIMIT or " = " not in line:
        return indent + line
    target, expression = line.split(" = ", 1)
    whole_call = re.match(r"[\w.]+\(", expression)
    if whole_call and _closing(expression, whole_call.end() - 1) == len(expression) - 1:
        arguments = _top_level(expression[whole_call.end():-1], ", ")
        return bracketed(f"{target} = {expression[:whole_call.end() - 1]}", arguments,
                         indent)
    return bracketed(f"{target} = ", _top_level(expression, " + "), indent, " + ")
