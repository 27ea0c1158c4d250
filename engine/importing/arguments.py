"""forward()'s arguments after the input: a network with one input may still take a
recurrent state, `forward(self, x, hidden)`, when it starts from zeros, as the catalogue's
recurrent layers do. Such a state comes from the module's own init_hidden-style method,
and only when that gives zeros."""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from engine.importing.problems import ImportProblem

STATE_MAKERS = ("init_hidden", "init_hidden_state", "initHidden", "init_state",
                "begin_state", "initial_state", "zero_state")
"""The names people give the method that makes a recurrent network's first state."""


def later_arguments(module: nn.Module, class_name: str, where: str, batch: int
                    ) -> dict[str, Any]:
    """Values for forward()'s arguments after the first that have no default: the zero
    state the module's own method makes for a batch. Raises ImportProblem when there is
    none, or when it is not zeros (a real second input)."""
    parameters = list(inspect.signature(module.forward).parameters.values())
    required = [p.name for p in parameters[1:] if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not required:
        return {}
    tensors = ", ".join(p.name for p in parameters
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    refusal = (f"{where}: {class_name}.forward takes {len(required) + 1} tensors ({tensors}); "
               "importing takes networks with one input")
    if len(required) > 1:
        raise ImportProblem(refusal)
    maker = next((getattr(module, name) for name in STATE_MAKERS
                  if callable(getattr(module, name, None))), None)
    if maker is None:
        recurrent = any(isinstance(m, nn.RNNBase | nn.RNNCellBase) for m in module.modules())
        raise ImportProblem(refusal + (f" (a recurrent state {required[0]} that starts from "
                                       "zeros is its layers' default: give it the default "
                                       "None, or an init_hidden(batch_size) method)"
                                       if recurrent else ""))
    try:
        state = maker(batch)
    except Exception as error:
        raise ImportProblem(f"{where}: {class_name}.{maker.__name__}({batch}) fails: "
                            f"{type(error).__name__}: {error}") from None
    if not _all_zeros(state):
        raise ImportProblem(refusal + f": {class_name}.{maker.__name__} gives a state that "
                            "is not zeros, and the catalogue's recurrent layers start from "
                            "zeros")
    return {required[0]: state}


def _all_zeros(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return not bool(value.detach().ne(0).any())
    if isinstance(value, tuple | list) and value:
        return all(_all_zeros(item) for item in value)
    return False
