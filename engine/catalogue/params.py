"""Parameter descriptions: what a layer accepts, its default, its range and its help text.

The inspector builds its form from these, validation checks project files against them and
the file format stores only values that differ from `default`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class ParamError(ValueError):
    """A parameter value that its description does not accept; the message says what would."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    help: str

    def check(self, value: Any) -> Any:
        """Return `value` in its canonical JSON form, or raise ParamError saying what fits."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short phrase for messages and tooltips, e.g. 'an integer from 1 to 4096'."""
        raise NotImplementedError

    def fail(self, value: Any) -> ParamError:
        return ParamError(f"{self.name} must be {self.describe()}, not {value!r}")


@dataclass(frozen=True)
class IntParam(Param):
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False
    """When optional, None (JSON null) is accepted and means what `help` says."""

    def check(self, value: Any) -> Any:
        if value is None and self.optional:
            return None
        if not _is_int(value):
            raise self.fail(value)
        if self.minimum is not None and value < self.minimum:
            raise self.fail(value)
        if self.maximum is not None and value > self.maximum:
            raise self.fail(value)
        return value

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            text = f"an integer from {self.minimum} to {self.maximum}"
        elif self.minimum is not None:
            text = f"an integer ≥ {self.minimum}"
        elif self.maximum is not None:
            text = f"an integer ≤ {self.maximum}"
        else:
            text = "an integer"
        return text + (" or null" if self.optional else "")


@dataclass(frozen=True)
class FloatParam(Param):
    minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: bool = False
    exclusive_minimum: bool = False

    def check(self, value: Any) -> Any:
        if not _is_number(value):
            raise self.fail(value)
        below = self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum))
        if below:
            raise self.fail(value)
        above = self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum))
        if above:
            raise self.fail(value)
        return float(value)

    def describe(self) -> str:
        upper = "below" if self.exclusive_maximum else "up to"
        lower = "above" if self.exclusive_minimum else "from"
        if self.minimum is not None and self.maximum is not None:
            return f"a number {lower} {self.minimum:g} {upper} {self.maximum:g}"
        if self.minimum is not None:
            return f"a number {'>' if self.exclusive_minimum else '≥'} {self.minimum:g}"
        return "a number"


@dataclass(frozen=True)
class BoolParam(Param):
    def check(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise self.fail(value)
        return value

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class ChoiceParam(Param):
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> Any:
        if value not in self.choices or not isinstance(value, str):
            raise self.fail(value)
        return value

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


@dataclass(frozen=True)
class SizeParam(Param):
    """An integer, or a list of `length` integers (one per spatial dimension): kernel sizes,
    strides, paddings. `keywords` are extra strings it accepts, such as 'same' for padding."""

    length: int = 1
    minimum: int = 0
    keywords: tuple[str, ...] = ()
    optional: bool = False

    def check(self, value: Any) -> Any:
        if value is None and self.optional:
            return None
        if isinstance(value, str) and value in self.keywords:
            return value
        if _is_int(value) and value >= self.minimum:
            return value
        if (isinstance(value, (list, tuple)) and len(value) == self.length
                and all(_is_int(v) and v >= self.minimum for v in value)):
            return list(value)
        raise self.fail(value)

    def describe(self) -> str:
        bound = "a positive integer" if self.minimum >= 1 else f"an integer ≥ {self.minimum}"
        text = bound if self.length == 1 else f"{bound} or a list of {self.length} of them"
        if self.keywords:
            text += " or " + " or ".join(repr(k) for k in self.keywords)
        if self.optional:
            text += " or null"
        return text

    def expand(self, value: Any) -> tuple[int, ...]:
        """The value as one integer per spatial dimension (keywords are not expanded)."""
        if isinstance(value, (list, tuple)):
            return tuple(value)
        return (value,) * self.length


@dataclass(frozen=True)
class IntListParam(Param):
    """A list of integers: a shape (no batch dimension) or a permutation of dimensions."""

    min_length: int = 1
    minimum: int = 1
    allow_minus_one: bool = False
    """Reshape's shape may hold one -1, meaning 'whatever is left'."""

    def check(self, value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) < self.min_length:
            raise self.fail(value)
        for item in value:
            if not _is_int(item):
                raise self.fail(value)
            if item < self.minimum and not (self.allow_minus_one and item == -1):
                raise self.fail(value)
        if self.allow_minus_one and list(value).count(-1) > 1:
            raise ParamError(f"{self.name} may hold at most one -1, not {list(value)!r}")
        return list(value)

    def describe(self) -> str:
        items = "positive integers" if self.minimum >= 1 else f"integers ≥ {self.minimum}"
        if self.allow_minus_one:
            items += " (one may be -1)"
        return f"a list of at least {self.min_length} {items}"


@dataclass(frozen=True)
class CallParam(Param):
    """The name of a call an operation node makes (engine.catalogue.operations)."""

    def check(self, value: Any) -> Any:
        from engine.catalogue.operations import call_problem

        problem = call_problem(value)
        if problem:
            raise ParamError(problem)
        return value

    def describe(self) -> str:
        return "the name of a torch function, Tensor method or operator"


@dataclass(frozen=True)
class ArgumentsParam(Param):
    """An operation's arguments: a JSON list (positional) or object (by keyword) of
    constants and references to the node's inputs (engine.catalogue.operations)."""

    keyword: bool = False

    def check(self, value: Any) -> Any:
        from engine.catalogue.operations import argument_problem

        kind = dict if self.keyword else list
        if not isinstance(value, kind):
            raise self.fail(value)
        items = list(value.values()) if self.keyword else value
        if self.keyword and not all(isinstance(k, str) and k.isidentifier() for k in value):
            raise ParamError(f"{self.name} must name each argument by a Python identifier")
        problem = argument_problem(items, inputs=1 << 30)
        if problem:
            raise ParamError(f"{self.name}: {problem}")
        return value

    def describe(self) -> str:
        return ("a JSON object of arguments by name" if self.keyword else
                "a JSON list of arguments")


@dataclass(frozen=True)
class TensorsParam(Param):
    """The tensors an operation node holds itself (engine.catalogue.held_tensors): a JSON
    list of their descriptions."""

    def check(self, value: Any) -> Any:
        from engine.catalogue.held_tensors import problem

        if not isinstance(value, list):
            raise self.fail(value)
        for entry in value:
            found = problem(entry)
            if found:
                raise ParamError(f"{self.name}: {found}")
        return value

    def describe(self) -> str:
        return "a JSON list of held tensors"


@dataclass(frozen=True)
class SharesParam(Param):
    """The id of another layer of the same kind and settings whose weights this one uses
    (one module called in several places, as code calls self.conv at every step), or None
    for weights of its own."""

    def check(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not value.isidentifier():
            raise self.fail(value)
        return value

    def describe(self) -> str:
        return "the id of a layer whose weights it uses, or none for its own"
