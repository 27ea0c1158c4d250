"""Max, average and min pooling, and their adaptive forms, in 1-D and 2-D (max, average
and adaptive average pooling in 3-D too, for volumes and clips read as volumes)."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import CLIP_FRAME_RANK, dims_text, ranked_input, spatial_output
from engine.catalogue.params import BoolParam, SizeParam
from engine.catalogue.spec import (
    LayerError,
    LayerSpec,
    Params,
    TensorInfo,
    bytes_of,
    input_values,
    no_cost,
    size_of,
)


def _indices(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    """Max pooling also keeps where each maximum came from (int64)."""
    return 8 * size_of(output)


def _negated_and_indices(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo
                         ) -> int:
    return bytes_of(inputs[0]) + _indices(p, inputs, output)


LAYOUTS = {1: "a signal [channels, length]",
           2: "an image [channels, height, width] or a clip of them [frames, channels, "
              "height, width]",
           3: "a volume [channels, depth, height, width]"}


def _window_spec(kind: str, n: int) -> LayerSpec:
    """MaxPool, AvgPool and MinPool: a window sliding with a stride."""
    kernel_p = SizeParam("kernel_size", 2, "size of the pooling window", length=n, minimum=1)
    stride_p = SizeParam("stride", None, "step between windows; null means kernel_size",
                         length=n, minimum=1, optional=True)
    padding_p = SizeParam("padding", 0, "implicit padding on each side, at most half the "
                          "kernel", length=n, minimum=0)
    dilation_p = SizeParam("dilation", 1, "spacing between window elements", length=n,
                           minimum=1)
    params = [kernel_p, stride_p, padding_p]
    if kind != "Avg":
        params.append(dilation_p)
    params.append(BoolParam("ceil_mode", False, "round the output size up instead of down"))
    if kind == "Avg":
        params.append(BoolParam("count_include_pad", True,
                                "count padding zeros when averaging"))

    def geometry(p: Params) -> tuple[tuple[int, ...], ...]:
        kernel = kernel_p.expand(p["kernel_size"])
        stride = kernel if p["stride"] is None else stride_p.expand(p["stride"])
        dilation = dilation_p.expand(p.get("dilation", 1))
        return kernel, stride, padding_p.expand(p["padding"]), dilation

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        x = ranked_input(inputs, LAYOUTS[n], n + 1)
        kernel, stride, padding, dilation = geometry(p)
        # torch bounds the padding by half the kernel_size, even when dilation widens the
        # window
        if any(2 * pad > k for k, pad in zip(kernel, padding, strict=True)):
            raise LayerError(f"padding {dims_text(padding)} is more than half the "
                             f"kernel_size {dims_text(kernel)}; use less padding")
        if kind == "Avg" and n == 3 and any(k > size for k, size in zip(
                kernel, x.shape[1:], strict=True)):
            # torch's 3-D average pooling, unlike the others, does not count the padding
            raise LayerError(f"its kernel_size {dims_text(kernel)} is larger than its input "
                             f"{dims_text(x.shape[1:])} (padding aside); use a smaller "
                             "kernel_size")
        out = spatial_output("pooling", x.shape[1:], kernel, stride, padding, dilation,
                             p["ceil_mode"])
        return TensorInfo((x.shape[0], *out))

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        kernel, stride, padding, dilation = geometry(p)
        if kind == "Avg":
            pool = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[n - 1]
            return pool(kernel, stride, padding, ceil_mode=p["ceil_mode"],
                        count_include_pad=p["count_include_pad"])
        pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[n - 1]
        return pool(kernel, stride, padding, dilation, ceil_mode=p["ceil_mode"])

    def expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                   module: str) -> str:
        if kind == "Min":
            # min over a window is minus the max of the negated window
            return f"-{module}(-{args[0]})"
        return f"{module}({args[0]})"

    def window(p: Params, inputs: Sequence[TensorInfo]):
        kernel, stride, _, dilation = geometry(p)
        return kernel, stride, dilation

    def summary(p: Params) -> str:
        kernel, stride, _, _ = geometry(p)
        text = dims_text(kernel)
        return text if stride == kernel else f"{text} s{dims_text(stride)}"

    what = {"Max": "largest", "Avg": "average", "Min": "smallest"}[kind]
    return LayerSpec(
        # min pooling keeps the negated copy of its input it pools, not the input itself
        macs=input_values, keeps="" if kind == "Min" else "input",
        kept={"Avg": no_cost, "Max": _indices, "Min": _negated_and_indices}[kind],
        name=f"{kind}Pool{n}d",
        category="Pooling",
        help=f"Keeps the {what} value of each window, downsampling each channel.",
        params=tuple(params),
        infer=infer, build=build, expression=expression, summary=summary, window=window,
        frame_rank=CLIP_FRAME_RANK if n == 2 else None,
    )


def _adaptive_spec(kind: str, n: int) -> LayerSpec:
    size_p = SizeParam("output_size", 1, "the size of each output channel, whatever the "
                       "input size", length=n, minimum=1)

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        x = ranked_input(inputs, LAYOUTS[n], n + 1)
        return TensorInfo((x.shape[0], *size_p.expand(p["output_size"])))

    def window(p: Params, inputs: Sequence[TensorInfo]):
        sizes = inputs[0].shape[1:]
        outputs = size_p.expand(p["output_size"])
        # torch's windows for output i: from floor(i·in/out) to ceil((i+1)·in/out)
        kernel = tuple(-(-size // out) + (1 if size % out else 0)
                       for size, out in zip(sizes, outputs, strict=True))
        return (kernel, tuple(max(size // out, 1) for size, out in zip(sizes, outputs,
                                                                       strict=True)),
                (1,) * len(sizes))

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        pool = getattr(nn, f"Adaptive{kind}Pool{n}d")
        return pool(size_p.expand(p["output_size"]))

    return LayerSpec(
        macs=input_values,
        # adaptive average pooling keeps only sizes; max pooling its input and indices
        keeps="" if kind == "Avg" else "input", kept=no_cost if kind == "Avg" else _indices,
        name=f"Adaptive{kind}Pool{n}d",
        category="Pooling",
        help=f"{'Averages' if kind == 'Avg' else 'Takes the max'} over windows chosen so "
             "that each channel comes out at output_size, whatever the input size.",
        params=(size_p,),
        infer=infer, build=build,
        summary=lambda p: "→" + dims_text(size_p.expand(p["output_size"])), window=window,
        frame_rank=CLIP_FRAME_RANK if n == 2 else None,
    )


SPECS = [
    *(_window_spec(kind, n) for kind in ("Max", "Avg", "Min") for n in (1, 2)),
    *(_adaptive_spec(kind, n) for kind in ("Avg", "Max") for n in (1, 2)),
    _window_spec("Max", 3), _window_spec("Avg", 3), _adaptive_spec("Avg", 3),
]
