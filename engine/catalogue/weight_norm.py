"""Weight normalisation (Salimans and Kingma, 2016), as temporal convolutional networks use
it: a layer's weight learnt as a direction and a length. A Conv or Linear layer whose
`weight_norm` is true is built with torch's parametrisation; import recognises it in both
of torch's forms (the parametrisation, and the older forward hook)."""

from __future__ import annotations

from typing import Any

HOOK_NAMES = {"weight_g": "parametrizations.weight.original0",
              "weight_v": "parametrizations.weight.original1"}
"""The older hook's weight names → the parametrisation's."""


def applied(module: Any) -> Any:
    from torch.nn.utils.parametrizations import weight_norm

    return weight_norm(module)


def plain_class(module: Any) -> type:
    """The layer's own class: a parametrised module's is made for it, on top of it."""
    from torch.nn.utils import parametrize

    cls = type(module)
    return cls.__bases__[0] if parametrize.is_parametrized(module) else cls


def dim_of(module: Any) -> int | None:
    """The dimension the layer's weight is normalised over, or None without a weight
    norm (either form)."""
    from torch.nn.utils import parametrize
    from torch.nn.utils.weight_norm import WeightNorm

    if parametrize.is_parametrized(module, "weight"):
        for parametrization in module.parametrizations.weight:
            if type(parametrization).__name__ == "_WeightNorm":
                return int(parametrization.dim)
    for hook in getattr(module, "_forward_pre_hooks", {}).values():
        if isinstance(hook, WeightNorm) and hook.name == "weight":
            return int(hook.dim)
    return None


def uses_hook(module: Any) -> bool:
    """Whether the weight norm is the older forward hook (its weights named weight_g and
    weight_v)."""
    return dim_of(module) is not None and hasattr(module, "weight_g")


def folded(network: Any) -> Any:
    """The network, or a copy of it whose weight norms are folded into plain weights (the
    same outputs): what TorchScript and ONNX carry, as neither runs a parametrisation."""
    import copy

    from torch.nn.utils import parametrize

    if not any(dim_of(module) is not None for module in network.modules()):
        return network
    network = copy.deepcopy(network)
    for module in network.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return network
