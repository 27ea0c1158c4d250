"""BatchNorm1d/2d/3d, GroupNorm, LayerNorm, Dropout and the channel-wise Dropout2d/3d."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import CLIP_FRAME_RANK, float_input, ranked_input
from engine.catalogue.params import BoolParam, FloatParam, IntParam
from engine.catalogue.spec import (
    LayerError,
    LayerSpec,
    Params,
    TensorInfo,
    input_values,
    size_of,
)


def _same(inputs: Sequence[TensorInfo]) -> TensorInfo:
    return inputs[0]


BATCH_NORM_LAYOUTS = {
    1: "a vector [features] or a signal [channels, length]",
    2: "an image [channels, height, width] or a clip of them [frames, channels, height, "
       "width]",
    3: "a volume [channels, depth, height, width]",
}
BATCH_NORM_HINTS = {1: "use BatchNorm2d for images", 2: "use BatchNorm1d for vectors and "
                    "signals", 3: "use BatchNorm2d for images and BatchNorm1d for signals"}


def _batch_norm_spec(n: int) -> LayerSpec:
    ranks = (1, 2) if n == 1 else (n + 1,)
    layout = BATCH_NORM_LAYOUTS[n]

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        return ranked_input(inputs, layout, *ranks, hint=BATCH_NORM_HINTS[n])

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        norm = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[n - 1]
        return norm(inputs[0].shape[0], eps=p["eps"], momentum=p["momentum"],
                    affine=p["affine"], track_running_stats=p["track_running_stats"])

    return LayerSpec(
        name=f"BatchNorm{n}d",
        category="Normalisation",
        help="Normalises each channel over the batch, then scales and shifts it; speeds up "
             "and steadies training.",
        params=(
            # eps 0 fails in training, where a channel's values can all be equal
            FloatParam("eps", 1e-5, "added to the variance for numerical stability",
                       minimum=0.0, exclusive_minimum=True),
            FloatParam("momentum", 0.1, "weight of the newest batch in the running "
                       "statistics", minimum=0.0, maximum=1.0),
            BoolParam("affine", True, "learn a scale and a shift per channel"),
            BoolParam("track_running_stats", True, "keep running statistics for "
                      "evaluation"),
        ),
        infer=infer, build=build,
        count=lambda p, inputs: 2 * inputs[0].shape[0] if p["affine"] else 0,
        macs=lambda p, inputs, output: size_of(inputs[0]) * (2 if p["affine"] else 1),
        keeps="input",
        frame_rank=CLIP_FRAME_RANK if n == 2 else None,
    )


def _group_norm_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = float_input(inputs)
    if not x.shape:
        raise LayerError(f"expects channels first ([channels, ...]) but gets {x}")
    channels, groups = x.shape[0], p["num_groups"]
    if channels % groups:
        raise LayerError(f"num_groups={groups} must divide its {channels} channels")
    return x


def _group_norm_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.GroupNorm(p["num_groups"], inputs[0].shape[0], eps=p["eps"],
                        affine=p["affine"])


def _layer_norm_count(p: Params, inputs: Sequence[TensorInfo]) -> int:
    features = inputs[0].shape[-1]
    if not p["elementwise_affine"]:
        return 0
    return features * (2 if p["bias"] else 1)


def _layer_norm_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.LayerNorm(inputs[0].shape[-1], eps=p["eps"],
                        elementwise_affine=p["elementwise_affine"], bias=p["bias"])


def _mask(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    """Dropout keeps which values it dropped: a byte each."""
    return size_of(output)


def _dropout_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.Dropout(p["p"])


def _channel_dropout_spec(n: int) -> LayerSpec:
    """Dropout2d / Dropout3d: zeroes whole channels of an image or a volume; Dropout2d also
    of a signal [channels, length], as torch does (its channel-wise 1-D dropout)."""
    layout = ("a signal [channels, length], an image [channels, height, width] or a clip "
              "of images [frames, channels, height, width]" if n == 2
              else "a volume [channels, depth, height, width]")

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        return (nn.Dropout2d if n == 2 else nn.Dropout3d)(p["p"])

    return LayerSpec(
        name=f"Dropout{n}d",
        category="Normalisation",
        help="During training, zeroes whole channels with probability p (and rescales the "
             "rest): neighbouring pixels are correlated, so dropping single values does "
             "little there. Does nothing in evaluation.",
        params=(FloatParam("p", 0.5, "probability of zeroing a channel", minimum=0.0,
                           maximum=1.0),),
        infer=lambda p, inputs: inputs[0] if n == 2 and len(inputs[0].shape) == 2 else
        ranked_input(inputs, layout, n + 1, hint="use Dropout for vectors and sequences"),
        build=build, summary=lambda p: f"p={p['p']:g}", kept=_mask,
        frame_rank=CLIP_FRAME_RANK if n == 2 else None,
    )


SPECS = [
    _batch_norm_spec(1),
    _batch_norm_spec(2),
    _batch_norm_spec(3),
    LayerSpec(
        name="GroupNorm",
        category="Normalisation",
        help="Normalises each sample's channels in num_groups groups, then scales and shifts "
             "each channel; unlike BatchNorm it does not depend on the batch.",
        params=(
            IntParam("num_groups", 1, "groups the channels are split into (it must divide "
                     "them)", minimum=1),
            FloatParam("eps", 1e-5, "added to the variance for numerical stability",
                       minimum=0.0, exclusive_minimum=True),
            BoolParam("affine", True, "learn a scale and a shift per channel"),
        ),
        infer=_group_norm_infer, build=_group_norm_build,
        count=lambda p, inputs: 2 * inputs[0].shape[0] if p["affine"] else 0,
        macs=lambda p, inputs, output: size_of(inputs[0]) * (2 if p["affine"] else 1),
        keeps="input",
    ),
    LayerSpec(
        name="LayerNorm",
        category="Normalisation",
        help="Normalises each sample over its last dimension (the features), then scales "
             "and shifts; the usual choice for sequences.",
        params=(
            FloatParam("eps", 1e-5, "added to the variance for numerical stability",
                       minimum=0.0),
            BoolParam("elementwise_affine", True, "learn a scale (and shift) per feature"),
            BoolParam("bias", True, "learn the shift too (with elementwise_affine)"),
        ),
        infer=lambda p, inputs: float_input(inputs),
        count=_layer_norm_count, build=_layer_norm_build, macs=input_values, keeps="input",
        padded_time="each",
    ),
    LayerSpec(
        name="Dropout",
        category="Normalisation",
        help="During training, zeroes each value with probability p (and rescales the rest); "
             "does nothing in evaluation.",
        params=(FloatParam("p", 0.5, "probability of zeroing a value", minimum=0.0,
                           maximum=1.0),),
        infer=lambda p, inputs: float_input(inputs),
        build=_dropout_build, kept=_mask,
        summary=lambda p: f"p={p['p']:g}", padded_time="each",
    ),
    _channel_dropout_spec(2),
    _channel_dropout_spec(3),
]
