"""The `training` section of a project, read into settings the trainer can trust.

Every mistake (a misspelt optimiser, a negative batch size, an argument the torch class does
not take) is a TrainingError with a sentence, found before anything runs.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.catalogue import closest
from engine.training.speed import PRECISIONS
from engine.training.threads import parse_setting

LOSSES = ("CrossEntropyLoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "CTCLoss")
OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop")
SCHEDULERS = ("StepLR", "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau")
TOP_KEYS = {"dataset", "loss", "optimizer", "scheduler", "batch_size", "epochs",
            "validation_split", "seed", "gradient_clip", "early_stopping", "device",
            "threads", "precision", "compile", "channels_last"}
# arguments the trainer fills in itself, so a project must not set them
FILLED_IN = {"params", "optimizer", "reduction", "zero_infinity", "total_steps", "epochs",
             "steps_per_epoch", "verbose", "last_epoch"}


MAX_BATCH_SIZE = 1 << 20
"""A million samples a step: beyond any batch that fits a device."""
MAX_EPOCHS = 100_000
MAX_SEED = (1 << 63) - 1
"""torch.manual_seed takes 64 bits; numpy's generators take any size, so this is torch's."""


class TrainingError(Exception):
    """Training cannot start (or go on) as asked; the message says why and what would work.
    `nodes` maps a line of the message to the layer it is about (the Input that does not fit
    the data), so that a window can show it on that layer and offer its fix."""

    def __init__(self, message: str, nodes: Mapping[str, str] | None = None):
        super().__init__(message)
        self.nodes = dict(nodes or {})


@dataclass(frozen=True)
class Choice:
    """A torch class chosen by name, with the arguments the project gives it."""

    type: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EarlyStopping:
    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True


@dataclass(frozen=True)
class TrainingConfig:
    dataset: Mapping[str, Any]
    loss: Choice
    optimizer: Choice = Choice("Adam", {"lr": 0.001})
    scheduler: Choice | None = None
    batch_size: int = 64
    epochs: int = 10
    validation_split: float = 0.2
    seed: int = 0
    gradient_clip: float | None = None
    early_stopping: EarlyStopping | None = None
    device: str = "auto"
    threads: int | str = "auto"
    """torch's threads on a CPU: a number, or 'auto' (engine.training.threads)."""
    precision: str = "auto"
    """'auto', '32-true', 'bf16-mixed' or '16-mixed' (engine.training.speed)."""
    compile: bool = False
    """torch.compile the network (falling back to eager when it cannot)."""
    channels_last: bool | str = "auto"
    """Convolutions over images in channels-last memory order (engine.training.speed):
    true, false, or 'auto' (on wherever the network has 2-D convolutions)."""

    @property
    def lr(self) -> float:
        return float(self.optimizer.args.get("lr", 0.001))


def _torch_class(kind: str, name: str):
    import torch

    module = {"loss": torch.nn, "optimizer": torch.optim,
              "scheduler": torch.optim.lr_scheduler}[kind]
    return getattr(module, name)


def _choice(kind: str, value: Any, known: tuple[str, ...]) -> Choice:
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise TrainingError(f"\"{kind}\" must be a name such as {known[0]!r} or an object "
                            f"{{\"type\": {known[0]!r}, ...arguments}}")
    name = value["type"]
    if name not in known:
        guess = closest(name, known)
        hint = f"did you mean '{guess}'? " if guess else ""
        raise TrainingError(f"{kind} {name!r} is not supported; {hint}choose one of "
                            + ", ".join(known))
    args = {k: v for k, v in value.items() if k != "type"}
    accepted = [p for p in inspect.signature(_torch_class(kind, name)).parameters
                if p not in FILLED_IN and p != "self"]
    for arg, given in args.items():
        if arg in FILLED_IN:
            raise TrainingError(f"{kind} {name}: {arg!r} is set by Netdesigner itself; "
                                "remove it")
        if arg not in accepted:
            guess = closest(arg, accepted)
            hint = f"did you mean '{guess}'? " if guess else ""
            raise TrainingError(f"{kind} {name} has no argument {arg!r}; {hint}it takes "
                                + ", ".join(accepted))
        if isinstance(given, (dict, str)) and arg not in ("mode", "anneal_strategy",
                                                           "threshold_mode"):
            raise TrainingError(f"{kind} {name}: {arg} must be a number, true/false or a "
                                f"list of numbers, not {given!r}")
    return Choice(name, args)


def _number(data: Mapping[str, Any], key: str, default: Any, *, integer: bool,
            minimum: float, maximum: float | None = None, optional: bool = False) -> Any:
    value = data.get(key, default)
    if value is None and optional:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = isinstance(value, int)
    if ok and (value < minimum or (maximum is not None and value > maximum)):
        ok = False
    if not ok:
        kind = "a whole number" if integer else "a number"
        low, high = _bound(minimum, integer), _bound(maximum, integer)
        bounds = f" from {low} to {high}" if maximum is not None else f" ≥ {low}"
        raise TrainingError(f"\"{key}\" must be {kind}{bounds}, not {value!r}")
    return value


def _bound(value: float | None, integer: bool) -> str:
    return f"{int(value):,}" if integer and value is not None else f"{value:g}" \
        if value is not None else ""


def _early_stopping(value: Any) -> EarlyStopping | None:
    if value is None or value is False:
        return None
    if value is True:
        return EarlyStopping()
    if not isinstance(value, Mapping):
        raise TrainingError("\"early_stopping\" must be an object such as "
                            "{\"monitor\": \"val_loss\", \"patience\": 5}")
    unknown = sorted(set(value) - {"monitor", "patience", "min_delta", "restore_best"})
    if unknown:
        raise TrainingError(f"\"early_stopping\" has no setting {', '.join(unknown)}; it takes "
                            "monitor, patience, min_delta, restore_best")
    monitor = value.get("monitor", "val_loss")
    if not isinstance(monitor, str):
        raise TrainingError("early_stopping \"monitor\" must name a metric such as 'val_loss'")
    restore = value.get("restore_best", True)
    if not isinstance(restore, bool):
        raise TrainingError("early_stopping \"restore_best\" must be true or false")
    return EarlyStopping(monitor, _number(value, "patience", 5, integer=True, minimum=1,
                                          maximum=MAX_EPOCHS),
                         float(_number(value, "min_delta", 0.0, integer=False, minimum=0)),
                         restore)


def read_training(data: Mapping[str, Any] | None) -> TrainingConfig:
    """The project's `training` section as settings, or TrainingError."""
    if data is None:
        raise TrainingError("the project has no \"training\" section: say which dataset, loss "
                            "and optimizer to use")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        guess = closest(unknown[0], sorted(TOP_KEYS))
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise TrainingError(f"unknown training setting(s) {', '.join(map(repr, unknown))}{hint}; "
                            f"the settings are {', '.join(sorted(TOP_KEYS))}")
    if "dataset" not in data:
        raise TrainingError("\"training\" needs a \"dataset\"")
    if "loss" not in data:
        raise TrainingError("\"training\" needs a \"loss\", e.g. \"CrossEntropyLoss\"")
    optimizer = _choice("optimizer", data.get("optimizer", {"type": "Adam", "lr": 0.001}),
                        OPTIMIZERS)
    scheduler = data.get("scheduler")
    device = data.get("device", "auto")
    if not isinstance(device, str):
        raise TrainingError("\"device\" must be 'auto', 'cpu', 'cuda', 'cuda:1' or 'mps'")
    clip = _number(data, "gradient_clip", None, integer=False, minimum=0, optional=True)
    try:
        threads = parse_setting(data.get("threads"))
    except ValueError as error:
        raise TrainingError(str(error)) from None
    precision = data.get("precision", "auto")
    if precision not in PRECISIONS:
        raise TrainingError(f"\"precision\" must be one of {', '.join(PRECISIONS)}, not "
                            f"{precision!r}")
    switches = {"compile": data.get("compile", False),
                "channels_last": data.get("channels_last", "auto")}
    if not isinstance(switches["compile"], bool):
        raise TrainingError(f"\"compile\" must be true or false, not {switches['compile']!r}")
    if not isinstance(switches["channels_last"], bool) and switches["channels_last"] != "auto":
        raise TrainingError("\"channels_last\" must be true, false or \"auto\", not "
                            f"{switches['channels_last']!r}")
    return TrainingConfig(
        dataset=data["dataset"],
        loss=_choice("loss", data["loss"], LOSSES),
        optimizer=optimizer,
        scheduler=None if scheduler is None else _choice("scheduler", scheduler, SCHEDULERS),
        batch_size=_number(data, "batch_size", 64, integer=True, minimum=1,
                           maximum=MAX_BATCH_SIZE),
        epochs=_number(data, "epochs", 10, integer=True, minimum=1, maximum=MAX_EPOCHS),
        validation_split=float(_number(data, "validation_split", 0.2, integer=False,
                                       minimum=0.0, maximum=0.9)),
        seed=_number(data, "seed", 0, integer=True, minimum=0, maximum=MAX_SEED),
        gradient_clip=None if clip in (None, 0) else float(clip),
        early_stopping=_early_stopping(data.get("early_stopping")),
        device=device,
        threads=threads,
        precision=precision,
        compile=switches["compile"],
        channels_last=switches["channels_last"],
    )
