"""Linear, Flatten and Embedding."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue import weight_norm
from engine.catalogue.checks import float_input, normalise_dim, product
from engine.catalogue.params import BoolParam, IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo, size_of


def _linear_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = float_input(inputs)
    return TensorInfo((*x.shape[:-1], p["out_features"]))


def _linear_weights(p: Params, inputs: Sequence[TensorInfo]) -> int:
    features = inputs[0].shape[-1]
    return p["out_features"] * features + (p["out_features"] if p["bias"] else 0)


def _linear_count(p: Params, inputs: Sequence[TensorInfo]) -> int:
    # a weight norm learns a length per output beside the weight's direction
    return _linear_weights(p, inputs) + (p["out_features"] if p["weight_norm"] else 0)


def _linear_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    layer = nn.Linear(inputs[0].shape[-1], p["out_features"], bias=p["bias"])
    return weight_norm.applied(layer) if p["weight_norm"] else layer


def _linear_warnings(p: Params, inputs: Sequence[TensorInfo]) -> list[str]:
    x = inputs[0]
    if len(x.shape) != 3:
        return []
    return [f"on an image {x} it weighs each row's {x.shape[-1]} values alone and gives "
            f"{TensorInfo((*x.shape[:-1], p['out_features']))}; put a Flatten before it to "
            "use the whole image"]


def _flatten_dims(p: Params, x: TensorInfo) -> tuple[int, int]:
    rank = len(x.shape) + 1
    start = normalise_dim(p["start_dim"], rank, "start_dim")
    end = normalise_dim(p["end_dim"], rank, "end_dim")
    if start == 0:
        raise LayerError("start_dim 0 would merge samples of the batch; use 1")
    if end < start:
        raise LayerError(f"end_dim {p['end_dim']} comes before start_dim {p['start_dim']}")
    return start, end


def _flatten_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = inputs[0]
    start, end = _flatten_dims(p, x)
    # shapes here have no batch dimension, so dim d is shape index d - 1
    shape = x.shape
    return TensorInfo((*shape[:start - 1], product(shape[start - 1:end]), *shape[end:]),
                      x.dtype)


def _flatten_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.Flatten(p["start_dim"], p["end_dim"])


def _embedding_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = inputs[0]
    if x.dtype != "int64":
        raise LayerError(f"looks up integer token ids but gets float values {x}; set the "
                         "Input's dtype to int64")
    padding_idx = p["padding_idx"]
    if padding_idx is not None and not -p["num_embeddings"] <= padding_idx < p["num_embeddings"]:
        raise LayerError(f"padding_idx {padding_idx} is not a token id below num_embeddings "
                         f"{p['num_embeddings']}")
    return TensorInfo((*x.shape, p["embedding_dim"]))


def _embedding_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.Embedding(p["num_embeddings"], p["embedding_dim"], padding_idx=p["padding_idx"])


SPECS = [
    LayerSpec(
        name="Linear",
        category="Dense",
        help="Fully connected: every output feature is a weighted sum of the input's last "
             "dimension, so on a sequence it applies to each time step.",
        params=(
            IntParam("out_features", 10, "number of output features", minimum=1),
            BoolParam("bias", True, "learn an additive bias per output"),
            BoolParam("weight_norm", False, "learn each output's weights as a direction and "
                      "a length (weight normalisation)"),
        ),
        infer=_linear_infer, count=_linear_count, build=_linear_build,
        warnings=_linear_warnings,
        macs=lambda p, inputs, output: _linear_weights(p, inputs) * size_of(output)
        // p["out_features"], keeps="input",
        summary=lambda p: f"→{p['out_features']}", padded_time="each",
    ),
    LayerSpec(
        name="Flatten",
        category="Dense",
        help="Merges the dimensions start_dim to end_dim into one (the batch is dim 0); "
             "the default turns each sample into a vector.",
        params=(
            IntParam("start_dim", 1, "first dimension to merge (batch is 0)"),
            IntParam("end_dim", -1, "last dimension to merge (negative counts from the end)"),
        ),
        infer=_flatten_infer, build=_flatten_build, view=True,
    ),
    LayerSpec(
        name="Embedding",
        category="Dense",
        help="Looks up a learned vector for each integer token id; needs an int64 Input.",
        params=(
            IntParam("num_embeddings", 1000, "vocabulary size: ids run from 0 to this - 1",
                     minimum=1),
            IntParam("embedding_dim", 64, "length of each token's vector", minimum=1),
            IntParam("padding_idx", None, "a token id whose vector stays zero; null for none",
                     optional=True),
        ),
        infer=_embedding_infer,
        count=lambda p, inputs: p["num_embeddings"] * p["embedding_dim"], keeps="input",
        build=_embedding_build,
        summary=lambda p: f"{p['num_embeddings']}→{p['embedding_dim']}",
        padded_time="each",
    ),
]
