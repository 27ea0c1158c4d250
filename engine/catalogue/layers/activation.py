"""Element-wise activations and (log-)softmax."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import float_input, normalise_dim
from engine.catalogue.params import ChoiceParam, FloatParam, IntParam, Param
from engine.catalogue.spec import (
    LayerError,
    LayerSpec,
    Params,
    TensorInfo,
    no_cost,
    output_values,
)


def _builder(name: str, *param_names: str):
    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        return getattr(nn, name)(**{k: p[k] for k in param_names})
    return build


COUNTED = {"ReLU", "LeakyReLU", "ELU", "GELU"}
"""The activations ptflops counts (one MAC per value); it leaves the others out."""


def _elementwise(name: str, help: str, *params: Param) -> LayerSpec:
    return LayerSpec(
        name=name, category="Activation", help=help, params=params,
        infer=lambda p, inputs: float_input(inputs),
        build=_builder(name, *(param.name for param in params)),
        macs=output_values if name in COUNTED else no_cost,
        # GELU's gradient needs its input; the others' their output
        keeps="input" if name == "GELU" else "output",
        padded_time="each",
    )


def _prelu_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = float_input(inputs)
    slopes = p["num_parameters"]
    if slopes != 1 and (not x.shape or x.shape[0] != slopes):
        raise LayerError(f"num_parameters={slopes} learns a slope per channel, but its input "
                         f"{x} has {x.shape[0] if x.shape else 'no'} channels first; set "
                         f"num_parameters to {x.shape[0] if x.shape else 1} or 1")
    return x


def _prelu_build(p: Params, inputs: Sequence[TensorInfo]):
    from torch import nn

    return nn.PReLU(p["num_parameters"], init=p["init"])


def _softmax_infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
    x = float_input(inputs)
    normalise_dim(p["dim"], len(x.shape) + 1)
    return x


def _softmax_warnings(p: Params, inputs: Sequence[TensorInfo]) -> list[str]:
    if normalise_dim(p["dim"], len(inputs[0].shape) + 1) == 0:
        return ["dim 0 is the batch: this mixes different samples; use -1 for the features"]
    return []


def _softmax(name: str, help: str) -> LayerSpec:
    return LayerSpec(
        name=name, category="Activation", help=help,
        params=(IntParam("dim", -1, "the dimension that sums to one (batch is 0; -1 is the "
                         "last)"),),
        infer=_softmax_infer, build=_builder(name, "dim"), warnings=_softmax_warnings,
        keeps="output",
        summary=lambda p: f"dim={p['dim']}",
    )


SPECS = [
    _elementwise("ReLU", "max(0, x): the default activation for convolutional and dense "
                 "layers."),
    _elementwise("LeakyReLU", "x for x > 0, negative_slope·x otherwise; keeps a small "
                 "gradient for negative inputs.",
                 FloatParam("negative_slope", 0.01, "slope for negative inputs",
                            minimum=0.0)),
    _elementwise("ELU", "x for x > 0, alpha·(exp(x) - 1) otherwise.",
                 FloatParam("alpha", 1.0, "value approached for large negative inputs",
                            minimum=0.0)),
    _elementwise("GELU", "x·Φ(x): the smooth activation of transformers.",
                 ChoiceParam("approximate", "none", "'tanh' uses the faster approximation",
                             choices=("none", "tanh"))),
    LayerSpec(
        name="PReLU", category="Activation",
        help="x for x > 0, a·x otherwise, with the slope a learnt: one for all channels, "
             "or one per channel.",
        params=(IntParam("num_parameters", 1, "slopes learnt: 1, or the input's channels",
                         minimum=1),
                FloatParam("init", 0.25, "the slopes' first value")),
        infer=_prelu_infer, build=_prelu_build,
        count=lambda p, inputs: p["num_parameters"], macs=output_values,
        keeps="input", padded_time="each",
    ),
    _elementwise("Sigmoid", "1 / (1 + exp(-x)): squashes to (0, 1)."),
    _elementwise("Tanh", "Hyperbolic tangent: squashes to (-1, 1)."),
    _softmax("Softmax", "Turns scores into probabilities along dim. Leave it out before "
             "CrossEntropyLoss, which applies it itself."),
    _softmax("LogSoftmax", "Log of softmax along dim, numerically stable; pairs with NLLLoss "
             "and CTCLoss."),
]
