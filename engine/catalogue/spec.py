"""A layer spec: everything the application knows about one kind of layer, in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.catalogue.params import Param, SharesParam

SHARES = "shares"
"""The parameter by which a layer uses another layer's weights."""

Shape = tuple[int, ...]
"""A tensor's shape without the batch dimension."""


@dataclass(frozen=True)
class TensorInfo:
    """What flows along an edge: a shape (no batch dimension) and a dtype name."""

    shape: Shape
    dtype: str = "float32"

    def __str__(self) -> str:
        text = "[" + ", ".join(str(d) for d in self.shape) + "]"
        return text if self.dtype == "float32" else f"{text} {self.dtype}"


class LayerError(ValueError):
    """A layer cannot take the inputs it is given; the message says why and how to fix it."""


Params = Mapping[str, Any]
Infer = Callable[[Params, Sequence[TensorInfo]], TensorInfo]
Count = Callable[[Params, Sequence[TensorInfo]], int]
Build = Callable[[Params, Sequence[TensorInfo]], Any]
Expression = Callable[[Params, Sequence[TensorInfo], Sequence[str], str], str]
Warn = Callable[[Params, Sequence[TensorInfo]], list[str]]
Cost = Callable[[Params, Sequence[TensorInfo], TensorInfo], int]
"""(params, inputs, output) → a figure for one sample."""
Window = Callable[[Params, Sequence[TensorInfo]],
                  tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]
"""(params, inputs) → (kernel, stride, dilation) along each spatial dimension."""


def call_module(params: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                module: str) -> str:
    return f"{module}({args[0]})"


def no_parameters(params: Params, inputs: Sequence[TensorInfo]) -> int:
    return 0


def no_warnings(params: Params, inputs: Sequence[TensorInfo]) -> list[str]:
    return []


def no_cost(params: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    return 0


DTYPE_BYTES = {"float32": 4, "int64": 8, "bool": 1}


def size_of(tensor: TensorInfo) -> int:
    """How many values one sample of `tensor` holds."""
    count = 1
    for dimension in tensor.shape:
        count *= dimension
    return count


def bytes_of(tensor: TensorInfo) -> int:
    """How many bytes one sample of `tensor` takes."""
    return size_of(tensor) * DTYPE_BYTES.get(tensor.dtype, 4)


def output_values(params: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    return size_of(output)


def input_values(params: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    return sum(size_of(x) for x in inputs)



@dataclass(frozen=True)
class Preset:
    """A layer kind with chosen parameters, under a name of its own in the palette."""

    name: str
    params: Mapping[str, Any]
    help: str


PRESET_SEPARATOR = ":"
"""A palette entry's payload for a preset: 'Operation:chunk'."""


@dataclass(frozen=True)
class LayerSpec:
    """One layer kind.

    infer:      output from the inputs and the (checked, defaults-filled) params; raises
                LayerError when the inputs do not fit.
    count:      the number of trainable values the torch module will hold, computed without
                building it.
    build:      the torch module for a node, or None for layers written as plain tensor
                expressions (Add, Reshape, ...). Built only for inputs `infer` accepted.
    expression: the Python expression for the node's output in generated code, given its
                inputs, their variable names and the name of its module attribute.
    warnings:   advice about params that work but are probably not meant (never errors).
    macs:       multiply-accumulate operations of a forward pass, per sample, as ptflops
                (0.7, modules only) counts them: convolutions and Linear their products
                (bias included), recurrent layers their gates' products and element-wise
                steps at every time step, ReLU-like activations and pooling one per value
                (of the output; of the input for pooling), batch norm two per value (one
                without affine), LayerNorm one; the rest (sigmoid, tanh, softmax, dropout,
                reshapes, merges, reductions, embedding look-ups) none.
    keeps:      which of its tensors autograd keeps from the forward pass for the backward
                one: "input", "output", "input+output" or "" (what the training-step
                memory estimate adds up, each tensor once however many keep it);
    kept:       bytes per sample it keeps besides them (max pooling's indices, dropout's
                mask, a recurrent layer's gates at every step);
    view:       its output shares its input's memory (reshapes, permutes, slices).
    window:     for layers that slide a window (convolution, pooling): its kernel, stride
                and dilation, from which receptive fields follow.
    frame_rank: for layers made for one image (Conv2d, 2-D pooling, BatchNorm2d: 3), the
                rank of one frame. Given a clip, one dimension more in front ([T, C, H, W]),
                they apply to every frame with shared weights and keep T in front; the
                methods output(), parameter_count(), module(), code() and advice() do that
                for every layer that sets it, so a spec's own rules only ever see frames.
    """

    name: str
    category: str
    help: str
    infer: Infer
    params: tuple[Param, ...] = ()
    min_inputs: int = 1
    max_inputs: int | None = 1
    count: Count = no_parameters
    build: Build | None = None
    expression: Expression = call_module
    warnings: Warn = no_warnings
    summary: Callable[[Params], str] | None = None
    """A few words for the node's face on the canvas, e.g. '32 3×3 s1'."""
    macs: Cost = no_cost
    keeps: str = ""
    kept: Cost = no_cost
    view: bool = False
    window: Window | None = None
    frame_rank: int | None = None
    padded_time: str = ""
    """How the layer treats a batch of sequences [T, F] padded at their ends whose true
    lengths the network is given: 'each' (step by step, so the lengths still hold after
    it), 'recurrent' (it runs over each sequence's true steps only) or 'last' (it takes
    each sequence's last true step); '' where the lengths no longer apply."""
    length_lines: Callable[[Params, Sequence[TensorInfo], Sequence[str], str, str, str],
                           list[str]] | None = None
    """For 'recurrent' and 'last': the statements that give the output `target` when the
    true lengths are known (`lengths`), given (params, inputs, args, module, target,
    scratch), `scratch` a variable free for the steps between."""
    ends_network: bool = False
    """Only a network's output: it changes how the output is handed to code outside (the
    compiled network, exported files), while training, inspection and the figures read
    the layer before it (engine.codegen's `outer_layout`)."""
    presets: tuple[Preset, ...] = ()
    shareable: bool = True
    """Whether a node may use another node's weights (`shares`, added to the params of
    every layer that has weights)."""
    """Named settings the palette offers as layers of their own (Operation's chunk,
    matmul, ...): dropping one makes this kind of node with those parameters."""
    _by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.shareable and self.build is not None and self.count is not no_parameters \
                and all(p.name != SHARES for p in self.params):
            object.__setattr__(self, "params", (*self.params, SharesParam(
                SHARES, None, "the id of a layer of this kind and these settings whose "
                "weights it uses (one module called in several places, as code calls "
                "self.conv at every step); none for weights of its own")))
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def param(self, name: str) -> Param | None:
        return self._by_name.get(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with `given`, each value checked. Raises ParamError or KeyError."""
        resolved = self.defaults()
        for name, value in given.items():
            param = self._by_name[name]
            resolved[name] = param.check(value)
        return resolved

    def non_defaults(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The entries of `params` that differ from the defaults: what a project file stores."""
        defaults = self.defaults()
        return {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}

    # -- what the rest of the application asks of a layer, frame by frame for clips --------

    def frames(self, inputs: Sequence[TensorInfo]) -> int | None:
        """The number of frames when the layer is given a clip and applies to each frame;
        None otherwise."""
        if self.frame_rank is None or len(inputs) != 1:
            return None
        shape = inputs[0].shape
        return shape[0] if len(shape) == self.frame_rank + 1 else None

    def _per_frame(self, inputs: Sequence[TensorInfo]) -> Sequence[TensorInfo]:
        """One frame's input when given a clip, else the inputs themselves."""
        if self.frames(inputs) is None:
            return inputs
        return [TensorInfo(inputs[0].shape[1:], inputs[0].dtype)]

    def output(self, params: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        """What the layer gives for `inputs`; raises LayerError when they do not fit."""
        frames = self.frames(inputs)
        if frames is None:
            return self.infer(params, inputs)
        try:
            frame = self.infer(params, self._per_frame(inputs))
        except LayerError as error:
            raise LayerError(f"on each of the {frames} frames: {error}") from None
        return TensorInfo((frames, *frame.shape), frame.dtype)

    def parameter_count(self, params: Params, inputs: Sequence[TensorInfo]) -> int:
        """Trainable values; the frames of a clip share them, and a layer that uses
        another's weights (`shares`) has none of its own."""
        if params.get(SHARES):
            return 0
        return self.count(params, self._per_frame(inputs))

    def module(self, params: Params, inputs: Sequence[TensorInfo]) -> Any:
        """The torch module, or None for a layer written as a plain expression or one that
        calls another's module (`shares`)."""
        if self.build is None or params.get(SHARES):
            return None
        return self.build(params, self._per_frame(inputs))

    def code(self, params: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
             module: str) -> str:
        """The Python expression for the layer's output. On a clip, the frames of all
        samples go through the layer as one batch, as one writes it by hand:
        `self.conv(x.flatten(0, 1)).unflatten(0, (-1, T))`. A layer that shares another's
        weights calls that one's module."""
        if params.get(SHARES):
            module = f"{module.rpartition('.')[0]}.{params[SHARES]}".lstrip(".")
        frames = self.frames(inputs)
        if frames is None:
            return self.expression(params, inputs, args, module)
        frames_as_batch = f"{args[0]}.flatten(0, 1)"
        inner = self.expression(params, self._per_frame(inputs), [frames_as_batch], module)
        if inner != f"{module}({frames_as_batch})":  # MinPool's -pool(-x), bracketed
            inner = f"({inner})"
        return f"{inner}.unflatten(0, (-1, {frames}))"

    def advice(self, params: Params, inputs: Sequence[TensorInfo]) -> list[str]:
        return self.warnings(params, self._per_frame(inputs))

    def forward_macs(self, params: Params, inputs: Sequence[TensorInfo],
                     output: TensorInfo) -> int:
        """Multiply-accumulates of one sample's forward pass (every frame of a clip)."""
        return self._per_sample(self.macs, params, inputs, output)

    def kept_bytes(self, params: Params, inputs: Sequence[TensorInfo],
                   output: TensorInfo) -> int:
        """Bytes of one sample's forward pass that autograd keeps for the backward one,
        besides the tensors `keeps` names."""
        return self._per_sample(self.kept, params, inputs, output)

    def _per_sample(self, rule: Cost, params: Params, inputs: Sequence[TensorInfo],
                    output: TensorInfo) -> int:
        frames = self.frames(inputs)
        if frames is None:
            return rule(params, inputs, output)
        frame = TensorInfo(output.shape[1:], output.dtype)
        return frames * rule(params, self._per_frame(inputs), frame)

    @property
    def is_input(self) -> bool:
        return self.max_inputs == 0

    @property
    def takes_inputs(self) -> str:
        if self.max_inputs == self.min_inputs:
            return "no input" if self.min_inputs == 0 else (
                "one input" if self.min_inputs == 1 else f"{self.min_inputs} inputs")
        if self.max_inputs is None:
            return f"{self.min_inputs} or more inputs"
        return f"{self.min_inputs} to {self.max_inputs} inputs"
