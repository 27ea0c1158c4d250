"""Turning what people type into parameter values.

Pure functions, no Qt: each accepts the spellings a person is likely to type and raises the
parameter's own ParamError for anything else, so the message says what would fit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.catalogue import FloatParam, Param, ParamError, SizeParam


def parse_int_list(text: str, param: Param) -> list[int]:
    """'1, 28, 28', '[1, 28, 28]', '(1 28 28)' → [1, 28, 28]; anything else raises the
    parameter's own ParamError so the message says what would fit."""
    inner = text.strip()
    if inner[:1] in "[(" and inner[-1:] in "])":
        inner = inner[1:-1]
    tokens = [t for t in re.split(r"[,\s]+", inner.strip()) if t]
    if not tokens or not all(re.fullmatch(r"[+-]?\d+", t) for t in tokens):
        raise param.fail(text.strip())
    return [int(t) for t in tokens]


def parse_size(text: str, param: SizeParam) -> Any:
    """'3' → 3, '3, 3' or '[3, 3]' → [3, 3], a keyword (any case) → the keyword, and for an
    optional size '' or 'none' → None."""
    stripped = text.strip()
    lowered = stripped.casefold()
    if param.optional and lowered in ("", "none", "null"):
        return None
    for keyword in param.keywords:
        if lowered == keyword.casefold():
            return keyword
    numbers = parse_int_list(stripped, param)
    return numbers[0] if len(numbers) == 1 else numbers


def parse_float(text: str, param: FloatParam) -> float:
    """Python's float syntax, so '1e-5', '.5' and '0.001' all work."""
    try:
        return float(text.strip())
    except ValueError:
        raise param.fail(text.strip()) from None


def parse_json(text: str, param: Param) -> Any:
    """JSON, checked by the parameter (an operation's arguments)."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ParamError(f"{param.name} is not JSON: {error}") from None
    return param.check(value)
