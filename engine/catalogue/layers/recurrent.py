"""RNN, LSTM and GRU, batch-first; a node outputs the whole sequence of hidden states."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import ranked_input
from engine.catalogue.params import BoolParam, ChoiceParam, FloatParam, IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
ELEMENT_WISE_STEPS = {"RNN": 1, "GRU": 7, "LSTM": 10}
"""ptflops' count of a step's element-wise work, in hidden sizes (the gates' additions and
products)."""
KEPT_PER_STEP = {"RNN": (1.0, 1.0), "GRU": (7.0, 1.0), "LSTM": (11.5, 7.0)}
"""Values a layer keeps for the backward pass at every time step, in each direction of each
of its layers: so many per hidden feature, and so many per feature of the wider of its
input and its hidden state (gates, states, the copy of its input its kernel works on; an
LSTM's output is among them). Read off the tensors autograd saves on the CPU (torch 2.13,
oneDNN); see bench/memory_estimate.py."""
PROJECTED_LSTM_PER_STEP = 8.5
"""An LSTM with proj_size runs PyTorch's own kernel, which keeps this per hidden feature."""
HINT = ("put a ToSequence before it to read an image's width (or a signal's length, or a "
        "clip's frames) as time, or a RepeatVector to repeat a vector over time")


def _recurrent_spec(name: str) -> LayerSpec:
    gates = GATES[name]

    def output_size(p: Params) -> int:
        return p.get("proj_size", 0) or p["hidden_size"]

    def infer(p: Params, inputs: Sequence[TensorInfo]) -> TensorInfo:
        x = ranked_input(inputs, "a sequence [time, features]", 2, hint=HINT)
        if p.get("proj_size", 0) >= p["hidden_size"]:
            raise LayerError(f"proj_size {p['proj_size']} must be smaller than hidden_size "
                             f"{p['hidden_size']}")
        directions = 2 if p["bidirectional"] else 1
        return TensorInfo((x.shape[0], output_size(p) * directions))

    def count(p: Params, inputs: Sequence[TensorInfo]) -> int:
        hidden, directions = p["hidden_size"], 2 if p["bidirectional"] else 1
        recurrent_in = output_size(p)
        total, layer_in = 0, inputs[0].shape[-1]
        for _ in range(p["num_layers"]):
            per_direction = gates * hidden * (layer_in + recurrent_in)
            if p["bias"]:
                per_direction += 2 * gates * hidden
            if p.get("proj_size", 0):
                per_direction += p["proj_size"] * hidden
            total += per_direction * directions
            layer_in = recurrent_in * directions
        return total

    def macs(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
        hidden, directions = p["hidden_size"], 2 if p["bidirectional"] else 1
        recurrent_in = output_size(p)
        per_step, layer_in = 0, inputs[0].shape[-1]
        for _ in range(p["num_layers"]):
            per_step += gates * hidden * (layer_in + recurrent_in)
            per_step += ELEMENT_WISE_STEPS[name] * hidden
            if p["bias"]:
                per_step += 2 * gates * hidden
            layer_in = recurrent_in * directions
        return per_step * inputs[0].shape[0] * directions

    def kept(p: Params, inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
        directions = 2 if p["bidirectional"] else 1
        per_hidden, per_wider = KEPT_PER_STEP[name]
        if p.get("proj_size", 0):
            per_hidden, per_wider = PROJECTED_LSTM_PER_STEP, 0.0
        values, layer_in = 0.0, inputs[0].shape[-1]
        for _ in range(p["num_layers"]):
            hidden = p["hidden_size"]
            values += per_hidden * hidden + per_wider * max(layer_in, hidden)
            layer_in = output_size(p) * directions
        return int(4 * values * directions * inputs[0].shape[0])

    def build(p: Params, inputs: Sequence[TensorInfo]):
        from torch import nn

        extra = {"nonlinearity": p["nonlinearity"]} if name == "RNN" else {}
        if name == "LSTM":
            extra["proj_size"] = p["proj_size"]
        return getattr(nn, name)(inputs[0].shape[-1], p["hidden_size"],
                                 num_layers=p["num_layers"], bias=p["bias"], batch_first=True,
                                 dropout=p["dropout"], bidirectional=p["bidirectional"],
                                 **extra)

    def expression(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                   module: str) -> str:
        return f"{module}({args[0]})[0]"

    def length_lines(p: Params, inputs: Sequence[TensorInfo], args: Sequence[str],
                     module: str, target: str, scratch: str) -> list[str]:
        # over each sequence's true steps only: the padding changes nothing, bidirectional
        # layers included (their backward pass starts at each sequence's true end)
        x = args[0]
        return [f"{scratch} = pack_padded_sequence({x}, lengths.cpu(), batch_first=True, "
                "enforce_sorted=False)",
                f"{scratch}, _ = {module}({scratch})",
                f"{target}, _ = pad_packed_sequence({scratch}, batch_first=True, "
                f"total_length={x}.shape[1])"]

    def warnings(p: Params, inputs: Sequence[TensorInfo]) -> list[str]:
        if p["dropout"] > 0 and p["num_layers"] == 1:
            return ["dropout applies only between stacked layers, so it does nothing with "
                    "num_layers 1; raise num_layers or add a Dropout node after it"]
        return []

    def summary(p: Params) -> str:
        text = str(p["hidden_size"])
        if p["num_layers"] > 1:
            text += f" ×{p['num_layers']}"
        return text + (" bi" if p["bidirectional"] else "")

    params = [
        IntParam("hidden_size", 64, "features in the hidden state", minimum=1),
        IntParam("num_layers", 1, "recurrent layers stacked inside this node", minimum=1,
                 maximum=64),
        BoolParam("bidirectional", False, "also read the sequence backwards and concatenate "
                  "both directions"),
        FloatParam("dropout", 0.0, "dropout between stacked layers", minimum=0.0,
                   maximum=1.0, exclusive_maximum=True),
        BoolParam("bias", True, "learn bias terms"),
    ]
    if name == "RNN":
        params.append(ChoiceParam("nonlinearity", "tanh", "activation of the hidden state",
                                  choices=("tanh", "relu")))
    if name == "LSTM":
        params.append(IntParam("proj_size", 0, "project the hidden state to this size "
                               "(0: no projection)", minimum=0))
    helps = {
        "RNN": "Elman recurrent layer: the simplest memory over a sequence.",
        "LSTM": "Long short-term memory: gated memory that keeps information over long "
                "sequences.",
        "GRU": "Gated recurrent unit: like an LSTM with fewer gates and parameters.",
    }
    return LayerSpec(
        name=name, category="Recurrent",
        help=helps[name] + " Outputs the hidden state at every time step.",
        params=tuple(params), infer=infer, count=count, build=build,
        expression=expression, warnings=warnings, summary=summary, macs=macs, kept=kept,
        padded_time="recurrent", length_lines=length_lines,
    )


SPECS = [_recurrent_spec(name) for name in ("RNN", "LSTM", "GRU")]
