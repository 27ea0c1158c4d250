"""torch functions, Tensor methods and Python operators → catalogue layers.

Each converter recognises the forms the catalogue's generated code writes (see each layer
spec's `expression`) and the common ways people write the same thing; any other form raises
Unsupported with a sentence saying what the catalogue takes instead.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from engine.importing.modules import size
from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta
from engine.importing.values import BATCH, Call, FinalState, Layer, RecurrentResult, StatePair

Converter = Callable[[Call], Any]


def _dim(call: Call, value: Any, rank: int, name: str = "dim") -> int:
    if not isinstance(value, int) or not -rank <= value < rank:
        raise Unsupported(f"{call.describe()} with {name}={value!r} is not in the catalogue")
    return value + rank if value < 0 else value


def _no_batch(call: Call, dim: int, what: str) -> None:
    if dim == 0:
        raise Unsupported(f"{call.describe()} {what} the batch dimension (dim 0); the "
                          "catalogue's layers keep the batch apart, so use dims from 1")


def _activation(layer_type: str, names: tuple[str, ...] = ("input", "inplace"),
                **defaults: Any) -> Converter:
    params = [n for n in names if n not in ("input", "inplace", "dtype", "_stacklevel")]

    def convert(call: Call) -> Layer:
        bound = call.bind(names, {"inplace": False, "dtype": None, "_stacklevel": 3,
                                  **defaults})
        if bound.get("dtype") is not None:
            raise Unsupported(f"{call.describe()} with dtype= is not in the catalogue")
        values = {n: bound[n] for n in params}
        if values.get("dim", 0) is None:
            raise Unsupported(f"{call.describe()} needs dim (the catalogue's {layer_type} "
                              "has no implicit dimension)")
        return call.layer(layer_type, values, [bound["input"]])
    return convert


def _dropout(call: Call) -> Layer:
    bound = call.bind(("input", "p", "training", "inplace"),
                      {"p": 0.5, "training": True, "inplace": False})
    if bound["training"] is False:
        return call.tensor(bound["input"])  # does nothing, in training or not
    return call.layer("Dropout", {"p": bound["p"]}, [bound["input"]])


def _window_pool(kind: str, n: int) -> Converter:
    names = ["input", "kernel_size", "stride", "padding"]
    names += ["ceil_mode", "count_include_pad"] if kind == "Avg" else ["dilation", "ceil_mode",
                                                                      "return_indices"]
    if kind == "Avg" and n == 2:
        names.append("divisor_override")

    def convert(call: Call) -> Layer:
        bound = call.bind(tuple(names), {"stride": None, "padding": 0, "dilation": 1,
                                         "ceil_mode": False, "count_include_pad": True,
                                         "return_indices": False, "divisor_override": None})
        if bound.get("return_indices") or bound.get("divisor_override") is not None:
            raise Unsupported(f"{call.describe()} with return_indices or divisor_override "
                              "is not in the catalogue")
        kept = ("kernel_size", "padding", "ceil_mode", "count_include_pad" if kind == "Avg"
                else "dilation")
        params = {k: size(bound[k]) for k in kept}
        stride = size(bound["stride"]) if bound["stride"] not in (None, [], ()) else None
        if stride is not None and stride != params["kernel_size"]:
            params["stride"] = stride
        return call.layer(f"{kind}Pool{n}d", params, [bound["input"]])
    return convert


def _adaptive_pool(kind: str, n: int) -> Converter:
    def convert(call: Call) -> Layer:
        bound = call.bind(("input", "output_size", "return_indices"),
                          {"return_indices": False})
        output_size = bound["output_size"]
        sizes = output_size if isinstance(output_size, tuple | list) else (output_size,)
        if bound["return_indices"] or any(s is None for s in sizes):
            raise Unsupported(f"{call.describe()} with return_indices or a None output size "
                              "is not in the catalogue")
        return call.layer(f"Adaptive{kind}Pool{n}d", {"output_size": size(output_size)},
                          [bound["input"]])
    return convert


def _flatten(call: Call) -> Layer:
    bound = call.bind(("input", "start_dim", "end_dim"), {"start_dim": 0, "end_dim": -1})
    x = call.tensor(bound["input"])
    start = _dim(call, bound["start_dim"], x.rank, "start_dim")
    end = _dim(call, bound["end_dim"], x.rank, "end_dim")
    if (start, end) == (0, 1) and x.rank >= 4:
        # a clip's frames folded into the batch, as code that applies image layers to each
        # frame writes it; it is a layer only with the unflatten that ends it
        return call.pending("fold", f"{call.describe()} folds the frames of a clip into the "
                            "batch; the catalogue does that only around layers applied to "
                            "each frame: x.flatten(0, 1) → those layers → "
                            ".unflatten(0, (-1, frames))", [x], op_args=(x.shape[1],))
    if start == 0:
        raise Unsupported(f"{call.describe()} flattens the batch dimension into the "
                          "features; start at dim 1, as torch.flatten(x, 1)")
    if x.rank == 5 and (bound["start_dim"], bound["end_dim"]) == (2, 4):
        return call.layer("ToSequence", {}, [x])  # how the catalogue writes it for a clip
    return call.layer("Flatten", {"start_dim": bound["start_dim"], "end_dim": bound["end_dim"]},
                      [x], op="flatten", op_args=(start, end))


def _unflatten(call: Call) -> Layer:
    bound = call.bind(("input", "dim", "sizes"))
    x = call.tensor(bound["input"])
    sizes = bound["sizes"]
    if (bound["dim"] == 0 and isinstance(sizes, tuple | list) and len(sizes) == 2
            and (sizes[0] is BATCH or sizes[0] == -1) and isinstance(sizes[1], int)):
        return call.pending("unfold", f"{call.describe()} is in the catalogue only where "
                            "it ends x.flatten(0, 1) around layers applied to each frame",
                            [x], op_args=(sizes[1],))
    raise Unsupported(f"{call.describe()} is in the catalogue only as .unflatten(0, (-1, "
                      "frames)), after x.flatten(0, 1) and layers applied to each frame")


def _concat(call: Call) -> Layer:
    bound = call.bind(("tensors", "dim"), {"dim": 0})
    tensors = [call.tensor(t) for t in bound["tensors"]]
    _no_batch(call, _dim(call, bound["dim"], tensors[0].rank), "joins along")
    if len(tensors) < 2:
        return tensors[0]
    return call.layer("Concat", {"dim": bound["dim"]}, tensors)


def _add(call: Call) -> Layer:
    bound = call.bind(("input", "other", "alpha"), {"alpha": 1})
    a, b = bound["input"], bound["other"]
    if not isinstance(a, Layer) or not isinstance(b, Layer):
        constant = b if isinstance(a, Layer) else a
        if isinstance(constant, int | float | bool):
            raise Unsupported(f"{call.describe()} of a constant ({constant!r}) is not in the "
                              "catalogue, whose Add adds layer outputs")
        call.tensor(a), call.tensor(b)
    if bound["alpha"] != 1:
        raise Unsupported(f"{call.describe()} with alpha={bound['alpha']} is not in the "
                          "catalogue")
    if a.shape != b.shape:
        raise Unsupported(f"{call.describe()} of tensors shaped {list(a.shape[1:])} and "
                          f"{list(b.shape[1:])} (broadcasting) is not in the catalogue, whose "
                          "Add takes inputs of one shape")
    return call.layer("Add", {}, [a, b], op="add")


def _neg(call: Call) -> Layer:
    x = call.tensor(call.bind(("input",))["input"])
    return call.pending("neg", f"{call.describe()} is not in the catalogue (only as "
                        "-pool(-x), which is MinPool)", [x])


def _shape_args(call: Call, names: tuple[str, str]) -> tuple[Layer, list[Any]]:
    """The tensor and the sizes of reshape(x, (a, b)) / x.view(a, b) / x.view((a, b))."""
    x = call.tensor(call.args[0] if call.args else call.kwargs.get(names[0]))
    sizes = list(call.args[1:])
    if names[1] in call.kwargs:
        sizes = [call.kwargs[names[1]]]
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = list(sizes[0])
    return x, sizes


def _reshape(call: Call) -> Layer:
    x, sizes = _shape_args(call, ("input", "shape"))
    out = call.meta.shape
    if not sizes or out[:1] != x.shape[:1]:
        raise Unsupported(f"{call.describe()} mixes the samples of the batch (the result's "
                          "first dimension is not the batch); reshape only the rest, as "
                          "x.reshape(x.size(0), ...)")
    first, rest = sizes[0], sizes[1:]
    if first is not BATCH and first != -1:
        raise Unsupported(f"{call.describe()} fixes the batch size to {first!r}; keep it "
                          "free, as x.reshape(x.size(0), ...) or x.reshape(-1, ...)")
    if any(s is BATCH for s in rest):
        raise Unsupported(f"{call.describe()} puts the batch size after the first "
                          "dimension; the catalogue's Reshape keeps the batch first")
    if not all(isinstance(s, int) for s in rest):
        rest = list(out[1:])  # sizes computed from shapes: what they came to here
    return call.layer("Reshape", {"shape": rest}, [x], op="reshape")


def _permute(call: Call) -> Layer:
    x, dims = _shape_args(call, ("input", "dims"))
    dims = [_dim(call, d, x.rank) for d in dims]
    if dims[:1] != [0]:
        raise Unsupported(f"{call.describe()} moves the batch dimension; the catalogue's "
                          "Permute keeps dim 0 first")
    return call.layer("Permute", {"dims": dims}, [x])


def _transpose(call: Call) -> Layer:
    bound = call.bind(("input", "dim0", "dim1"))
    x = call.tensor(bound["input"])
    first, second = (_dim(call, bound[k], x.rank) for k in ("dim0", "dim1"))
    _no_batch(call, min(first, second), "moves")
    if x.rank == 3 and {first, second} == {1, 2}:
        # how the catalogue writes ToSequence of a signal [C, L] → [L, C]
        return call.layer("ToSequence", {}, [x], op="transpose")
    dims = list(range(x.rank))
    dims[first], dims[second] = dims[second], dims[first]
    return call.layer("Permute", {"dims": dims}, [x])


def _unsqueeze(call: Call) -> Layer:
    bound = call.bind(("input", "dim"))
    x = call.tensor(bound["input"])
    dim = _dim(call, bound["dim"], x.rank + 1)
    _no_batch(call, dim, "adds a dimension before")
    return call.layer("Reshape", {"shape": list(call.meta.shape[1:])}, [x], op="unsqueeze",
                      op_args=(dim,))


def _squeeze(call: Call) -> Layer:
    bound = call.bind(("input", "dim"), {"dim": None})
    state = bound["input"]
    if isinstance(state, FinalState) and bound["dim"] == 0:
        return _last_state(call, state, "squeeze(0)", only_layer=True)
    x = call.tensor(state)
    if call.meta.shape == x.shape:
        return x
    return call.layer("Reshape", {"shape": list(call.meta.shape[1:])}, [x], op="squeeze")


def _repeat(call: Call) -> Layer:
    x, sizes = _shape_args(call, ("input", "sizes"))
    what = "repeat(1, n, 1)" if call.node.target == "repeat" else "expand(-1, n, -1)"
    return call.pending(str(call.node.target), f"{call.describe()} is not in the catalogue "
                        f"(only as x.unsqueeze(1).{what}, which is RepeatVector)", [x],
                        op_args=tuple(sizes))


def _pass_through(call: Call) -> Layer:
    return call.tensor(call.args[0])


def _size(call: Call) -> Any:
    bound = call.bind(("input", "dim"), {"dim": None})
    x = call.tensor(bound["input"])
    shape = (BATCH, *x.shape[1:])
    return shape if bound["dim"] is None else shape[_dim(call, bound["dim"], x.rank)]


def _dimensions(call: Call) -> int:
    return call.tensor(call.bind(("input",))["input"]).rank


def _getattr(call: Call) -> Any:
    x, name = call.args
    if name == "shape":
        return (BATCH, *call.tensor(x).shape[1:])
    if name == "ndim":
        return call.tensor(x).rank
    raise Unsupported(f"the tensor attribute .{name} is not in the catalogue")


def _mean(call: Call) -> Layer:
    bound = call.bind(("input", "dim", "keepdim", "dtype"), {"dim": None, "keepdim": False,
                                                              "dtype": None})
    x = call.tensor(bound["input"])
    dims = bound["dim"] if isinstance(bound["dim"], tuple | list) else [bound["dim"]]
    dims = sorted(_dim(call, d, x.rank) for d in dims) if bound["dim"] is not None else []
    if x.rank not in (3, 4) or dims != list(range(2, x.rank)) or bound["dtype"] is not None:
        raise Unsupported(f"{call.describe()} is in the catalogue only as the mean over all "
                          "positions of each channel (x.mean((2, 3)) of an image, x.mean(2) "
                          "of a signal), which is adaptive average pooling")
    n = x.rank - 2
    pooled_shape = (*x.shape[:2], *(1,) * n)
    pool_meta = TensorMeta(pooled_shape, x.dtype)
    if bound["keepdim"]:
        return call.layer(f"AdaptiveAvgPool{n}d", {"output_size": 1}, [x])
    pool = call.layer(f"AdaptiveAvgPool{n}d", {"output_size": 1}, [x], meta=pool_meta,
                      id_suffix="_pool")
    return call.layer("Flatten", {}, [pool])


def _getitem(call: Call) -> Any:
    container, index = call.args
    if isinstance(container, tuple | list):
        return container[index]
    if isinstance(container, RecurrentResult) and index in (0, 1, -1, -2):
        if index in (0, -2):
            return container.layer
        if container.layer.type == "LSTM":
            return StatePair(container.layer)
        return FinalState(container.layer, "h_n")
    if isinstance(container, StatePair) and index in (0, 1, -1, -2):
        return FinalState(container.layer, "h_n" if index in (0, -2) else "c_n")
    if isinstance(container, FinalState) and container.name == "h_n":
        return _last_state(call, container, f"[{index!r}]")
    x = call.tensor(container)
    steps = index if isinstance(index, tuple) else (index,)
    everything = slice(None)
    if x.rank == 3 and steps in ((everything, -1), (everything, -1, everything),
                                 (everything, x.shape[1] - 1)):
        return call.layer("LastStep", {}, [x])
    raise Unsupported(f"indexing [{_index_text(index)}] is not in the catalogue (it has "
                      "x[:, -1], the last step of a sequence: LastStep)")


def _last_state(call: Call, state: FinalState, how: str, only_layer: bool = False) -> Layer:
    """h_n[-1] (or h_n.squeeze(0) of one layer) of a one-directional RNN is the output's
    last step, so it imports as LastStep of the RNN's node."""
    rnn = state.layer
    layers = rnn.params.get("num_layers", 1)
    index = call.args[1] if len(call.args) > 1 else None
    picks_last = (only_layer and layers == 1) or index in (-1, layers - 1)
    if rnn.params.get("bidirectional") or not picks_last:
        raise Unsupported(f"{call.describe()} takes h_n{how} of {rnn.type} "
                          f"'{rnn.module or rnn.node.name}', which is not in the catalogue "
                          "(h_n[-1] of a one-directional one is); use the last step of its "
                          "output, out[:, -1] (LastStep)")
    return call.layer("LastStep", {}, [rnn])


def _index_text(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)

    def text(item: Any) -> str:
        if isinstance(item, slice):
            parts = ["" if v is None else str(v) for v in (item.start, item.stop, item.step)]
            return ":".join(parts[:2] if item.step is None else parts)
        return "..." if item is Ellipsis else repr(item)
    return ", ".join(text(i) for i in items)


FUNCTIONS: dict[Any, Converter] = {
    F.relu: _activation("ReLU"), torch.relu: _activation("ReLU"),
    torch.relu_: _activation("ReLU"),
    F.leaky_relu: _activation("LeakyReLU", ("input", "negative_slope", "inplace"),
                              negative_slope=0.01),
    F.elu: _activation("ELU", ("input", "alpha", "inplace"), alpha=1.0),
    F.gelu: _activation("GELU", ("input", "approximate"), approximate="none"),
    torch.sigmoid: _activation("Sigmoid"), F.sigmoid: _activation("Sigmoid"),
    torch.tanh: _activation("Tanh"), F.tanh: _activation("Tanh"),
    F.softmax: _activation("Softmax", ("input", "dim", "_stacklevel", "dtype"), dim=None),
    torch.softmax: _activation("Softmax", ("input", "dim", "dtype")),
    F.log_softmax: _activation("LogSoftmax", ("input", "dim", "_stacklevel", "dtype"),
                               dim=None),
    torch.log_softmax: _activation("LogSoftmax", ("input", "dim", "dtype")),
    F.dropout: _dropout,
    F.max_pool1d: _window_pool("Max", 1), F.max_pool2d: _window_pool("Max", 2),
    F.avg_pool1d: _window_pool("Avg", 1), F.avg_pool2d: _window_pool("Avg", 2),
    F.adaptive_avg_pool1d: _adaptive_pool("Avg", 1),
    F.adaptive_avg_pool2d: _adaptive_pool("Avg", 2),
    F.adaptive_max_pool1d: _adaptive_pool("Max", 1),
    F.adaptive_max_pool2d: _adaptive_pool("Max", 2),
    torch.flatten: _flatten, torch.unflatten: _unflatten,
    torch.cat: _concat, torch.concat: _concat, torch.concatenate: _concat,
    operator.add: _add, operator.iadd: _add, torch.add: _add,
    operator.neg: _neg, torch.neg: _neg,
    torch.reshape: _reshape, torch.permute: _permute, torch.transpose: _transpose,
    torch.unsqueeze: _unsqueeze, torch.squeeze: _squeeze,
    torch.mean: _mean,
    operator.getitem: _getitem, getattr: _getattr,
}

METHODS: dict[str, Converter] = {
    "relu": _activation("ReLU"), "relu_": _activation("ReLU"),
    "sigmoid": _activation("Sigmoid"), "tanh": _activation("Tanh"),
    "softmax": _activation("Softmax", ("input", "dim", "dtype")),
    "log_softmax": _activation("LogSoftmax", ("input", "dim", "dtype")),
    "flatten": _flatten, "unflatten": _unflatten, "add": _add, "add_": _add, "neg": _neg,
    "reshape": _reshape, "view": _reshape, "permute": _permute, "transpose": _transpose,
    "unsqueeze": _unsqueeze, "squeeze": _squeeze, "repeat": _repeat, "expand": _repeat,
    "contiguous": _pass_through, "size": _size, "dim": _dimensions, "ndimension": _dimensions,
    "mean": _mean,
}
