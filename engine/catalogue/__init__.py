"""The layer catalogue: one spec per layer kind drives the palette, the inspector, validation,
shape inference, compilation, export and the file format."""

from __future__ import annotations

import difflib

from engine.catalogue.layers import (
    activation,
    attention,
    convolution,
    dense,
    input,
    merge,
    normalisation,
    operation,
    pooling,
    recurrent,
    reduce,
    sequence,
    shape,
)
from engine.catalogue.params import (
    ArgumentsParam,
    BoolParam,
    CallParam,
    ChoiceParam,
    FloatParam,
    IntListParam,
    IntParam,
    Param,
    ParamError,
    SharesParam,
    SizeParam,
    TensorsParam,
)
from engine.catalogue.spec import (
    PRESET_SEPARATOR,
    SHARES,
    LayerError,
    LayerSpec,
    Preset,
    Shape,
    TensorInfo,
)

CATEGORIES = ("Input", "Convolution", "Pooling", "Recurrent", "Sequence", "Dense",
              "Normalisation", "Activation", "Shape", "Merge", "Operations")
"""Palette order."""

CATALOGUE: dict[str, LayerSpec] = {
    spec.name: spec
    for module in (input, convolution, pooling, recurrent, sequence, attention, dense,
                   normalisation, activation, shape, reduce, merge, operation)
    for spec in module.SPECS
}


def spec_for(layer_type: str) -> LayerSpec | None:
    return CATALOGUE.get(layer_type)


def entry(payload: str) -> tuple[str, dict] | None:
    """What a palette entry makes: (layer type, params) for a layer's name ('Conv2d', with
    its defaults) or a preset's ('Operation:chunk'); None for anything else."""
    layer_type, _, preset = payload.partition(PRESET_SEPARATOR)
    spec = spec_for(layer_type)
    if spec is None:
        return None
    if not preset:
        return layer_type, {}
    chosen = next((p for p in spec.presets if p.name == preset), None)
    return None if chosen is None else (layer_type, dict(chosen.params))


def closest(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    """The option a typo most probably meant, for 'did you mean' hints."""
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not matches:
        lowered = {o.lower(): o for o in options}
        return lowered.get(word.lower())
    return matches[0]


def by_category() -> dict[str, list[LayerSpec]]:
    groups: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
    for spec in CATALOGUE.values():
        groups[spec.category].append(spec)
    return groups


__all__ = [
    "CATALOGUE",
    "CATEGORIES",
    "PRESET_SEPARATOR",
    "SHARES",
    "ArgumentsParam",
    "BoolParam",
    "CallParam",
    "ChoiceParam",
    "FloatParam",
    "IntListParam",
    "IntParam",
    "LayerError",
    "LayerSpec",
    "Param",
    "ParamError",
    "Preset",
    "Shape",
    "SharesParam",
    "SizeParam",
    "TensorInfo",
    "TensorsParam",
    "by_category",
    "closest",
    "entry",
    "spec_for",
]
