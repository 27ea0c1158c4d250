"""What a sweep varies: a layer's parameter, a block's repeat count or a training setting,
each over a range or a list of choices, checked against the same limits the catalogue and
the training settings hold a single value to.

In a project file each varied parameter is one object of the sweep's "vary" list:
`{"node": "lstm", "param": "hidden_size", "low": 32, "high": 256, "log": true}`,
`{"block": "stage", "param": "repeat", "low": 1, "high": 3}`,
`{"training": "lr", "low": 0.0001, "high": 0.01, "log": true}`,
`{"node": "act", "param": "type", "choices": ["ReLU", "GELU"]}`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from engine.catalogue import spec_for
from engine.catalogue.params import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    Param,
    ParamError,
    SizeParam,
)
from engine.graph import Graph
from engine.training.config import MAX_BATCH_SIZE, MAX_EPOCHS, OPTIMIZERS

Kind = Literal["int", "float", "choice"]
MAX_BLOCK_REPEAT = 64
"""A block repeated more often than this is not a structure a sweep should try."""


class SweepError(ValueError):
    """A sweep that cannot run as given: one sentence per fault, in `problems`."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Setting:
    """A training setting a sweep can vary, with the limits read_training holds it to."""

    kind: Kind
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False
    """Whether a range of it is best searched on a log scale (learning rates)."""


TRAINING_SETTINGS: dict[str, Setting] = {
    "lr": Setting("float", 1e-8, 10.0, log=True),
    "weight_decay": Setting("float", 0.0, 1.0),
    "batch_size": Setting("int", 1, MAX_BATCH_SIZE, log=True),
    "epochs": Setting("int", 1, MAX_EPOCHS),
    "gradient_clip": Setting("float", 0.0, 1e6),
    "optimizer": Setting("choice", choices=OPTIMIZERS),
}
"""Learning rate and weight decay are the optimizer's arguments; `optimizer` its type."""


@dataclass(frozen=True)
class Varied:
    """One parameter a sweep varies."""

    where: Literal["node", "block", "training"]
    owner: str
    """The node's or block's id; for a training setting, its name."""
    param: str
    """The node's parameter, 'repeat' for a block, the setting's name for training."""
    kind: Kind
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: float | int | None = None
    choices: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        """What the study and the results table call it: 'lstm.hidden_size', 'lr'."""
        return self.param if self.where == "training" else f"{self.owner}.{self.param}"

    def describe(self) -> str:
        if self.kind == "choice":
            return f"{self.name} ∈ {{{', '.join(_shown(c) for c in self.choices)}}}"
        scale = ", log" if self.log else ""
        step = f", step {_shown(self.step)}" if self.step is not None else ""
        return f"{self.name} from {_shown(self.low)} to {_shown(self.high)}{scale}{step}"

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = ({"training": self.param} if self.where == "training"
                                 else {self.where: self.owner, "param": self.param})
        if self.kind == "choice":
            entry["choices"] = list(self.choices)
            return entry
        entry["low"], entry["high"] = self.low, self.high
        if self.log:
            entry["log"] = True
        if self.step is not None:
            entry["step"] = self.step
        return entry


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value) if not isinstance(value, str) else value


def read_varied(item: Any, graph: Graph, position: int) -> Varied:
    """One entry of a sweep's "vary" list, checked against the graph and the limits of what
    it names; SweepError with a sentence otherwise."""
    label = f"varied parameter {position}"
    if not isinstance(item, Mapping):
        raise SweepError(f"{label} must be an object such as {{\"node\": \"lstm\", \"param\": "
                         "\"hidden_size\", \"low\": 32, \"high\": 256}")
    known = {"node", "block", "training", "param", "low", "high", "log", "step", "choices"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise SweepError(f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; it takes "
                         + ", ".join(sorted(known)))
    owners = [key for key in ("node", "block", "training") if key in item]
    if len(owners) != 1:
        raise SweepError(f"{label} must name exactly one of \"node\", \"block\" or "
                         "\"training\"")
    where = owners[0]
    owner = item[where]
    if not isinstance(owner, str) or not owner:
        raise SweepError(f"{label}: \"{where}\" must name a {where} by its id")
    if where == "training":
        param, limits = owner, _training_limits(owner, label)
    else:
        param = item.get("param", "repeat" if where == "block" else None)
        if not isinstance(param, str):
            raise SweepError(f"{label}: \"param\" must name the parameter of {where} "
                             f"'{owner}' to vary")
        limits = _node_limits(graph, owner, param) if where == "node" else \
            _block_limits(graph, owner, param)
    varied = _with_values(item, where, owner, param, limits)
    return varied


def _training_limits(name: str, label: str) -> Param | Setting:
    if name not in TRAINING_SETTINGS:
        raise SweepError(f"{label}: the training setting {name!r} cannot vary; these can: "
                         + ", ".join(TRAINING_SETTINGS))
    return TRAINING_SETTINGS[name]


def _node_limits(graph: Graph, node_id: str, param: str) -> Param:
    node = graph.nodes.get(node_id)
    if node is None:
        raise SweepError(f"the sweep varies {node_id}.{param}, but the network has no layer "
                         f"'{node_id}' (renamed or deleted?); remove it from the sweep")
    spec = spec_for(node.type)
    found = spec.param(param) if spec is not None else None
    if found is None:
        names = ", ".join(p.name for p in spec.params) if spec is not None else "none"
        raise SweepError(f"{node.type} '{node_id}' has no parameter {param!r}; it has {names}")
    return found


def _block_limits(graph: Graph, block_id: str, param: str) -> Setting:
    if block_id not in graph.blocks:
        raise SweepError(f"the sweep varies {block_id}.{param}, but the network has no block "
                         f"'{block_id}'; remove it from the sweep")
    if param != "repeat":
        raise SweepError(f"a block's structure parameter is its 'repeat' count, not {param!r}")
    return Setting("int", 1, MAX_BLOCK_REPEAT)


def _kind_of(limits: Param | Setting) -> Kind:
    if isinstance(limits, Setting):
        return limits.kind
    if isinstance(limits, (IntParam, SizeParam)):
        return "int"
    if isinstance(limits, FloatParam):
        return "float"
    return "choice"


def _check_value(limits: Param | Setting, value: Any, name: str) -> Any:
    if isinstance(limits, Param):
        try:
            return limits.check(value)
        except ParamError as error:
            text = str(error)  # "out_features must be …" said of "lstm.out_features"
            said = name + text[len(limits.name):] if text.startswith(limits.name + " ") \
                else f"{name}: {text}"
            raise SweepError(said) from None
    if limits.kind == "choice":
        if value not in limits.choices:
            raise SweepError(f"{name} must be one of {', '.join(limits.choices)}, not "
                             f"{value!r}")
        return value
    number = isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) and (limits.kind == "float" or isinstance(value, int))
    if not number or not limits.minimum <= value <= limits.maximum:
        kind = "a whole number" if limits.kind == "int" else "a number"
        raise SweepError(f"{name} must be {kind} from {limits.minimum:g} to "
                         f"{limits.maximum:g}, not {value!r}")
    return value


def _with_values(item: Mapping[str, Any], where: str, owner: str, param: str,
                 limits: Param | Setting) -> Varied:
    kind = _kind_of(limits)
    name = param if where == "training" else f"{owner}.{param}"
    if "choices" in item:
        choices = item["choices"]
        if not isinstance(choices, list) or not choices:
            raise SweepError(f"{name}: \"choices\" must be a list of at least one value")
        checked = tuple(_check_value(limits, c, name) for c in choices)
        if len({json.dumps(c, sort_keys=True) for c in checked}) != len(checked):
            raise SweepError(f"{name}: \"choices\" lists a value twice")
        return Varied(where, owner, param, "choice", choices=checked)
    if kind == "choice":
        raise SweepError(f"{name} takes a list of \"choices\", not a range")
    if "low" not in item or "high" not in item:
        raise SweepError(f"{name} needs \"low\" and \"high\" (a range) or \"choices\"")
    low = _check_value(limits, item["low"], name)
    high = _check_value(limits, item["high"], name)
    if isinstance(low, list) or isinstance(high, list):
        raise SweepError(f"{name}: a range of it takes single numbers; give lists as "
                         "\"choices\"")
    if kind == "int" and not (isinstance(low, int) and isinstance(high, int)):
        raise SweepError(f"{name} is a whole number: give whole numbers for its range")
    if not low < high:
        raise SweepError(f"{name}: \"low\" ({_shown(low)}) must be below \"high\" "
                         f"({_shown(high)})")
    log = item.get("log", False)
    if not isinstance(log, bool):
        raise SweepError(f"{name}: \"log\" must be true or false")
    if log and low <= 0:
        raise SweepError(f"{name}: a log-scale range must start above 0, not at "
                         f"{_shown(low)}")
    step = item.get("step")
    if step is not None:
        good = isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0 \
            and math.isfinite(step) and (kind == "float" or isinstance(step, int))
        if not good:
            raise SweepError(f"{name}: \"step\" must be a positive "
                             f"{'whole number' if kind == 'int' else 'number'}")
        if log:
            raise SweepError(f"{name}: a range takes a \"step\" or \"log\", not both")
    return Varied(where, owner, param, kind, low=low, high=high, log=log, step=step)


def suggested_range(graph: Graph, training: Mapping[str, Any] | None, where: str,
                    owner: str, param: str) -> dict[str, Any]:
    """A first range or list of choices for a parameter, around its current value and
    inside its limits: what a "Vary…" dialog starts from."""
    entry: dict[str, Any] = ({"training": param} if where == "training"
                             else {where: owner, "param": param})
    if where == "training":
        limits: Param | Setting = TRAINING_SETTINGS[param]
        current = _training_value(training or {}, param)
    elif where == "block":
        limits, current = Setting("int", 1, MAX_BLOCK_REPEAT), graph.blocks[owner].repeat
    else:
        node = graph.nodes[owner]
        limits = _node_limits(graph, owner, param)
        current = node.params.get(param, limits.default)
    kind = _kind_of(limits)
    if isinstance(limits, BoolParam):
        return entry | {"choices": [False, True]}
    if isinstance(limits, ChoiceParam):
        return entry | {"choices": list(limits.choices)}
    if isinstance(limits, Setting) and kind == "choice":
        return entry | {"choices": list(limits.choices)}
    if kind == "choice" or isinstance(current, list):
        return entry | {"choices": [current]}
    low, high = _around(current, kind, limits)
    entry |= {"low": low, "high": high}
    if kind == "float" and low > 0 and high / low >= 20:
        entry["log"] = True
    if kind == "int" and low >= 8 and high / low >= 4:
        entry["log"] = True
    return entry


def _around(current: Any, kind: Kind, limits: Param | Setting) -> tuple[Any, Any]:
    minimum = getattr(limits, "minimum", None)
    maximum = getattr(limits, "maximum", None)
    if isinstance(current, str) or current is None:
        current = limits.default if isinstance(limits, Param) else minimum or 1
    if kind == "int":
        current = int(current) if isinstance(current, (int, float)) else 1
        low, high = max(1, current // 2), max(2, current * 2)
    elif minimum is not None and maximum is not None and maximum - minimum <= 1:
        low, high = float(minimum), float(minimum + (maximum - minimum) / 2)  # probabilities
    elif current:
        low, high = float(current) / 10, float(current) * 10
    else:
        low, high = 0.0, 0.1
    if minimum is not None:
        low = max(low, minimum)
    if maximum is not None:
        high = min(high, maximum)
    if low >= high:
        low, high = (minimum if minimum is not None else low - 1), high
    if kind == "float":  # 0.0003, not 0.00030000000000000003
        low, high = float(f"{low:.3g}"), float(f"{high:.3g}")
    return low, high


def _training_value(training: Mapping[str, Any], name: str) -> Any:
    optimizer = training.get("optimizer", {"type": "Adam", "lr": 0.001})
    if isinstance(optimizer, str):
        optimizer = {"type": optimizer}
    if name == "optimizer":
        return optimizer.get("type", "Adam")
    if name in ("lr", "weight_decay"):
        return optimizer.get(name, 0.001 if name == "lr" else 0.0)
    defaults = {"batch_size": 64, "epochs": 10, "gradient_clip": 1.0}
    value = training.get(name)
    return defaults[name] if value is None else value


def varied_names(entries: list[Any]) -> list[str]:
    """The names of the vary list's entries, for display, without checking them."""
    names = []
    for item in entries:
        if not isinstance(item, Mapping):
            continue
        if isinstance(item.get("training"), str):
            names.append(item["training"])
        else:
            owner = item.get("node") or item.get("block")
            names.append(f"{owner}.{item.get('param', 'repeat')}")
    return names
