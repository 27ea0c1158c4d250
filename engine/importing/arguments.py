"""forward()'s arguments after the input: a network with one input may still take a
recurrent state, `forward(self, x, hidden)`, when it starts from zeros, as the catalogue's
recurrent layers do. Such a state comes from the module's own init_hidden-style method,
and only when that gives zeros. A recurrent network's other argument may be the true
lengths of its padded sequences, `forward(self, x, lengths)`: traced with every sequence
full, and kept only where it packs a recurrent layer's input or picks each sequence's
last step (engine.importing.building)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from engine.importing.problems import ImportProblem

STATE_MAKERS = ("init_hidden", "init_hidden_state", "initHidden", "init_state",
                "begin_state", "initial_state", "zero_state")
"""The names people give the method that makes a recurrent network's first state."""


@dataclass(frozen=True)
class LaterArguments:
    values: dict[str, Any] = field(default_factory=dict)
    """Values for the required arguments after the input, by name."""
    lengths: str | None = None
    """The argument taken for the true lengths of padded sequences (traced full)."""
    refusal: str = ""
    """Why the network would not import, should that argument not be lengths after all."""


def later_arguments(module: nn.Module, class_name: str, where: str, batch: int,
                    steps: int | None = None, given: set[str] | None = None
                    ) -> LaterArguments:
    """Values for forward()'s arguments after the first that have no default: the zero
    state the module's own method makes for a batch, or, for a recurrent network without
    one, every sequence's length (`steps`: the input's first dimension). The arguments in
    `given` are inputs with examples of their own. Raises ImportProblem when there is
    neither, or when the state is not zeros (a real second input)."""
    parameters = list(inspect.signature(module.forward).parameters.values())
    required = [p.name for p in parameters[1:] if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.name not in (given or set())]
    if not required:
        return LaterArguments()
    tensors = ", ".join(p.name for p in parameters
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    refusal = (f"{where}: {class_name}.forward takes {len(required) + 1} tensors ({tensors}); "
               f"give the shape of each input after the first ({', '.join(required)}) with "
               "another --input-shape, in forward()'s order")
    if len(required) > 1:
        raise ImportProblem(refusal)
    maker = next((getattr(module, name) for name in STATE_MAKERS
                  if callable(getattr(module, name, None))), None)
    if maker is None:
        recurrent = any(isinstance(m, nn.RNNBase | nn.RNNCellBase) for m in module.modules())
        refusal += (f" (a recurrent state {required[0]} that starts from zeros is its "
                    "layers' default: give it the default None, or an init_hidden(batch_size) "
                    "method; true lengths of padded sequences go to pack_padded_sequence)"
                    if recurrent else "")
        if not recurrent or steps is None:
            raise ImportProblem(refusal)
        full = torch.full((batch,), steps, dtype=torch.int64)
        return LaterArguments({required[0]: full}, required[0], refusal)
    state = _make_state(maker, batch, class_name, where)
    if not _all_zeros(state):
        raise ImportProblem(refusal + f": {class_name}.{maker.__name__} gives a state that "
                            "is not zeros, and the catalogue's recurrent layers start from "
                            "zeros")
    return LaterArguments({required[0]: state})


def _takes_a_batch(maker: Any) -> bool:
    try:
        parameters = inspect.signature(maker).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
               for p in parameters)


def _make_state(maker: Any, batch: int, class_name: str, where: str) -> Any:
    """The maker's zeros for `batch` samples: init_hidden(batch), or the zeros of one
    sample that init_hidden() without a batch makes (the PyTorch tutorials' initHidden),
    repeated for the batch (zeros are zeros, whatever their batch)."""
    call = f"{maker.__name__}({batch})" if _takes_a_batch(maker) else f"{maker.__name__}()"
    try:
        state = maker(batch) if _takes_a_batch(maker) else maker()
    except Exception as error:
        raise ImportProblem(f"{where}: {class_name}.{call} fails: "
                            f"{type(error).__name__}: {error}") from None
    return state if _takes_a_batch(maker) else _for_batch(state, batch)


def _for_batch(state: Any, batch: int) -> Any:
    """A zero state made for one sample ([layers, 1, hidden], or a cell's [1, hidden]), for
    `batch` of them."""
    if isinstance(state, torch.Tensor) and state.dim() == 3 and state.shape[1] == 1:
        return state.new_zeros(state.shape[0], batch, state.shape[2])
    if isinstance(state, torch.Tensor) and state.dim() == 2 and state.shape[0] == 1:
        return state.new_zeros(batch, state.shape[1])  # a cell's state, [1, hidden]
    if isinstance(state, tuple | list):
        return type(state)(_for_batch(item, batch) for item in state)
    return state


def _all_zeros(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return not bool(value.detach().ne(0).any())
    if isinstance(value, tuple | list) and value:
        return all(_all_zeros(item) for item in value)
    return False
