"""Conv1d, Conv2d and Conv3d."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue import weight_norm
from engine.catalogue.checks import (
    CLIP_FRAME_RANK,
    dims_text,
    product,
    ranked_input,
    spatial_output,
)
from engine.catalogue.params import BoolParam, ChoiceParam, IntParam, SizeParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo

HINTS = {
    1: "Conv1d slides along a signal; for a sequence [time, features] put a Permute "
       "(dims [0, 2, 1]) before it",
    2: "Conv2d slides over images, or over each frame of a clip [frames, channels, height, "
       "width]; Reshape a vector into [channels, height, width] first",
    3: "Conv3d slides over volumes [channels, depth, height, width]: a clip read as one "
       "volume is [channels, frames, height, width] (Permute it from [frames, channels, "
       "height, width] with dims [0, 2, 1, 3, 4])",
}

LAYOUTS = {1: "a signal [channels, length]", 2: "an image [channels, height, width]",
           3: "a volume [channels, depth, height, width]"}
WHAT_SLIDES = {1: "signal's length.", 2: "image's height and width.",
               3: "volume's depth, height and width (a clip's frames, height and width)."}

PADDING_LIMITS = {
    # reflect and circular padding copy values from inside the input, so torch bounds them
    # by its size (reflect leaves out the edge value it mirrors around); zeros and
    # replicate pad any amount
    "reflect": (1, "smaller than"),
    "circular": (0, "at most"),
}


def _check_padding_mode(mode: str, padding: Sequence[int], spatial: Sequence[int],
                        what: str = "padding") -> None:
    if mode not in PADDING_LIMITS:
        return
    margin, phrase = PADDING_LIMITS[mode]
    if any(pad > size - margin for pad, size in zip(padding, spatial, strict=True)):
        raise LayerError(f"padding_mode '{mode}' needs {what} {phrase} the input "
                         f"{dims_text(spatial)} on each side, not {dims_text(padding)}; use "
                         "less padding or padding_mode 'zeros'")


def _sizes(n: int) -> tuple[SizeParam, SizeParam, SizeParam, SizeParam]:
    return (
        SizeParam("kernel_size", 3, "size of the sliding window", length=n, minimum=1),
        SizeParam("stride", 1, "step between windows", length=n, minimum=1),
        SizeParam("padding", 0, "zeros added on each side; 'same' keeps the size (stride 1)",
                  length=n, minimum=0, keywords=("same", "valid")),
        SizeParam("dilation", 1, "spacing between kernel elements", length=n, minimum=1),
    )


def _conv_spec(n: int) -> LayerSpec:
    kernel_p, stride_p, padding_p, dilation_p = _sizes(n)
    layout = LAYOUTS[n]

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        x = ranked_input(inputs, layout, n + 1, hint=HINTS[n])
        channels, spatial = x.shape[0], x.shape[1:]
        groups = p["groups"]
        if channels % groups or p["out_channels"] % groups:
            raise LayerError(f"groups={groups} must divide both its {channels} input channels "
                             f"and out_channels={p['out_channels']}")
        kernel, stride, dilation = (kernel_p.expand(p["kernel_size"]),
                                    stride_p.expand(p["stride"]),
                                    dilation_p.expand(p["dilation"]))
        padding = p["padding"]
        if padding == "same":
            if any(s != 1 for s in stride):
                raise LayerError("padding 'same' needs stride 1; use a number for padding "
                                 "with a strided convolution")
            # torch pads d·(k - 1) in all, the odd one on the right: that side is the larger
            larger_side = tuple(d * (k - 1) - d * (k - 1) // 2
                                for k, d in zip(kernel, dilation, strict=True))
            _check_padding_mode(p["padding_mode"], larger_side, spatial,
                                "the padding 'same' adds")
            return TensorInfo((p["out_channels"], *spatial))
        padding = (0,) * n if padding == "valid" else padding_p.expand(padding)
        _check_padding_mode(p["padding_mode"], padding, spatial)
        out = spatial_output("the convolution", spatial, kernel, stride, padding, dilation)
        return TensorInfo((p["out_channels"], *out))

    def count(p: Params, inputs: Sequence[TensorInfo]) -> int:
        channels = inputs[0].shape[0]
        weights = p["out_channels"] * (channels // p["groups"])
        for k in kernel_p.expand(p["kernel_size"]):
            weights *= k
        # a weight norm learns a length per output channel beside the weight's direction
        norms = p["out_channels"] if p["weight_norm"] else 0
        return weights + (p["out_channels"] if p["bias"] else 0) + norms

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[n - 1]
        padding = p["padding"] if isinstance(p["padding"], str) else tuple(
            padding_p.expand(p["padding"]))
        layer = conv(inputs[0].shape[0], p["out_channels"],
                     kernel_size=kernel_p.expand(p["kernel_size"]),
                     stride=stride_p.expand(p["stride"]), padding=padding,
                     dilation=dilation_p.expand(p["dilation"]), groups=p["groups"],
                     bias=p["bias"], padding_mode=p["padding_mode"])
        return weight_norm.applied(layer) if p["weight_norm"] else layer

    def macs(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
        channels, positions = inputs[0].shape[0], product(output.shape[1:])
        per_position = product(kernel_p.expand(p["kernel_size"])) * channels * \
            p["out_channels"] // p["groups"]
        return (per_position + (p["out_channels"] if p["bias"] else 0)) * positions

    def kept(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
        """A padding mode other than zeros pads a copy of the input first: the
        convolution keeps that copy (and keeps = "" then)."""
        if p["padding_mode"] == "zeros":
            return 0
        padding = p["padding"]
        if padding == "same":
            pads = [d * (k - 1) for k, d in zip(kernel_p.expand(p["kernel_size"]),
                                                dilation_p.expand(p["dilation"]),
                                                strict=True)]
        elif padding == "valid":
            pads = [0] * n
        else:
            pads = [2 * q for q in padding_p.expand(padding)]
        channels, spatial = inputs[0].shape[0], inputs[0].shape[1:]
        return 4 * channels * product(s + q for s, q in zip(spatial, pads, strict=True))

    def window(p: Params, inputs: Sequence[TensorInfo]):
        return (kernel_p.expand(p["kernel_size"]), stride_p.expand(p["stride"]),
                dilation_p.expand(p["dilation"]))

    def summary(p: Params) -> str:
        text = f"{p['out_channels']} {dims_text(kernel_p.expand(p['kernel_size']))}"
        stride = stride_p.expand(p["stride"])
        if any(s != 1 for s in stride):
            text += f" s{dims_text(stride)}"
        if p["padding"] == "same":
            text += " same"
        elif p["padding"] not in (0, "valid"):
            text += f" p{dims_text(padding_p.expand(p['padding']))}"
        return text

    return LayerSpec(
        name=f"Conv{n}d",
        category="Convolution",
        help=f"{n}-D convolution: learns out_channels filters that slide over the "
             + WHAT_SLIDES[n],
        params=(
            IntParam("out_channels", 16, "number of filters (output channels)", minimum=1),
            kernel_p, stride_p, padding_p, dilation_p,
            IntParam("groups", 1, "split channels into groups convolved separately",
                     minimum=1),
            BoolParam("bias", True, "learn an additive bias per output channel"),
            BoolParam("weight_norm", False, "learn each filter as a direction and a length "
                      "(weight normalisation, as temporal convolutional networks do)"),
            ChoiceParam("padding_mode", "zeros", "what the padding is filled with",
                        choices=("zeros", "reflect", "replicate", "circular")),
        ),
        infer=infer, count=count, build=build, summary=summary, macs=macs, window=window,
        keeps="input", kept=kept,
        frame_rank=CLIP_FRAME_RANK if n == 2 else None,
    )


SPECS = [_conv_spec(1), _conv_spec(2), _conv_spec(3)]
