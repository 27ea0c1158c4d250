"""Tensor operations that are not layers (slicing, chunk, stack, matmul, reshape, arithmetic
with constants, ...), as one node kind: a call of a function from an allow-list of pure
torch functions, with JSON arguments.

A call is stored as `{"call": "torch.chunk", "args": [{"input": 0}, 2], "kwargs": {"dim":
1}, "item": 0}`: `{"input": i}` is the node's input on port i, `{"inputs": [i, j]}` a list
of them (torch.cat's first argument), `{"slice": [start, stop, step]}`, `{"tuple": [...]}`
and `{"ellipsis": true}` the parts of an index, `{"batch": k}` the batch size times k (as
`x.size(0) * k` in the code), `{"zeros": [64]}` zeros for each sample
(`torch.zeros(x.size(0), 64, device=x.device)`: a state that starts empty) and `{"tensor":
k}` the k-th tensor the node holds itself (engine.catalogue.held_tensors: learnt, or fixed
values), and `{"call": ..., "args": [...], "kwargs": {...}}` a call of its own on those
(`self.cls.expand(x.size(0), -1, -1)`: a learnt tensor made ready before it meets the
input); `item` picks one element of a result that is a tuple. Loading
a project never runs anything but these functions, on meta tensors (shapes only): a name
outside the allow-list is a problem naming it. The shape of the output, and the MACs that
torch's flop counter sees, come from running the call on meta tensors, so no operation
needs a hand-written shape rule; the generated code writes the same call
(`torch.chunk(x, 2, dim=1)[0]`, `x[:, :, 128:]`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from engine.catalogue import held_tensors
from engine.catalogue.spec import LayerError, TensorInfo

META_BATCH = 3
"""The batch of the meta tensors an operation is tried on: odd and small, so an operation
that mixes samples (a reshape across the batch, a slice of it) changes it visibly."""

_TORCH = ("cat", "concat", "stack", "hstack", "vstack", "chunk", "split", "tensor_split",
          "unbind", "narrow", "select", "transpose", "swapaxes", "permute", "movedim",
          "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "matmul", "bmm", "mm",
          "einsum", "add", "sub", "mul", "div", "true_divide", "pow", "exp", "log", "log1p",
          "sqrt", "rsqrt", "abs", "neg", "sign", "square", "tanh", "sigmoid", "relu",
          "softmax", "log_softmax", "sum", "mean", "amax", "amin", "logsumexp", "prod",
          "std", "var", "norm", "clamp", "clip", "flip", "roll", "repeat_interleave", "tile",
          "cumsum", "maximum", "minimum", "outer", "diagonal", "tril", "triu", "erf",
          "reciprocal", "floor", "ceil", "round", "cos", "sin", "atan2", "where",
          "broadcast_to", "t", "zeros_like", "ones_like", "full_like")
_FUNCTIONAL = ("softmax", "log_softmax", "relu", "relu6", "gelu", "silu", "elu", "selu",
               "celu", "leaky_relu", "hardtanh", "hardswish", "hardsigmoid", "mish",
               "softplus", "softsign", "tanhshrink", "sigmoid", "tanh", "logsigmoid",
               "normalize", "pad", "glu", "one_hot", "cosine_similarity", "pairwise_distance",
               "scaled_dot_product_attention", "interpolate", "avg_pool1d", "max_pool1d",
               "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool2d", "max_pool2d",
               "adaptive_avg_pool2d", "adaptive_max_pool2d", "linear", "layer_norm",
               "threshold", "softmin", "softshrink", "hardshrink", "local_response_norm",
               "pixel_unshuffle", "channel_shuffle", "instance_norm", "group_norm",
               "lp_pool1d", "lp_pool2d", "avg_pool3d", "max_pool3d", "adaptive_avg_pool3d",
               "adaptive_max_pool3d", "affine_grid", "grid_sample", "embedding",
               "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv1d", "conv2d",
               "conv3d", "batch_norm", "bilinear", "dropout", "dropout1d", "dropout2d",
               "dropout3d", "alpha_dropout", "feature_alpha_dropout", "rms_norm", "prelu")
_METHODS = ("reshape", "view", "flatten", "unflatten", "transpose", "swapaxes", "permute",
            "movedim", "contiguous", "squeeze", "unsqueeze", "chunk", "split",
            "tensor_split", "unbind", "narrow", "select", "expand", "expand_as", "repeat",
            "repeat_interleave", "tile", "view_as", "reshape_as", "mean", "sum", "amax",
            "amin", "max", "min", "prod", "std", "var", "norm", "logsumexp", "softmax",
            "log_softmax", "matmul", "bmm", "mm", "mul", "add", "sub", "div", "pow", "exp",
            "log", "sqrt", "rsqrt", "abs", "neg", "sign", "square", "tanh", "sigmoid",
            "relu", "clamp", "clip", "flip", "roll", "cumsum", "float", "long", "int",
            "detach", "t", "masked_fill", "type_as", "maximum", "minimum", "reciprocal",
            "diagonal", "tril", "triu", "floor", "ceil", "round", "argmax", "argmin",
            "new_zeros", "new_ones", "new_full")
_OPERATORS = {"getitem": operator.getitem, "add": operator.add, "sub": operator.sub,
              "mul": operator.mul, "truediv": operator.truediv,
              "floordiv": operator.floordiv, "matmul": operator.matmul,
              "pow": operator.pow, "neg": operator.neg, "mod": operator.mod}
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//",
            "matmul": "@", "pow": "**", "mod": "%"}


def _method(name: str) -> Callable[..., Any]:
    return lambda tensor, *args, **kwargs: getattr(tensor, name)(*args, **kwargs)


OPERATIONS: dict[str, Callable[..., Any]] = {
    **_OPERATORS,
    **{f"torch.{name}": getattr(torch, name) for name in _TORCH},
    **{f"F.{name}": getattr(F, name) for name in _FUNCTIONAL},
    **{f"Tensor.{name}": _method(name) for name in _METHODS},
}
"""Every call an operation node may make, by the name a project stores."""

COMMON = ("getitem", "torch.chunk", "torch.cat", "torch.stack", "Tensor.transpose",
          "torch.matmul", "mul", "add", "F.softmax", "Tensor.reshape")
"""The ones the palette offers by name."""

DTYPES = held_tensors.DTYPES
DTYPE_NAMES = {value: key for key, value in DTYPES.items()}


def call_problem(name: Any) -> str | None:
    """Why `name` is not a call an operation may make, or None."""
    if isinstance(name, str) and name in OPERATIONS:
        return None
    from engine.catalogue import closest  # the catalogue package imports this module

    guess = closest(str(name), list(OPERATIONS)) if isinstance(name, str) else None
    hint = f"; did you mean '{guess}'?" if guess else ""
    return (f"{name!r} is not an operation Netdesigner runs{hint} Operations are torch "
            "functions (torch.cat, torch.chunk, ...), torch.nn.functional ones (F.softmax, "
            "...), Tensor methods (Tensor.reshape, ...) and Python operators (getitem, "
            "add, mul, matmul, ...)")


# -- arguments ------------------------------------------------------------------------------

def _decode(value: Any, inputs: Sequence[Any], batch: int, held: Sequence[Any] = ()) -> Any:
    """A stored argument as the value the call gets."""
    if isinstance(value, list):
        return [_decode(v, inputs, batch, held) for v in value]
    if not isinstance(value, dict):
        return value
    if "input" in value:
        return inputs[value["input"]]
    if "inputs" in value:
        return [inputs[i] for i in value["inputs"]]
    if "slice" in value:
        return slice(*value["slice"])
    if "tuple" in value:
        return tuple(_decode(v, inputs, batch, held) for v in value["tuple"])
    if "ellipsis" in value:
        return Ellipsis
    if "batch" in value:
        return batch * value["batch"]
    if "dtype" in value:
        return DTYPES[value["dtype"]]
    if "tensor" in value:
        return held[value["tensor"]]
    if "call" in value:
        return _called(value, inputs, batch, held)
    if "zeros" in value:
        return torch.zeros((batch, *value["zeros"]), device=inputs[0].device)
    raise LayerError(f"an argument {value!r} is none of the forms an operation takes")


MARKERS = {"input", "inputs", "slice", "tuple", "ellipsis", "batch", "dtype", "tensor",
           "zeros"}
INNER_CALL = {"call", "args", "kwargs", "item"}
"""The keys of a call inside an argument."""


def _called(value: Mapping[str, Any], inputs: Sequence[Any], batch: int,
            held: Sequence[Any]) -> Any:
    args = _decode(value.get("args", []), inputs, batch, held)
    kwargs = {k: _decode(v, inputs, batch, held) for k, v in value.get("kwargs", {}).items()}
    result = OPERATIONS[value["call"]](*args, **kwargs)
    return result if value.get("item") is None else result[value["item"]]


def argument_problem(value: Any, inputs: int, depth: int = 0,
                     tensors: int = 1 << 30) -> str | None:
    """Why a stored argument is not one an operation takes (given `inputs` inputs and
    `tensors` held tensors)."""
    if depth > 12:
        return "arguments are nested too deep"
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and value != value:
            return "NaN is not an argument"
        return None
    if isinstance(value, list):
        return next((p for v in value
                     if (p := argument_problem(v, inputs, depth + 1, tensors))), None)
    if isinstance(value, dict) and "call" in value and not set(value) - INNER_CALL:
        return _inner_call_problem(value, inputs, depth, tensors)
    if not isinstance(value, dict) or len(value) != 1 or set(value) - MARKERS:
        return (f"{value!r} is not an argument: use numbers, text, lists, or "
                "{\"input\": i}, {\"inputs\": [i, j]}, {\"slice\": [start, stop, step]}, "
                "{\"tuple\": [...]}, {\"ellipsis\": true}, {\"batch\": k}, {\"dtype\": name}, "
                "{\"zeros\": [size, ...]}, {\"tensor\": k}")
    (key, inner), = value.items()
    if key == "input":
        ok = isinstance(inner, int) and not isinstance(inner, bool) and 0 <= inner < inputs
        return None if ok else (f"{{\"input\": {inner!r}}} names input {inner!r}, but "
                                f"{inputs} input{'s are' if inputs != 1 else ' is'} "
                                "connected: connect another")
    if key == "inputs":
        ok = isinstance(inner, list) and all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < inputs for i in inner)
        return None if ok else f"{{\"inputs\": {inner!r}}} names inputs it does not have"
    if key == "slice":
        ok = isinstance(inner, list) and len(inner) == 3 and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in inner)
        return None if ok else "a slice is [start, stop, step], each a whole number or null"
    if key == "tuple":
        return argument_problem(inner, inputs, depth + 1, tensors) \
            if isinstance(inner, list) else "a tuple holds a list"
    if key == "tensor":
        ok = isinstance(inner, int) and not isinstance(inner, bool) and 0 <= inner < tensors
        return None if ok else (f"{{\"tensor\": {inner!r}}} names a tensor the node does not "
                                f"hold (it holds {tensors})")
    if key == "zeros":
        ok = isinstance(inner, list) and len(inner) <= 8 and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in inner)
        return None if ok else "{\"zeros\": [size, ...]} takes the sizes of one sample"
    if key == "batch":
        ok = isinstance(inner, int) and not isinstance(inner, bool) and inner >= 1
        return None if ok else "{\"batch\": k} takes a whole number k ≥ 1"
    if key == "dtype":
        return None if inner in DTYPES else f"dtype must be one of {', '.join(DTYPES)}"
    return None if inner is True else "{\"ellipsis\": true} is the only form of ..."


def _inner_call_problem(value: Mapping[str, Any], inputs: int, depth: int,
                        tensors: int) -> str | None:
    found = call_problem(value["call"])
    if found:
        return found
    if not isinstance(value.get("args", []), list) or \
            not isinstance(value.get("kwargs", {}), dict):
        return "a call's args are a list and its kwargs an object"
    item = value.get("item")
    if item is not None and (not isinstance(item, int) or isinstance(item, bool)):
        return "a call's item is a whole number"
    return argument_problem([value.get("args", []), list(value.get("kwargs", {}).values())],
                            inputs, depth + 1, tensors)


def inputs_used(params: Mapping[str, Any]) -> set[int]:
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if "input" in value and isinstance(value["input"], int):
                found.add(value["input"])
            elif "inputs" in value and isinstance(value["inputs"], list):
                found.update(i for i in value["inputs"] if isinstance(i, int))
            else:
                for item in value.values():
                    walk(item)

    walk([params.get("args", []), params.get("kwargs", {})])
    return found


# -- running on meta tensors ------------------------------------------------------------------

def run(params: Mapping[str, Any], inputs: Sequence[TensorInfo],
        batch: int = META_BATCH) -> torch.Tensor:
    """The call's result on meta tensors of `inputs` with a batch of `batch`."""
    tensors = [torch.empty((batch, *x.shape), dtype=DTYPES.get(x.dtype, torch.float32),
                           device="meta") for x in inputs]
    held = [held_tensors.meta(entry) for entry in params.get("tensors", [])]
    function = OPERATIONS[params["call"]]
    args = _decode(params.get("args", []), tensors, batch, held)
    kwargs = {k: _decode(v, tensors, batch, held) for k, v in params.get("kwargs", {}).items()}
    try:
        result = function(*args, **kwargs)
        if params.get("item") is not None:
            result = result[params["item"]]
    except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError) as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else \
            type(error).__name__
        raise LayerError(f"{code(params, ['x' + str(i) for i in range(len(inputs))])} "
                         f"fails on {', '.join(map(str, inputs))}: {text}") from None
    if not isinstance(result, torch.Tensor):
        raise LayerError(f"gives {type(result).__name__}, not a tensor; pick one element "
                         "with item")
    return result


def infer(params: Mapping[str, Any], inputs: Sequence[TensorInfo]) -> TensorInfo:
    result = run(params, inputs)
    other = run(params, inputs, META_BATCH + 2)  # a sample's result must not depend on it
    if result.dim() == 0 or result.shape[0] != META_BATCH or \
            other.shape[0] != META_BATCH + 2 or other.shape[1:] != result.shape[1:]:
        raise LayerError("mixes the samples of a batch (its result does not keep the batch "
                         "as its first dimension); use dims from 1, and keep the batch in "
                         "reshapes (x.reshape(x.size(0), -1))")
    if result.dtype not in DTYPE_NAMES:
        raise LayerError(f"gives {str(result.dtype).removeprefix('torch.')} values, which no "
                         "layer takes; convert them (Tensor.float) or use them in the same "
                         "operation")
    return TensorInfo(tuple(result.shape[1:]), DTYPE_NAMES[result.dtype])


def macs(params: Mapping[str, Any], inputs: Sequence[TensorInfo], output: TensorInfo) -> int:
    """Multiply-accumulates per sample, as torch's flop counter counts the call (matmul,
    bmm, einsum, attention, ...; element-wise ops count none, as for layers)."""
    from torch.utils.flop_counter import FlopCounterMode

    try:
        with FlopCounterMode(display=False) as counter:
            run(params, inputs)
    except LayerError:
        return 0
    return int(counter.get_total_flops()) // 2 // META_BATCH


# -- code -------------------------------------------------------------------------------------

def _text(value: Any, names: Sequence[str], batch_of: str, index: bool = False,
          short: bool = False, held: Sequence[str] = ()) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_text(v, names, batch_of, short=short, held=held)
                               for v in value) + "]"
    if isinstance(value, dict) and "call" in value:
        return code(value, names, short, held)
    if isinstance(value, dict):
        (key, inner), = value.items()
        if key == "input":
            return names[inner]
        if key == "inputs":
            return "[" + ", ".join(names[i] for i in inner) + "]"
        if key == "slice":
            start, stop, step = ("" if v is None else str(v) for v in inner)
            return f"{start}:{stop}" + (f":{step}" if step else "")
        if key == "tuple":
            parts = [_text(v, names, batch_of, index, short, held) for v in inner]
            if index:
                return ", ".join(parts) if len(parts) != 1 else parts[0] + ","
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        if key == "ellipsis":
            return "..."
        if key == "batch":
            return f"{batch_of}.size(0)" + (f" * {inner}" if inner != 1 else "")
        if key == "dtype":
            return f"torch.{inner}"
        if key == "tensor":
            return held[inner] if inner < len(held) else f"w{inner}"
        if key == "zeros":
            sizes = "".join(f", {size}" for size in inner)
            return f"torch.zeros({batch_of}.size(0){sizes}, device={batch_of}.device)"
    if short and isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)


def code(params: Mapping[str, Any], names: Sequence[str], short: bool = False,
         held: Sequence[str] = ()) -> str:
    """The call as a person writes it, on the inputs named `names` and its held tensors
    named `held` (`short`: numbers to four digits, for a node's face)."""
    name = params["call"]
    args = list(params.get("args", []))
    kwargs = dict(params.get("kwargs", {}))
    batch_of = names[0] if names else "x"
    text = [_text(a, names, batch_of, short=short, held=held) for a in args]
    text += [f"{k}={_text(v, names, batch_of, short=short, held=held)}"
             for k, v in kwargs.items()]
    if name == "getitem" and len(args) == 2:
        index = _text(args[1], names, batch_of, index=True, short=short, held=held)
        written = f"{text[0]}[{index}]"
    elif name in _SYMBOLS and len(args) == 2:
        written = f"({text[0]} {_SYMBOLS[name]} {text[1]})"
    elif name == "neg" and len(args) == 1:
        written = f"(-{text[0]})"
    elif name.startswith("Tensor.") and text:
        written = f"{text[0]}.{name.removeprefix('Tensor.')}({', '.join(text[1:])})"
    elif name in _OPERATORS:
        written = f"operator.{name}({', '.join(text)})"
    else:
        written = f"{name}({', '.join(text)})"
    item = params.get("item")
    return written if item is None else f"{written}[{item}]"


IMPLICIT_DIM = {"torch.softmax", "torch.log_softmax", "F.softmax", "F.log_softmax",
                "Tensor.softmax", "Tensor.log_softmax", "F.softmin"}
"""Calls whose dim torch guesses when it is left out (the batch, for some ranks)."""

LARGEST_CHECKED = 1 << 20
"""Values per sample beyond which mixes_samples assumes the call keeps samples apart
rather than run it on real numbers."""


def mixes_samples(params: Mapping[str, Any], inputs: Sequence[TensorInfo]) -> bool:
    """Whether the call computes one sample's result from others (a cumsum or softmax over
    dim 0, a reshape across the batch): run on two real samples, each result compared with
    the sample's result alone."""
    if params["call"] in IMPLICIT_DIM and params.get("kwargs", {}).get("dim") is None and \
            len(params.get("args", [])) < 2:
        return True
    if any(math.prod(x.shape) > LARGEST_CHECKED for x in inputs):
        return False
    generator = torch.Generator().manual_seed(0)

    def sample(batch: int) -> list[torch.Tensor]:
        return [torch.randn((batch, *x.shape), generator=generator) if x.dtype == "float32"
                else torch.randint(0, 2, (batch, *x.shape), generator=generator).to(
                    DTYPES.get(x.dtype, torch.int64))
                for x in inputs]

    try:
        with torch.no_grad():
            both = sample(2)
            together = apply(params, both)
            apart = [apply(params, [t[i:i + 1] for t in both]) for i in range(2)]
    except (RuntimeError, TypeError, ValueError, IndexError):
        return True
    return not all(together.shape[0] == 2 and part.shape[0] == 1
                   and torch.allclose(together[i:i + 1].float(), part.float(), atol=1e-5,
                                      equal_nan=True)
                   for i, part in enumerate(apart))


def apply(params: Mapping[str, Any], tensors: Sequence[torch.Tensor],
          held: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
    """The call on real tensors (a batch first in each), as the generated code makes it;
    its held tensors at their first values unless given."""
    batch = tensors[0].shape[0]
    if held is None:
        generator = torch.Generator().manual_seed(0)
        held = [held_tensors.initial(entry, generator) for entry in params.get("tensors", [])]
    args = _decode(params.get("args", []), tensors, batch, held)
    kwargs = {k: _decode(v, tensors, batch, held)
              for k, v in params.get("kwargs", {}).items()}
    result = OPERATIONS[params["call"]](*args, **kwargs)
    return result if params.get("item") is None else result[params["item"]]
