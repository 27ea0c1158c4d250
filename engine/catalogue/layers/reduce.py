"""Mean, Sum and Max over one dimension, and PixelShuffle."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import CLIP_FRAME_RANK, float_input, normalise_dim, ranked_input
from engine.catalogue.params import BoolParam, IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo

METHODS = {"Mean": "mean", "Sum": "sum", "Max": "amax"}
"""The tensor method each reduction is written with (amax: max without its indices)."""


def _reduction_spec(name: str, what: str) -> LayerSpec:
    method = METHODS[name]

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        x = float_input(inputs)
        dim = normalise_dim(p["dim"], len(x.shape) + 1)
        if dim == 0:
            raise LayerError(f"dim {p['dim']} is the batch: a network must not mix its "
                             "samples; use 1 for time (or the first dimension after the "
                             "batch)")
        shape = list(x.shape)
        if p["keepdim"]:
            shape[dim - 1] = 1
        else:
            del shape[dim - 1]
        return TensorInfo(tuple(shape))

    def expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                   module: str) -> str:
        keep = ", keepdim=True" if p["keepdim"] else ""
        return f"{args[0]}.{method}({p['dim']}{keep})"

    return LayerSpec(
        name=name,
        category="Shape",
        help=f"The {what} over one dimension (the batch is dim 0): over time (dim 1) it "
             "turns a sequence [T, F] into one vector [F], many-to-one; keepdim keeps the "
             "dimension with size 1.",
        params=(IntParam("dim", 1, "the dimension to reduce (batch is 0; -1 is the last)"),
                BoolParam("keepdim", False, "keep the reduced dimension, with size 1")),
        infer=infer, expression=expression,
        keeps="input+output" if name == "Max" else "",
        summary=lambda p: f"dim={p['dim']}" + (" keep" if p["keepdim"] else ""),
    )


def _pixel_shuffle_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = ranked_input(inputs, "an image [channels, height, width]", 3)
    channels, height, width = x.shape
    r = p["upscale_factor"]
    if channels % (r * r):
        raise LayerError(f"its {channels} channels cannot be shared out into {r}×{r} "
                         f"blocks: the channels must be a multiple of {r * r}")
    return TensorInfo((channels // (r * r), height * r, width * r))


def _pixel_shuffle_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.PixelShuffle(p["upscale_factor"])


SPECS = [
    _reduction_spec("Mean", "mean"),
    _reduction_spec("Sum", "sum"),
    _reduction_spec("Max", "largest value"),
    LayerSpec(
        name="PixelShuffle",
        category="Shape",
        help="Upsamples by moving channels into space: [C·r², H, W] → [C, H·r, W·r], the "
             "sub-pixel convolution of super-resolution networks.",
        params=(IntParam("upscale_factor", 2, "r: how many times larger each side becomes",
                         minimum=1),),
        infer=_pixel_shuffle_infer, build=_pixel_shuffle_build,
        summary=lambda p: f"×{p['upscale_factor']}",
        frame_rank=CLIP_FRAME_RANK,
    ),
]
