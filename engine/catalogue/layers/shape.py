"""Reshape and Permute."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import product
from engine.catalogue.params import IntListParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo


def _reshape_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = inputs[0]
    target, size = list(p["shape"]), product(x.shape)
    if -1 in target:
        known = product(d for d in target if d != -1)
        if size % known:
            raise LayerError(f"cannot reshape {x} ({size} values) into {p['shape']}: "
                             f"{size} is not a multiple of {known}")
        target[target.index(-1)] = size // known
    elif product(target) != size:
        raise LayerError(f"cannot reshape {x} ({size} values) into {p['shape']} "
                         f"({product(target)} values); the sizes must multiply to {size}")
    return TensorInfo(tuple(target), x.dtype)


def _reshape_expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                        module: str) -> str:
    shape = _reshape_infer(p, inputs).shape
    return f"{args[0]}.reshape(-1, {', '.join(map(str, shape))})"


def _permute_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x, dims = inputs[0], list(p["dims"])
    rank = len(x.shape) + 1
    if sorted(dims) != list(range(rank)):
        raise LayerError(f"dims {dims} must order all {rank} dimensions of {x} with the "
                         f"batch, e.g. {[0, *range(rank - 1, 0, -1)]}")
    if dims[0] != 0:
        raise LayerError(f"dims {dims} must keep the batch (dim 0) first")
    return TensorInfo(tuple(x.shape[d - 1] for d in dims[1:]), x.dtype)


SPECS = [
    LayerSpec(
        name="Reshape",
        category="Shape",
        help="Gives each sample a new shape with the same number of values; one entry may "
             "be -1 for 'what is left'. The batch dimension is kept.",
        params=(IntListParam("shape", [-1], "the new shape, without the batch",
                             allow_minus_one=True),),
        infer=_reshape_infer, expression=_reshape_expression, view=True,
        summary=lambda p: "[" + ", ".join(map(str, p["shape"])) + "]",
    ),
    LayerSpec(
        name="Permute",
        category="Shape",
        help="Reorders dimensions, as torch.permute; dims counts the batch as 0 and must "
             "keep it first, e.g. [0, 2, 1] swaps the last two of a sequence.",
        params=(IntListParam("dims", [0, 2, 1], "the new order of the dimensions, batch "
                             "first", min_length=2, minimum=0),),
        infer=_permute_infer, view=True,
        expression=lambda p, inputs, args, module:
            f"{args[0]}.permute({', '.join(map(str, p['dims']))})",
        summary=lambda p: "(" + ", ".join(map(str, p["dims"])) + ")",
    ),
]
