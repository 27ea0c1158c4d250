"""The layer catalogue: one spec per layer kind drives the palette, the inspector, validation,
shape inference, compilation, export and the file format."""

from __future__ import annotations

import difflib

from engine.catalogue.layers import (
    activation,
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
    SizeParam,
)
from engine.catalogue.spec import LayerError, LayerSpec, Shape, TensorInfo

CATEGORIES = ("Input", "Convolution", "Pooling", "Recurrent", "Sequence", "Dense",
              "Normalisation", "Activation", "Shape", "Merge", "Operations")
"""Palette order."""

CATALOGUE: dict[str, LayerSpec] = {
    spec.name: spec
    for module in (input, convolution, pooling, recurrent, sequence, dense, normalisation,
                   activation, shape, reduce, merge, operation)
    for spec in module.SPECS
}


def spec_for(layer_type: str) -> LayerSpec | None:
    return CATALOGUE.get(layer_type)


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
    "CATALOGUE", "CATEGORIES", "ArgumentsParam", "BoolParam", "CallParam", "ChoiceParam",
    "FloatParam", "IntListParam",
    "IntParam", "LayerError", "LayerSpec", "Param", "ParamError", "Shape", "SizeParam",
    "TensorInfo", "by_category", "closest", "spec_for",
]
