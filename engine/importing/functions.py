"""torch functions, Tensor methods and Python operators → catalogue layers.

Each converter recognises the forms the catalogue's generated code writes (see each layer
spec's `expression`) and the common ways people write the same thing; any other form raises
Unsupported with a sentence saying what the catalogue takes instead.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx
from torch.nn.utils import rnn as rnn_utils

from engine.importing import cells
from engine.importing.modules import size
from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta
from engine.importing.values import (
    BATCH,
    BATCH_POSITIONS,
    AttentionResult,
    BatchTimes,
    Call,
    FinalState,
    Layer,
    Lengths,
    Made,
    MaxResult,
    RecurrentResult,
    StatePair,
    batch_first_order,
)

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
        x = call.tensor(bound["input"])
        if x.batch_dim and "dim" in values:  # the same dimension, counted batch first
            values["dim"] = call.batch_first_dim(x, values["dim"])
            return call.layer(layer_type, values, [x], batch_dim=x.batch_dim)
        return call.layer(layer_type, values, [x])
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


def _fold(call: Call, x: Layer) -> Layer:
    """x's first two dimensions (batch and frames or time steps, in either order) as one:
    a layer only with the unfold that ends it, around layers applied to each step."""
    steps = x.shape[1]  # batch first
    return call.pending("fold", f"{call.describe()} folds the batch and the next "
                        "dimension into one; the catalogue does that only around layers "
                        "applied to each frame or step, unfolded again after them: "
                        "x.flatten(0, 1) → those layers → .unflatten(0, (-1, steps))", [x],
                        op_args=(steps, x.batch_dim), batch_dim=0)


def _unfold(call: Call, x: Layer, steps: int, batch_dim: int) -> Layer:
    return call.pending("unfold", f"{call.describe()} is in the catalogue only where it "
                        "ends a fold of the batch with the frames or steps (x.flatten(0, 1) "
                        "or x.view(b * t, ...)) around layers applied to each of them",
                        [x], op_args=(steps, batch_dim), batch_dim=batch_dim)


def _flatten(call: Call) -> Layer:
    bound = call.bind(("input", "start_dim", "end_dim"), {"start_dim": 0, "end_dim": -1})
    x = call.tensor(bound["input"])
    start = _dim(call, bound["start_dim"], x.rank, "start_dim")
    end = _dim(call, bound["end_dim"], x.rank, "end_dim")
    if (start, end) == (0, 1) and x.rank >= 3:
        return _fold(call, x)
    if x.batch_dim:
        start, end = (call.batch_first_dim(x, d) for d in (start, end))
        if end - start != abs(bound["end_dim"] - bound["start_dim"]) and bound["end_dim"] >= 0:
            raise Unsupported(f"{call.describe()} of a tensor with time first is not in the "
                              "catalogue; move the batch first with .transpose(0, 1)")
    if start == 0:
        raise Unsupported(f"{call.describe()} flattens the batch dimension into the "
                          "features; start at dim 1, as torch.flatten(x, 1)")
    if x.rank == 5 and (bound["start_dim"], bound["end_dim"]) == (2, 4):
        return call.layer("ToSequence", {}, [x])  # how the catalogue writes it for a clip
    if x.batch_dim:
        return call.layer("Flatten", {"start_dim": start, "end_dim": end}, [x], op="flatten",
                          op_args=(start, end), batch_dim=0)
    return call.layer("Flatten", {"start_dim": bound["start_dim"], "end_dim": bound["end_dim"]},
                      [x], op="flatten", op_args=(start, end))


def _unflatten(call: Call) -> Layer:
    bound = call.bind(("input", "dim", "sizes"))
    x = call.tensor(bound["input"])
    sizes = bound["sizes"]
    if (bound["dim"] == 0 and isinstance(sizes, tuple | list) and len(sizes) == 2
            and (sizes[0] is BATCH or sizes[0] == -1) and isinstance(sizes[1], int)):
        return _unfold(call, x, sizes[1], 0)
    if (bound["dim"] == 0 and isinstance(sizes, tuple | list) and len(sizes) == 2
            and isinstance(sizes[0], int) and sizes[1] is BATCH):
        return _unfold(call, x, sizes[0], 1)  # back to time first
    raise Unsupported(f"{call.describe()} is in the catalogue only as .unflatten(0, (-1, "
                      "frames)), after x.flatten(0, 1) and layers applied to each frame")


def _pack(call: Call) -> Layer:
    """pack_padded_sequence with forward()'s argument of true lengths: the padded
    sequences as they are, whose recurrent layer the project packs with the lengths the
    same way (engine.importing.building); with lengths made in forward(), only sequences
    that all have every step."""
    bound = call.bind(("input", "lengths", "batch_first", "enforce_sorted"),
                      {"batch_first": False, "enforce_sorted": True})
    x = call.tensor(bound["input"])
    if isinstance(bound["lengths"], Lengths) and bound["lengths"].offset:
        raise Unsupported(f"{call.describe()} packs with lengths less "
                          f"{bound['lengths'].offset}; a project packs the true lengths")
    if not isinstance(bound["lengths"], Lengths):
        lengths = call.node.args[1] if len(call.node.args) > 1 else call.node.kwargs["lengths"]
        lengths = lengths.meta.get("value") if isinstance(lengths, fx.Node) else lengths
        steps = x.shape[1]
        if not all(int(length) == steps for length in torch.as_tensor(lengths).reshape(-1)):
            raise Unsupported(f"{call.describe()} packs sequences of different lengths made "
                              "in forward(); a project packs with the true lengths given "
                              "to forward() beside the padded sequences")
    if x.batch_dim != (0 if bound["batch_first"] else 1):
        raise Unsupported(f"{call.describe()} with batch_first={bound['batch_first']} is "
                          "given the batch in the other place")
    return x


def _unpack(call: Call) -> tuple[Layer, Any]:
    """pad_packed_sequence of full-length sequences: the output as it is, and the lengths
    (which nothing in a project uses)."""
    bound = call.bind(("sequence", "batch_first", "padding_value", "total_length"),
                      {"batch_first": False, "padding_value": 0.0, "total_length": None})
    x = call.tensor(bound["sequence"])
    wanted = 0 if bound["batch_first"] else 1
    if x.batch_dim != wanted:
        x = call.pending("alias", None, [x], batch_dim=wanted)
    return x, Made(call.describe())


def _stack(call: Call) -> Layer:
    bound = call.bind(("tensors", "dim"), {"dim": 0})
    layer = cells.stacked(call, list(bound["tensors"]), bound["dim"])
    if layer is None:
        raise Unsupported(f"{call.describe()} is in the catalogue only as the stack of every "
                          "step's output of a recurrent cell (a recurrent layer)")
    return layer


def _concat(call: Call) -> Layer:
    bound = call.bind(("tensors", "dim"), {"dim": 0})
    tensors = [call.tensor(t) for t in bound["tensors"]]
    dim = call.batch_first_dim(tensors[0], _dim(call, bound["dim"], tensors[0].rank))
    _no_batch(call, dim, "joins along")
    if len(tensors) < 2:
        return tensors[0]
    if len({t.batch_dim for t in tensors}) > 1:
        raise Unsupported(f"{call.describe()} joins tensors with the batch in different "
                          "places; transpose them alike first")
    written = bound["dim"] if not tensors[0].batch_dim else dim
    return call.layer("Concat", {"dim": written}, tensors, batch_dim=tensors[0].batch_dim)


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
    user = _user_shape(x)
    if x.rank >= 3 and len(out) == x.rank - 1 and out[0] == user[0] * user[1] \
            and out[1:] == tuple(user[2:]) and sizes and (
                sizes[0] == -1 or isinstance(sizes[0], BatchTimes)):
        return _fold(call, x)  # view(b * t, c, h, w): the steps folded into the batch
    unfold = _unfolding(call, x, sizes, out)
    if unfold is not None:
        return unfold
    if x.batch_dim:
        raise Unsupported(f"{call.describe()} of a tensor with time first is not in the "
                          "catalogue; move the batch first with .transpose(0, 1)")
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


def _unfolding(call: Call, x: Layer, sizes: list[Any], out: tuple[int, ...]
               ) -> Layer | None:
    """view(b, t, ...) (or view(t, b, ...)) of a folded tensor [b × t, ...]: the unfold,
    followed by a Flatten from dim 2 where the view also merges what is left."""
    if x.batch_dim or len(out) < 3 or len(sizes) < 2 or out[0] * out[1] != x.shape[0]:
        return None
    if sizes[0] is BATCH or (sizes[0] == -1 and isinstance(sizes[1], int) and sizes[1] > 0):
        steps, batch_dim = out[1], 0
    elif sizes[1] is BATCH or (sizes[1] == -1 and isinstance(sizes[0], int)):
        steps, batch_dim = out[0], 1
    else:
        return None
    rest = tuple(x.shape[1:])
    if tuple(out[2:]) == rest:
        return _unfold(call, x, steps, batch_dim)
    if len(out) == 3 and out[2] == math.prod(rest) and batch_dim == 0:
        unfolded_meta = TensorMeta((out[0], steps, *rest), x.dtype)
        call_meta = call.result
        call.result = unfolded_meta
        try:
            unfolded = _unfold(call, x, steps, 0)
        finally:
            call.result = call_meta
        return call.layer("Flatten", {"start_dim": 2}, [unfolded], id_suffix="_flat")
    return None


def _user_shape(x: Layer) -> list[Any]:
    """x's traced shape in the user's layout (the batch where they have it)."""
    order = batch_first_order(x.rank, x.batch_dim)
    shape: list[Any] = [None] * x.rank
    for index, dim in enumerate(order):
        shape[dim] = x.shape[index]
    return shape


def _reorder(call: Call, x: Layer, dims: list[int], transposed: bool = False) -> Layer:
    """permute(dims) of x in the user's layout: a Permute of the project's batch-first
    tensor (or nothing, where only the batch moves), with the batch where the user now has
    it. The batch may end up first or second ([time, batch, F] for time-major layers)."""
    batch_after = dims.index(x.batch_dim)
    if batch_after > 1 or (batch_after != x.batch_dim and x.rank < 2):
        raise Unsupported(f"{call.describe()} moves the batch dimension; the catalogue's "
                          "Permute keeps dim 0 first (the batch may go second only for "
                          "time-major recurrent layers, [time, batch, features])")
    before = batch_first_order(x.rank, x.batch_dim)
    after = [x.batch_dim, *(d for d in dims if d != x.batch_dim)]
    order = [before.index(d) for d in after]
    if order == list(range(x.rank)):
        if batch_after == x.batch_dim:
            return x
        return call.pending("alias", None, [x], batch_dim=batch_after)
    if transposed and x.rank == 3 and order == [0, 2, 1] and batch_after == 0 == x.batch_dim:
        # how the catalogue writes ToSequence of a signal [C, L] → [L, C]
        return call.layer("ToSequence", {}, [x], op="transpose")
    return call.layer("Permute", {"dims": order}, [x], batch_dim=batch_after)


def _permute(call: Call) -> Layer:
    x, dims = _shape_args(call, ("input", "dims"))
    return _reorder(call, x, [_dim(call, d, x.rank) for d in dims])


def _transpose(call: Call) -> Layer:
    bound = call.bind(("input", "dim0", "dim1"))
    x = call.tensor(bound["input"])
    first, second = (_dim(call, bound[k], x.rank) for k in ("dim0", "dim1"))
    dims = list(range(x.rank))
    dims[first], dims[second] = dims[second], dims[first]
    return _reorder(call, x, dims, transposed=True)


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
    shape = _sizes(x)
    return shape if bound["dim"] is None else shape[_dim(call, bound["dim"], x.rank)]


def _sizes(x: Layer) -> tuple[Any, ...]:
    """x.size() as the user's code sees it, the batch size as BATCH."""
    shape = _user_shape(x)
    shape[x.batch_dim] = BATCH
    return tuple(shape)


def _dimensions(call: Call) -> int:
    return call.tensor(call.bind(("input",))["input"]).rank


def _getattr(call: Call) -> Any:
    x, name = call.args
    if isinstance(x, MaxResult) and name == "values":
        return x.layer
    if name == "shape":
        return _sizes(call.tensor(x))
    if name == "ndim":
        return call.tensor(x).rank
    if name in ("device", "dtype", "is_cuda"):
        # where (and as what) the code makes its zero states, `device=x.device`: the
        # example's, a constant the project's layers do not need
        return call.result
    raise Unsupported(f"the tensor attribute .{name} is not in the catalogue")


def _reduction(layer_type: str, method: str) -> Converter:
    """x.mean(dim) / x.sum(dim) / x.amax(dim) (and torch's functions): the Mean, Sum or Max
    layer over one dimension. The mean over every position of an image's or a signal's
    channels, x.mean((2, 3)), is adaptive average pooling."""
    def convert(call: Call, meta: TensorMeta | None = None) -> Any:
        bound = call.bind(("input", "dim", "keepdim", "dtype"),
                          {"dim": None, "keepdim": False, "dtype": None})
        x = call.tensor(bound["input"])
        given = bound["dim"]
        dims = list(given) if isinstance(given, tuple | list) else [given]
        if given is None or bound["dtype"] is not None or None in dims:
            raise Unsupported(f"{call.describe()} is in the catalogue only over one "
                              f"dimension, as x.{method}(1) over time ({layer_type})"
                              + (", or the mean over all positions of each channel "
                                 "(x.mean((2, 3)) of an image, adaptive average pooling)"
                                 if layer_type == "Mean" else ""))
        normalised = sorted(_dim(call, d, x.rank) for d in dims)
        if layer_type == "Mean" and x.rank in (3, 4) and normalised == list(range(2, x.rank)) \
                and (len(dims) > 1 or x.rank == 3):
            return _global_average(call, x, bound["keepdim"])
        if len(dims) != 1:
            raise Unsupported(f"{call.describe()} over several dimensions is not in the "
                              f"catalogue, whose {layer_type} reduces one")
        if x.batch_dim:  # time-major code: the dimension counted batch first
            dim = call.batch_first_dim(x, normalised[0])
            _no_batch(call, dim, "reduces")
            return call.layer(layer_type, {"dim": dim, "keepdim": bound["keepdim"]}, [x],
                              meta=meta, batch_dim=x.batch_dim if dim > 1 or
                              bound["keepdim"] else 0)
        _no_batch(call, normalised[0], "reduces")
        return call.layer(layer_type, {"dim": dims[0], "keepdim": bound["keepdim"]}, [x],
                          meta=meta)
    return convert


def _global_average(call: Call, x: Layer, keepdim: bool) -> Layer:
    n = x.rank - 2
    if keepdim:
        return call.layer(f"AdaptiveAvgPool{n}d", {"output_size": 1}, [x])
    pool_meta = TensorMeta((*x.shape[:2], *(1,) * n), x.dtype)
    pool = call.layer(f"AdaptiveAvgPool{n}d", {"output_size": 1}, [x], meta=pool_meta,
                      id_suffix="_pool")
    return call.layer("Flatten", {}, [pool])


def _max(call: Call) -> Any:
    """torch.max(x, dim) gives (values, indices); values is the Max layer."""
    if len(call.args) + len(call.kwargs) < 2 or isinstance(
            call.args[1] if len(call.args) > 1 else None, Layer):
        raise Unsupported(f"{call.describe()} is in the catalogue only over one dimension, "
                          "as torch.max(x, 1).values or x.amax(1) (Max)")
    values = call.result[0] if isinstance(call.result, tuple) else call.result
    return MaxResult(_reduction("Max", "amax")(call, values))


_mean = _reduction("Mean", "mean")


def _getitem(call: Call) -> Any:
    container, index = call.args
    if isinstance(container, tuple | list):
        return container[index]
    if isinstance(container, MaxResult | AttentionResult) and index in (0, -2):
        return container.layer
    if isinstance(container, cells.CellPair):
        return cells.pick(container, index)
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
    if x.batch_dim == 1 and x.rank == 3 and steps in ((-1,), (-1, everything),
                                                      (-1, everything, everything),
                                                      (x.shape[1] - 1,)):
        return call.layer("LastStep", {}, [x], batch_dim=0)  # out[-1] of time-major code
    if x.rank == 3 and steps in ((everything, -1), (everything, -1, everything)):
        return call.layer("LastStep", {}, [x])
    if _true_last_step(steps, x):
        return call.layer("LastStep", {}, [x], batch_dim=0)
    step = cells.step_of(call, x, index)
    if step is not None:  # for a recurrent cell, or refused where it is used
        return step
    raise Unsupported(f"indexing [{_index_text(index)}] is not in the catalogue (it has "
                      "x[:, -1], the last step of a sequence: LastStep)")


def _true_last_step(index: tuple[Any, ...], x: Layer) -> bool:
    """out[torch.arange(b), lengths - 1] (or time-major, out[lengths - 1, torch.arange(b)]):
    each sequence's last true step."""
    if x.rank != 3 or len(index) not in (2, 3) or index[2:] not in ((), (slice(None),)):
        return False
    last = Lengths(1)
    return index[:2] == ((BATCH_POSITIONS, last) if x.batch_dim == 0
                         else (last, BATCH_POSITIONS))


def _last_state(call: Call, state: FinalState, how: str, only_layer: bool = False) -> Layer:
    """h_n[-1] (or h_n.squeeze(0) of one layer) of a one-directional RNN is the output's
    last step, so it imports as LastStep of the RNN's node. Of a bidirectional one, the
    last layer's two states are in its output too: h_n[-2], the forward direction's, is
    the last step's first half; h_n[-1], the backward direction's, the first step's second
    half (it ends where the sequence starts)."""
    rnn = state.layer
    layers = rnn.params.get("num_layers", 1)
    index = call.args[1] if len(call.args) > 1 else None
    if isinstance(index, tuple) and index and all(i == slice(None) for i in index[1:]):
        index = index[0]  # h_n[-1, :, :] is h_n[-1]
    if rnn.params.get("bidirectional") and not only_layer and index in (
            -1, -2, 2 * layers - 1, 2 * layers - 2):
        return _direction_state(call, rnn, backward=index in (-1, 2 * layers - 1))
    picks_last = (only_layer and layers == 1) or index in (-1, layers - 1)
    if rnn.params.get("bidirectional") or not picks_last:
        raise Unsupported(f"{call.describe()} takes h_n{how} of {rnn.type} "
                          f"'{rnn.module or rnn.node.name}', which is not in the catalogue "
                          "(h_n[-1] of a one-directional one is, and h_n[-2] and h_n[-1], "
                          "the last layer's, of a bidirectional one); use its output")
    return call.layer("LastStep", {}, [rnn], batch_dim=0)


def _direction_state(call: Call, rnn: Layer, backward: bool) -> Layer:
    size = rnn.params.get("proj_size") or rnn.params.get("hidden_size", 64)
    everything = {"slice": [None, None, None]}
    if backward:  # out[:, 0, size:]
        return call.layer("Operation", {"call": "getitem", "args": [{"input": 0}, {
            "tuple": [everything, 0, {"slice": [size, None, None]}]}], "kwargs": {}},
            [rnn], op="getitem", batch_dim=0)
    # the last step (each sequence's true last where lengths are known), its first half
    last = call.layer("LastStep", {}, [rnn], batch_dim=0,
                      meta=TensorMeta((call.meta.shape[0], 2 * size), call.meta.dtype),
                      id_suffix="_last")
    return call.layer("Operation", {"call": "getitem", "args": [{"input": 0}, {
        "tuple": [everything, {"slice": [None, size, None]}]}], "kwargs": {}},
        [last], op="getitem")


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
    torch.autograd.Variable: _pass_through,
    rnn_utils.pack_padded_sequence: _pack, rnn_utils.pad_packed_sequence: _unpack,
    torch.cat: _concat, torch.stack: _stack, torch.concat: _concat, torch.concatenate: _concat,
    operator.add: _add, operator.iadd: _add, torch.add: _add,
    operator.neg: _neg, torch.neg: _neg,
    torch.reshape: _reshape, torch.permute: _permute, torch.transpose: _transpose,
    torch.unsqueeze: _unsqueeze, torch.squeeze: _squeeze,
    torch.mean: _mean, torch.sum: _reduction("Sum", "sum"),
    torch.amax: _reduction("Max", "amax"), torch.max: _max,
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
    "mean": _mean, "sum": _reduction("Sum", "sum"), "amax": _reduction("Max", "amax"),
    "max": _max,
}
