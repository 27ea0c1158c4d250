"""RNN, LSTM and GRU, batch-first; a node outputs the whole sequence of hidden states."""

from __future__ import annotations

from collections.abc import Sequence

from engine.catalogue.checks import ranked_input
from engine.catalogue.params import BoolParam, ChoiceParam, FloatParam, IntParam
from engine.catalogue.spec import LayerError, LayerSpec, Params, TensorInfo

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
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
        expression=expression, warnings=warnings, summary=summary,
    )


SPECS = [_recurrent_spec(name) for name in ("RNN", "LSTM", "GRU")]
