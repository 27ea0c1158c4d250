"""The arguments that rebuild a torch.nn layer, read back from the built layer, so that
model.py writes each layer as `nn.Conv2d(1, 32, kernel_size=3, padding="same")`."""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from engine.catalogue import held_tensors, weight_norm
from engine.export.source_format import call, literal

COLLAPSIBLE = {"kernel_size", "stride", "padding", "dilation", "output_size",
               "normalized_shape"}
"""Arguments where torch takes 3 for (3, 3): written the short way, as people do."""
RECURRENT = (nn.RNN, nn.LSTM, nn.GRU)


def _signature(cls: type) -> list[inspect.Parameter]:
    if issubclass(cls, RECURRENT):  # they take *args, **kwargs and pass them on
        parameters = list(inspect.signature(nn.RNNBase.__init__).parameters.values())[2:]
        if cls is nn.RNN:
            parameters.append(inspect.Parameter("nonlinearity", inspect.Parameter.KEYWORD_ONLY,
                                                default="tanh"))
        elif cls is not nn.LSTM:
            parameters = [p for p in parameters if p.name != "proj_size"]
    else:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            and p.name not in ("device", "dtype") and not p.name.startswith("_")]


DERIVED = {
    (nn.MultiheadAttention, "bias"): lambda m: m.in_proj_bias is not None,
    (nn.MultiheadAttention, "add_bias_kv"): lambda m: m.bias_k is not None,
}
"""Constructor arguments a layer keeps only as what they made."""


def _value(module: nn.Module, name: str) -> Any:
    derived = DERIVED.get((type(module), name))
    if derived is not None:
        return derived(module)
    if not hasattr(module, name):
        raise AttributeError(name)
    value = getattr(module, name)
    if name == "bias" and not isinstance(value, bool):  # the parameter, or None without one
        return value is not None
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as constructor arguments: torch reads 3 and (3, 3) alike."""
    if isinstance(a, int) and isinstance(b, tuple):
        a, b = b, a
    if isinstance(a, tuple) and isinstance(b, int) and not isinstance(b, bool):
        return all(x == b for x in a)
    return a == b


def _rebuilds(text: str, module: nn.Module, names: list[str]) -> bool:
    """Whether `text` builds a module that is `module` in every constructor argument and
    holds tensors of the same shapes."""
    rebuilt = eval(text, {"nn": nn})  # text made here from numbers and names only
    if weight_norm.dim_of(module) is not None:
        rebuilt = weight_norm.applied(rebuilt)
    if weight_norm.plain_class(rebuilt) is not weight_norm.plain_class(module):
        return False
    if any(not _same(_value(rebuilt, n), _value(module, n)) for n in names):
        return False
    mine, theirs = rebuilt.state_dict(), module.state_dict()
    return mine.keys() == theirs.keys() and all(
        mine[k].shape == theirs[k].shape and mine[k].dtype == theirs[k].dtype for k in mine)


def constructor(module: nn.Module) -> list[str]:
    """The arguments that rebuild `module` with `nn.<class>(...)`: the first required ones
    by position, then the keywords that differ from their defaults. Raises ValueError
    when the module is not a torch.nn layer that its arguments describe."""
    cls = weight_norm.plain_class(module)
    if getattr(nn, cls.__name__, None) is not cls:
        raise ValueError(f"its module is {cls.__module__}.{cls.__qualname__}, which is not "
                         "a torch.nn layer")
    parameters = _signature(cls)
    names = [p.name for p in parameters]
    try:
        values = {n: _value(module, n) for n in names}
    except AttributeError as missing:
        raise ValueError(f"nn.{cls.__name__} does not keep its argument '{missing}'") \
            from None
    required = [p.name for p in parameters if p.default is p.empty]
    positional = required[:2]
    shown = {n: v[0] if n in COLLAPSIBLE and isinstance(v, tuple) and len(set(v)) == 1
             else v for n, v in values.items()}
    keywords = {n: v for n, v in shown.items() if n not in positional and (
        n in required or not _same(v, parameters[names.index(n)].default))}

    def text(words: dict[str, Any]) -> list[str]:
        return [literal(shown[n]) for n in positional] + [
            f"{n}={literal(v)}" for n, v in words.items()]

    if not _rebuilds(f"nn.{cls.__name__}({', '.join(text(keywords))})", module, names):
        raise ValueError(f"nn.{cls.__name__} cannot be rebuilt from its arguments")
    # a keyword whose value torch derives anyway (MaxPool2d's stride from kernel_size)
    for name in [n for n in keywords if n not in required]:
        fewer = {n: v for n, v in keywords.items() if n != name}
        if _rebuilds(f"nn.{cls.__name__}({', '.join(text(fewer))})", module, names):
            keywords = fewer
    return text(keywords)


def layer_statements(target: str, module: nn.Module | held_tensors.Held, indent: str) -> str:
    """`target = nn.Conv1d(...)`, and the weight norm applied to it where the layer has
    one (the tensors an operation holds: `target = nn.Parameter(...)`); ValueError as
    constructor() raises it."""
    if isinstance(module, held_tensors.Held):
        return held_tensors.statements(target, module, indent)
    arguments = constructor(module)
    text = call(f"nn.{weight_norm.plain_class(module).__name__}", arguments, indent,
                f"{target} = ")
    dim = weight_norm.dim_of(module)
    if dim is not None:
        if dim != 0:
            raise ValueError(f"its weight norm is over dim {dim}; the catalogue's is over 0")
        text += f"\n{indent}nn.utils.parametrizations.weight_norm({target})"
    return text
