"""Add and Concat: the nodes with several inputs, ordered by target_port."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import normalise_dim
from engine.catalogue.params import IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo


def _all_float(inputs: Sequence[TensorInfo]) -> None:
    for port, x in enumerate(inputs):
        if x.dtype != "float32":
            raise LayerError(f"input {port} is {x}, integer token ids; merge float features")


def _add_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    _all_float(inputs)
    shapes = {x.shape for x in inputs}
    if len(shapes) > 1:
        listed = ", ".join(f"input {port} {x}" for port, x in enumerate(inputs))
        raise LayerError(f"adds inputs of one shape, but gets {listed}; make them equal (a "
                         "1×1 Conv2d or a Linear can match the channels)")
    return inputs[0]


def _concat_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    _all_float(inputs)
    ranks = {len(x.shape) for x in inputs}
    listed = ", ".join(f"input {port} {x}" for port, x in enumerate(inputs))
    if len(ranks) > 1:
        raise LayerError(f"joins inputs of the same rank, but gets {listed}")
    rank = ranks.pop() + 1
    dim = normalise_dim(p["dim"], rank)
    if dim == 0:
        raise LayerError("dim 0 is the batch; join along a feature dimension (1 or -1)")
    others = {x.shape[:dim - 1] + x.shape[dim:] for x in inputs}
    if len(others) > 1:
        raise LayerError(f"joins along dim {p['dim']}, so every other dimension must match, "
                         f"but gets {listed}")
    first = inputs[0].shape
    joined = sum(x.shape[dim - 1] for x in inputs)
    return TensorInfo((*first[:dim - 1], joined, *first[dim:]))


SPECS = [
    LayerSpec(
        name="Add",
        category="Merge",
        help="Adds two or more inputs of the same shape: the skip connection of residual "
             "networks.",
        min_inputs=2, max_inputs=None,
        infer=_add_infer,
        expression=lambda p, inputs, args, module: " + ".join(args),
    ),
    LayerSpec(
        name="Concat",
        category="Merge",
        help="Joins two or more inputs along dim (batch is 0): channels of parallel conv "
             "branches, or features of parallel sequences.",
        params=(IntParam("dim", 1, "the dimension to join along (batch is 0, -1 is the "
                         "last)"),),
        min_inputs=2, max_inputs=None,
        infer=_concat_infer,
        expression=lambda p, inputs, args, module:
            f"torch.cat([{', '.join(args)}], dim={p['dim']})",
        summary=lambda p: f"dim={p['dim']}",
    ),
]
