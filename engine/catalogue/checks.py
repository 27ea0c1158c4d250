"""Checks and arithmetic that several layer kinds share."""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.catalogue.spec import LayerError, Shape, TensorInfo

CLIP_FRAME_RANK = 3
"""A clip [frames, channels, height, width] is a sequence of images [channels, height,
width]: the layers made for one image apply to each of its frames."""

LAYOUTS = {
    1: "a vector [features]",
    2: "a sequence [time, features] or a signal [channels, length]",
    3: "an image [channels, height, width]",
    4: "a clip [frames, channels, height, width]",
}


def describe_rank(rank: int) -> str:
    return LAYOUTS.get(rank, f"a tensor of rank {rank}")


def float_input(inputs: Sequence[TensorInfo]) -> TensorInfo:
    tensor = inputs[0]
    if tensor.dtype != "float32":
        raise LayerError(f"needs float values but gets {tensor}, integer token ids; "
                         "put an Embedding first to turn ids into vectors")
    return tensor


def ranked_input(inputs: Sequence[TensorInfo], layout: str, *ranks: int,
                 hint: str = "") -> TensorInfo:
    """The single float input, refused unless its rank (batch excluded) is one of `ranks`."""
    tensor = float_input(inputs)
    if len(tensor.shape) not in ranks:
        message = f"expects {layout} but gets {tensor}"
        raise LayerError(message + (f"; {hint}" if hint else ""))
    return tensor


def dims_text(values: Sequence[int]) -> str:
    return "×".join(str(v) for v in values)


def window_output(size: int, kernel: int, stride: int, padding: int, dilation: int = 1,
                  ceil_mode: bool = False) -> int:
    """Output length of a sliding window, exactly as torch computes it (ceil_mode included)."""
    effective = dilation * (kernel - 1) + 1
    numerator = size + 2 * padding - effective + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def spatial_output(name: str, spatial: Shape, kernel: Sequence[int], stride: Sequence[int],
                   padding: Sequence[int], dilation: Sequence[int],
                   ceil_mode: bool = False) -> Shape:
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    padded = [s + 2 * p for s, p in zip(spatial, padding, strict=True)]
    # with ceil_mode torch keeps a last window that hangs over the end of the input, so a
    # window larger than the input can still give an output; the size check below decides
    if not ceil_mode and any(e > p for e, p in zip(effective, padded, strict=True)):
        what = "kernel" if all(d == 1 for d in dilation) else "dilated kernel"
        raise LayerError(f"its {what} {dims_text(effective)} is larger than its "
                         f"{'padded ' if any(padding) else ''}input {dims_text(padded)}, "
                         "which leaves an output of size 0; use a smaller kernel_size, more "
                         "padding, or fewer downsampling layers before it")
    out = tuple(window_output(s, k, st, p, d, ceil_mode) for s, k, st, p, d
                in zip(spatial, kernel, stride, padding, dilation, strict=True))
    if any(o <= 0 for o in out):
        raise LayerError(f"{name} would shrink {dims_text(spatial)} to {dims_text(out)}; "
                         "use a smaller kernel_size or stride")
    return out


def normalise_dim(dim: int, rank_with_batch: int, what: str = "dim") -> int:
    """`dim` (batch counted as 0, negatives from the end) as a non-negative index."""
    if not -rank_with_batch <= dim < rank_with_batch:
        raise LayerError(f"{what} {dim} is out of range for a batch of "
                         f"{rank_with_batch - 1}-d tensors (batch is dim 0; valid: "
                         f"{-rank_with_batch} to {rank_with_batch - 1})")
    return dim % rank_with_batch


def product(values: Sequence[int]) -> int:
    return math.prod(values)
