"""Operation: a tensor operation that is not a layer (slicing, chunk, stack, matmul,
arithmetic, ...), a call from engine.catalogue.operations' allow-list. Its shape comes from
running the call on meta tensors, its code is the call as written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.catalogue import held_tensors, operations
from engine.catalogue.params import ArgumentsParam, CallParam, IntParam, TensorsParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, Preset, TensorInfo


def _infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    used = operations.inputs_used(p)
    problem = operations.argument_problem([p["args"], list(p["kwargs"].values())],
                                          len(inputs), tensors=len(p["tensors"]))
    if problem:
        raise LayerError(problem)
    unused = sorted(set(range(len(inputs))) - used)
    if unused:
        raise LayerError(f"input {unused[0]} is connected but the call does not use it; "
                         f"name it in args as {{\"input\": {unused[0]}}}")
    return operations.infer(p, inputs)


def _expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                module: str) -> str:
    return operations.code(p, args, held=held_tensors.names(module, len(p["tensors"])))


def _build(p: Params, inputs: Sequence[TensorInfo]) -> Any:
    """The tensors it holds, by attribute suffix; None when it holds none."""
    return held_tensors.built(p["tensors"]) if p["tensors"] else None


def _summary(p: Params) -> str:
    names = [f"x{i}" if i else "x" for i in range(max(operations.inputs_used(p),
                                                       default=0) + 1)]
    text = operations.code(p, names, short=True,
                           held=held_tensors.names("w", len(p.get("tensors", []))))
    return text if len(text) <= 28 else text[:27] + "…"


SPECS = [
    LayerSpec(
        name="Operation",
        category="Operations",
        help="A tensor operation that is not a layer: a torch function, Tensor method or "
             "Python operator with constant arguments, e.g. x[:, :, 128:], "
             "torch.chunk(x, 2, dim=1)[0], torch.matmul(q, k), x * 0.5. Dimensions count "
             "the batch as 0, as in code. It may hold tensors of its own: learnt ones (an "
             "attention query, a class token) or fixed values (a mean to subtract).",
        params=(
            CallParam("call", "getitem", "the function: torch.NAME, F.NAME (torch.nn."
                      "functional), Tensor.NAME (a method of the first argument) or an "
                      "operator (getitem, add, sub, mul, truediv, matmul, pow, neg)"),
            ArgumentsParam("args", [{"input": 0}, {"tuple": [{"slice": [None, None, None]},
                                                               {"slice": [0, None, None]}]}],
                           "its positional arguments: constants, {\"input\": i} for input "
                           "i, {\"slice\": [start, stop, step]}, {\"tuple\": [...]}"),
            ArgumentsParam("kwargs", {}, "its arguments by name, e.g. {\"dim\": 1}",
                           keyword=True),
            IntParam("item", None, "for a call that gives several tensors (chunk, split, "
                     "unbind): which one", optional=True),
            TensorsParam("tensors", [], "tensors the node holds itself, each named "
                         "{\"tensor\": k} in args: learnt (an attention query) or fixed "
                         "values (a mean to subtract), e.g. [{\"shape\": [64], \"learnt\": "
                         "true, \"init\": \"normal\", \"std\": 0.1}]"),
        ),
        min_inputs=1, max_inputs=None,
        infer=_infer, expression=_expression, macs=operations.macs, keeps="input",
        build=_build, count=lambda p, inputs: held_tensors.learnt_values(p["tensors"]),
        summary=_summary, shareable=False,
        presets=(
            Preset("slice", {}, "x[:, 1:]: part of a dimension; edit the slices in args"),
            Preset("chunk", {"call": "torch.chunk", "args": [{"input": 0}, 2],
                             "kwargs": {"dim": 1}, "item": 0},
                   "torch.chunk(x, 2, dim=1)[0]: one of n equal parts (item picks it)"),
            Preset("transpose", {"call": "Tensor.transpose", "args": [{"input": 0}, 1, 2]},
                   "x.transpose(1, 2): swaps two dimensions (the batch is 0)"),
            Preset("matmul", {"call": "torch.matmul", "args": [{"input": 0}, {"input": 1}]},
                   "torch.matmul(x0, x1): the matrix product of two inputs (attention's "
                   "scores and its weighted sum)"),
            Preset("stack", {"call": "torch.stack", "args": [{"inputs": [0, 1]}],
                             "kwargs": {"dim": 1}},
                   "torch.stack([x0, x1], dim=1): inputs of one shape along a new "
                   "dimension"),
            Preset("scale", {"call": "mul", "args": [{"input": 0}, 0.5]},
                   "x * 0.5: times a constant"),
        ),
    ),
]
