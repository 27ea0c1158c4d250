"""What no catalogue layer stands for becomes an Operation node: a call from the catalogue's
allow-list (engine.catalogue.operations) with the traced arguments as JSON, so slicing,
chunk, stack, matmul and arithmetic import as the code wrote them. Only ops whose every
tensor comes from the input (batch first) and whose other arguments are constants (or the
batch size) qualify; anything else keeps the converter's own refusal."""

from __future__ import annotations

import builtins
import inspect
import math
import operator
from dataclasses import dataclass
from typing import Any

import torch

from engine.catalogue import CATALOGUE, LayerError, ParamError, TensorInfo, held_tensors
from engine.catalogue.operations import DTYPE_NAMES, OPERATIONS, mixes_samples
from engine.importing import cells
from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta
from engine.importing.values import BATCH, BatchTimes, Call, Constant, Derived, Layer, Zeros

_BY_FUNCTION: dict[Any, str] = {}
for _name, _function in OPERATIONS.items():
    if not _name.startswith("Tensor."):
        _BY_FUNCTION.setdefault(_function, _name)
for _inplace, _name in ((operator.iadd, "add"), (operator.isub, "sub"),
                        (operator.imul, "mul"), (operator.itruediv, "truediv")):
    _BY_FUNCTION[_inplace] = _name


class _NotAnOperation(Exception):
    pass


class HeldTooLarge(Unsupported):
    """A tensor the operation would hold is too large for a project file: this, not the
    converter's refusal, is why the op does not import."""


@dataclass(eq=False)
class OperationTuple:
    """The tensors an operation gives together (chunk, split, unbind), until one is picked
    by index."""

    params: dict[str, Any]
    inputs: list[Layer]
    count: int
    held: list[str | None]


def call_name(call: Call) -> str | None:
    node = call.node
    if node.op == "call_method":
        name = f"Tensor.{node.target}"
        return name if name in OPERATIONS else None
    if node.op != "call_function":
        return None
    if node.target is builtins.getattr and len(call.args) == 2 and call.args[1] == "data":
        return "Tensor.detach"  # x.data: the same values, outside autograd
    try:
        return _BY_FUNCTION.get(node.target)
    except TypeError:
        return None


def call_arguments(call: Call, name: str) -> tuple[Any, ...]:
    """The positional arguments the call `name` takes: `x.data` (getattr(x, 'data')) is
    x.detach(), of x alone."""
    return call.args[:1] if name == "Tensor.detach" and call.node.op == "call_function" \
        else call.args


def derived(call: Call) -> Derived:
    """A call on a learnt tensor before it meets the input, made again by the operation
    that holds the tensor."""
    name = call_name(call)
    if name is None:
        raise Unsupported(f"{call.describe()} changes a learnt tensor before it meets the "
                          "input, and is not a call an operation makes")
    return Derived(name, call_arguments(call, name), dict(call.kwargs), call.describe())


def as_operation(call: Call) -> Any | None:
    """The op as an Operation layer (or an OperationTuple), or None when it is not one."""
    name = call_name(call)
    if name is None:
        return None
    inputs: list[Layer] = []
    held: list[tuple[dict[str, Any], str | None]] = []
    arguments, keywords = _typed(OPERATIONS[name], call_arguments(call, name),
                                 dict(call.kwargs))
    try:
        args = [_encode(value, inputs, call, held) for value in arguments]
        kwargs = {key: _encode(value, inputs, call, held) for key, value in keywords.items()}
    except _NotAnOperation:
        return None
    if not inputs:
        return None
    params = {"call": name, "args": args, "kwargs": kwargs}
    if held:
        params["tensors"] = [entry for entry, _ in held]
    paths = [path for _, path in held]
    result = call.result
    if isinstance(result, TensorMeta):
        if result.dtype not in DTYPE_NAMES.values():
            return None
        return _layer(call, params, inputs, paths)
    if isinstance(result, (tuple, list)) and result and all(
            isinstance(r, TensorMeta) for r in result):
        return OperationTuple(params, inputs, len(result), paths)
    return None


def _typed(function: Any, args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments as the function's signature types them (0 where it takes a float is
    0.0: TorchScript holds code to its types), and never in place (a node must not
    overwrite its input, which another node may read)."""
    try:
        signature = inspect.signature(function)
        bound = signature.bind_partial(*args, **kwargs)
    except (TypeError, ValueError):  # a builtin without a signature, or a lambda's *args
        return args, kwargs
    for key, value in bound.arguments.items():
        annotation = signature.parameters[key].annotation
        if key == "inplace" and value is True:
            bound.arguments[key] = False
        elif annotation in (float, "float") and isinstance(value, int) and \
                not isinstance(value, bool):
            bound.arguments[key] = float(value)
    return bound.args, bound.kwargs


def pick(call: Call, whole: OperationTuple) -> Layer:
    """`whole[i]`: one tensor of a chunk, split or unbind."""
    index = call.args[1] if len(call.args) == 2 else None
    if not isinstance(index, int) or isinstance(index, bool):
        raise Unsupported(f"{call.describe()} picks {index!r} of the {whole.count} tensors "
                          "an operation gives; a project picks one by a constant index")
    layer = _layer(call, {**whole.params, "item": index}, whole.inputs, whole.held)
    if layer is None:
        raise Unsupported(f"{call.describe()}: the operation it picks from is not one a "
                          "project can hold")
    return layer


def step_operation(call: Call, step: cells.Step) -> Layer:
    """One step of a sequence, x[:, t], as its own Operation node for a layer that takes
    it (the last one is LastStep); Unsupported for a time-major sequence."""
    sequence = step.sequence
    if step.index == sequence.shape[1] - 1 and sequence.batch_dim == 0:
        meta = TensorMeta((sequence.shape[0], *sequence.shape[2:]), sequence.dtype)
        return call.layer("LastStep", {}, [sequence], meta=meta,
                          id_suffix=f"_step{step.index}")
    try:
        return _step(call, step)
    except _NotAnOperation:
        raise Unsupported(f"{call.describe()} uses one step of a time-major sequence, "
                          "which is not in the catalogue (it has x[:, -1], the last step: "
                          "LastStep)") from None


def _step(call: Call, step: cells.Step) -> Layer:
    """One step of a sequence as its own Operation node, x[:, t]."""
    sequence = step.sequence
    if sequence.batch_dim != 0:
        raise _NotAnOperation
    meta = TensorMeta((sequence.shape[0], *sequence.shape[2:]), sequence.dtype)
    params = {"call": "getitem", "args": [{"input": 0}, {"tuple": [
        {"slice": [None, None, None]}, step.index]}], "kwargs": {}}
    return call.layer("Operation", params, [sequence], op="getitem", meta=meta,
                      id_suffix=f"_step{step.index}")


def _layer(call: Call, params: dict[str, Any], inputs: list[Layer],
           held: list[str | None] | None = None) -> Layer | None:
    """The Operation node, when the call as stored gives what the code gave and keeps the
    samples of a batch apart; None otherwise (the converter's refusal stands). `held`: the
    attribute path of each tensor it holds that is a learnt weight."""
    spec = CATALOGUE["Operation"]
    infos = [TensorInfo(tuple(x.shape[1:]), x.dtype) for x in inputs]
    try:
        resolved = spec.resolve(params)
        output = spec.output(resolved, infos)
    except (LayerError, ParamError):
        return None
    if tuple(call.meta.shape[1:]) != output.shape or mixes_samples(resolved, infos):
        return None
    layer = call.layer("Operation", params, inputs, op=str(params["call"]))
    if any(path is not None for path in held or ()):
        layer.held = list(held or ())
    return layer


def _held(value: Constant | Zeros, held: list[tuple[dict[str, Any], str | None]]) -> Any:
    """A tensor that does not come from the input, as the operation takes it: zeros for
    each sample, or a tensor it holds (learnt ones once: their weights are one tensor)."""
    if value.value is None:
        raise _NotAnOperation
    if isinstance(value, Zeros) and value.per_sample:
        if value.value.dtype != torch.float32 or value.value.dim() < 1:
            raise _NotAnOperation
        return {"zeros": list(value.value.shape[1:])}
    path = value.path if isinstance(value, Constant) else None
    for index, (_, known) in enumerate(held):
        if path is not None and known == path:
            return {"tensor": index}
    entry = held_tensors.from_tensor(value.value, learnt=path is not None)
    if held_tensors.problem(entry):  # too many fixed values, an unknown dtype, ...
        raise HeldTooLarge(f"{value.maker} holds {value.value.numel():,} fixed values; a "
                           f"project keeps at most {held_tensors.MAX_VALUES:,} in its file "
                           "(keep it as a learnt nn.Parameter, whose values are weights, or "
                           "use only the part forward() needs, self.pe[:, :T])") \
            if isinstance(value, Constant) and value.value.numel() > held_tensors.MAX_VALUES \
            else _NotAnOperation()
    held.append((entry, path))
    return {"tensor": len(held) - 1}


def _encode(value: Any, inputs: list[Layer], call: Call | None = None,
            held: list[tuple[dict[str, Any], str | None]] | None = None) -> Any:
    if isinstance(value, Constant | Zeros) and held is not None:
        return _held(value, held)
    if isinstance(value, Derived) and held is not None:
        arguments, keywords = _typed(OPERATIONS[value.call], value.args, value.kwargs)
        inner: dict[str, Any] = {"call": value.call,
                                 "args": [_encode(v, inputs, call, held) for v in arguments]}
        if keywords:
            inner["kwargs"] = {k: _encode(v, inputs, call, held) for k, v in keywords.items()}
        return inner
    if isinstance(value, cells.Step) and call is not None:
        value = _step(call, value)  # x[:, t] kept for a cell, used here as a tensor
    if isinstance(value, cells.CellOutput) and call is not None:
        try:
            value = cells.as_tensor(call, value)
        except Unsupported:
            raise _NotAnOperation from None
    if isinstance(value, Layer):
        if value.batch_dim != 0:
            raise _NotAnOperation  # time-major: its dims are not the project's
        for index, known in enumerate(inputs):
            if known is value:
                return {"input": index}
        inputs.append(value)
        return {"input": len(inputs) - 1}
    if isinstance(value, list):
        if value and all(isinstance(v, Layer | cells.Step) for v in value):
            return {"inputs": [_encode(v, inputs, call)["input"] for v in value]}
        return [_encode(v, inputs, call, held) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, inputs, call, held) for v in value]}
    if isinstance(value, slice):
        parts = [value.start, value.stop, value.step]
        if not all(p is None or (isinstance(p, int) and not isinstance(p, bool))
                   for p in parts):
            raise _NotAnOperation
        return {"slice": parts}
    if value is Ellipsis:
        return {"ellipsis": True}
    if value is BATCH:
        return {"batch": 1}
    if isinstance(value, BatchTimes):
        return {"batch": value.factor}
    if isinstance(value, torch.dtype):
        name = DTYPE_NAMES.get(value)
        if name is None:
            raise _NotAnOperation
        return {"dtype": name}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise _NotAnOperation
