"""Options every kind of data read from files takes (what to do with samples that cannot
be read, decoding workers, the cache), and the checks kinds share for their own options:
each mistake a sentence naming the option and what it takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.data.dataset import DataError
from engine.data.samples import BadSamples

COMMON = {
    "strict": "true: stop the run at the first sample that cannot be read (default false: "
              "skip it, count it and list it at the end)",
    "max_bad": "stop the run when more than this share of the samples cannot be read "
               "(default 0.1)",
    "workers": "processes that decode samples (default: half the cores)",
    "cache": "false: decode every epoch instead of keeping decoded samples in NAME.cache/ "
             "(default true)",
}


def choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], name: str) -> str:
    """The option's value among `allowed` (the first is the default)."""
    value = options.get(key, allowed[0])
    if value not in allowed:
        raise DataError(f"{name}: the dataset option \"{key}\" is {value!r}; expected "
                        + " or ".join(repr(a) for a in allowed))
    return value


def whole(options: Mapping[str, Any], key: str, default: int, name: str, low: int,
          high: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DataError(f"{name}: the dataset option \"{key}\" must be a whole number from "
                        f"{low} to {high}, not {value!r}")
    return value


def number(options: Mapping[str, Any], key: str, default: float, name: str, low: float,
           high: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            low <= value <= high):
        raise DataError(f"{name}: the dataset option \"{key}\" must be a number from "
                        f"{low:g} to {high:g}, not {value!r}")
    return float(value)


def flag(options: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise DataError(f"{name}: the dataset option \"{key}\" must be true or false, not "
                        f"{value!r}")
    return value


def text(options: Mapping[str, Any], key: str, name: str) -> str | None:
    value = options.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise DataError(f"{name}: the dataset option \"{key}\" must be text, not {value!r}")
    return value


def check_options(options: Mapping[str, Any], name: str, own: Mapping[str, str],
                  what: str) -> None:
    """Refuse options neither `own` (the kind's) nor COMMON holds; `what`: 'clips'."""
    known = {**own, **COMMON}
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise DataError(f"{name}: unknown dataset option(s) {', '.join(unknown)}; {what} "
                        "take " + ", ".join(known))


@dataclass(frozen=True)
class Reading:
    """How samples in files are read, from the options every kind takes."""

    policy: BadSamples
    workers: int | None
    cache: bool


def reading(options: Mapping[str, Any], name: str) -> Reading:
    policy = BadSamples(flag(options, "strict", False, name),
                        number(options, "max_bad", 0.1, name, 0.0, 1.0))
    workers = None if options.get("workers") is None else whole(options, "workers", 0, name,
                                                                0, 64)
    return Reading(policy, workers, flag(options, "cache", True, name))
