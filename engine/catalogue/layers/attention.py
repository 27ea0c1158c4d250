"""MultiheadAttention: each step of a query sequence as a weighted mix of a key/value
sequence's steps, in several heads (torch.nn.MultiheadAttention, batch first). One input
attends to itself; three are query, key and value."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import float_input
from engine.catalogue.params import BoolParam, FloatParam, IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo


def _parts(inputs: Sequence[TensorInfo]) -> tuple[TensorInfo, TensorInfo, TensorInfo]:
    if len(inputs) == 2:
        raise LayerError("takes one input (attention over itself) or three (query, key, "
                         "value), not two; connect the key again as the value")
    query, key, value = (inputs[0],) * 3 if len(inputs) == 1 else tuple(inputs)
    for name, x in (("query", query), ("key", key), ("value", value)):
        float_input([x])
        if len(x.shape) != 2:
            raise LayerError(f"its {name} must be a sequence [steps, features], not {x}; "
                             "put a Permute or Flatten before it")
    if key.shape[0] != value.shape[0]:
        raise LayerError(f"its key {key} and value {value} must have the same number of "
                         "steps")
    return query, key, value


def _infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    query, _, _ = _parts(inputs)
    if query.shape[1] % p["num_heads"]:
        raise LayerError(f"the query's {query.shape[1]} features do not split into "
                         f"{p['num_heads']} heads; choose a num_heads that divides them")
    return query


def _count(p: Params, inputs: Sequence[TensorInfo]) -> int:
    query, key, value = _parts(inputs)
    embed = query.shape[1]
    projections = embed * (embed + key.shape[1] + value.shape[1]) + embed * embed
    return projections + (4 * embed if p["bias"] else 0)


def _macs(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    query, key, value = _parts(inputs)
    steps, embed = query.shape
    sources = key.shape[0]
    projections = steps * embed * embed + sources * embed * (key.shape[1] + value.shape[1])
    return projections + 2 * steps * sources * embed + steps * embed * embed


def _build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    query, key, value = _parts(inputs)
    return nn.MultiheadAttention(query.shape[1], p["num_heads"], dropout=p["dropout"],
                                 bias=p["bias"], kdim=key.shape[1], vdim=value.shape[1],
                                 batch_first=True)


def _expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                module: str) -> str:
    query, key, value = (args[0],) * 3 if len(args) == 1 else args
    return f"{module}({query}, {key}, {value}, need_weights=False)[0]"


SPECS = [
    LayerSpec(
        name="MultiheadAttention",
        category="Sequence",
        help="Attention: each step of the query becomes a weighted mix of the value's steps, "
             "weighted by how well the query matches each key, in num_heads heads of its "
             "own. One input attends over itself (self-attention); three are query, key "
             "and value. Sequences [steps, features].",
        params=(
            IntParam("num_heads", 1, "heads the features are split into", minimum=1),
            FloatParam("dropout", 0.0, "dropout on the attention weights while training",
                       minimum=0.0, maximum=1.0),
            BoolParam("bias", True, "learn biases in the projections"),
        ),
        min_inputs=1, max_inputs=3,
        infer=_infer, count=_count, build=_build, expression=_expression, macs=_macs,
        keeps="input+output", summary=lambda p: f"{p['num_heads']} heads",
    ),
]
