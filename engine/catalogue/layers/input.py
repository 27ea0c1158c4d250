"""Input: where data enters the network."""

from __future__ import annotations

from engine.catalogue.params import BoolParam, ChoiceParam, IntListParam
from engine.catalogue.spec import LayerSpec, TensorInfo

SPECS = [
    LayerSpec(
        name="Input",
        category="Input",
        help="Where a sample enters the network. The shape leaves out the batch dimension: "
             "[channels, height, width] for images, [time, features] for sequences, "
             "[time] of int64 token ids for an Embedding.",
        params=(
            IntListParam("shape", [1, 28, 28], "the shape of one sample, without the batch"),
            ChoiceParam("dtype", "float32", "float32 for measurements and pixels, int64 for "
                        "token ids and lengths, bool for masks",
                        choices=("float32", "int64", "bool")),
            BoolParam("variable_length", False, "sequences [time, features] (or [time] of "
                      "token ids) of different lengths, padded at their ends: the network "
                      "is given each one's true length, so recurrent layers read only its "
                      "real steps and LastStep takes its own last step"),
        ),
        min_inputs=0,
        max_inputs=0,
        infer=lambda p, inputs: TensorInfo(tuple(p["shape"]), p["dtype"]),
        summary=lambda p: "[" + ", ".join(map(str, p["shape"])) + "]"
                          + ("" if p["dtype"] == "float32" else f" {p['dtype']}")
                          + (" variable length" if p["variable_length"] else ""),
    ),
]
