"""Layers that turn features into sequences and back: ToSequence, LastStep, RepeatVector."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import ranked_input
from engine.catalogue.params import IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo


def _to_sequence_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = ranked_input(inputs, "conv features [channels, height, width] or [channels, length], "
                     "or a clip's [frames, channels, height, width]", 2, 3, 4)
    if len(x.shape) == 4:
        frames, channels, height, width = x.shape
        return TensorInfo((frames, channels * height * width))
    if len(x.shape) == 3:
        channels, height, width = x.shape
        return TensorInfo((width, channels * height))
    channels, length = x.shape
    return TensorInfo((length, channels))


def _to_sequence_expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                            module: str) -> str:
    if len(inputs[0].shape) == 4:
        # Flatten(start_dim=2) is written flatten(2): the explicit end tells the two apart
        # when the code is imported again
        return f"{args[0]}.flatten(2, 4)"
    if len(inputs[0].shape) == 3:
        return f"{args[0]}.flatten(1, 2).transpose(1, 2)"
    return f"{args[0]}.transpose(1, 2)"


def _last_step_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = ranked_input(inputs, "a sequence [time, features]", 2,
                     hint="put a ToSequence before it to make conv features or a clip "
                          "into a sequence")
    return TensorInfo((x.shape[1],))


def _repeat_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = ranked_input(inputs, "a vector [features]", 1,
                     hint="put a LastStep or Flatten before it")
    return TensorInfo((p["n"], x.shape[0]))


def _time_first_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    if not inputs[0].shape:
        raise LayerError("gives a sequence time-first, but gets one value per sample; put "
                         "it after a layer that gives steps")
    return inputs[0]


SPECS = [
    LayerSpec(
        name="TimeFirst",
        category="Sequence",
        help="Ends a network whose output code outside reads time-first, [steps, batch, "
             "...] (CTC, time-major code): the compiled network and exported model.py, "
             "ONNX and TorchScript give the output so; training, inspection and the edges "
             "read it batch-first, as every tensor of a project.",
        infer=_time_first_infer, ends_network=True, view=True,
        expression=lambda p, inputs, args, module: f"{args[0]}.transpose(0, 1)",
        summary=lambda p: "[steps, batch, …]",
    ),
    LayerSpec(
        name="ToSequence",
        category="Sequence",
        help="Reads conv features as a sequence: an image's width becomes time and each "
             "column's channels × height become its features ([C, H, W] → [W, C·H]); a "
             "signal [C, L] becomes [L, C]; a clip's frames become time steps ([T, C, H, W] "
             "→ [T, C·H·W]).",
        infer=_to_sequence_infer, expression=_to_sequence_expression, view=True,
    ),
    LayerSpec(
        name="LastStep",
        category="Sequence",
        help="Keeps only the last time step of a sequence ([T, F] → [F]): many-to-one; "
             "for sequences padded at their ends whose true lengths are known, each "
             "sequence's own last step.",
        infer=_last_step_infer, view=True,
        expression=lambda p, inputs, args, module: f"{args[0]}[:, -1]",
        padded_time="last", length_lines=lambda p, inputs, args, module, target, scratch: [
            f"{target} = {args[0]}[torch.arange({args[0]}.shape[0], "
            f"device={args[0]}.device), lengths - 1]"],
    ),
    LayerSpec(
        name="RepeatVector",
        category="Sequence",
        help="Repeats a vector n times into a sequence ([F] → [n, F]): one-to-many.",
        params=(IntParam("n", 8, "number of time steps", minimum=1),),
        infer=_repeat_infer,
        expression=lambda p, inputs, args, module: f"{args[0]}.unsqueeze(1).repeat(1, {p['n']}, 1)",
        summary=lambda p: f"×{p['n']}",
    ),
]
