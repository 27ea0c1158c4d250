"""torch.nn modules → catalogue layers, with the params read from the module's attributes
(the catalogue's params are the constructor's arguments, so most are copied as they are)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from engine.catalogue import weight_norm
from engine.importing.problems import Unsupported
from engine.importing.tracing import TensorMeta
from engine.importing.values import AttentionResult, Call, Layer, RecurrentResult, Zeros


def size(value: Any) -> Any:
    """A kernel size, stride or padding as the catalogue stores it: one integer when every
    dimension has the same, else a list; strings ('same') as they are."""
    if isinstance(value, tuple | list):
        return value[0] if len(set(value)) == 1 else list(value)
    return value


def convert_module(module: nn.Module, call: Call) -> Any:
    converter = MODULES.get(weight_norm.plain_class(module))
    if converter is None:
        raise Unsupported(f"{call.describe()} is not in the catalogue")
    if isinstance(module, nn.MultiheadAttention):
        return _attention(module, call, str(call.node.target))
    if isinstance(module, nn.RNNBase):
        states = [*call.args[1:], *call.kwargs.values()]
        if any(not _zero_state(state) for state in states):
            raise Unsupported(f"{call.describe()} is given an initial state that is not "
                              f"zeros; the catalogue's {type(module).__name__} starts from "
                              "zeros, so call it with the sequence alone")
    elif len(call.args) != 1 or call.kwargs:
        raise Unsupported(f"{call.describe()} is called with {len(call.args)} arguments"
                          f"{' and keywords' if call.kwargs else ''}; catalogue layers take "
                          "one tensor")
    x = call.tensor(call.args[0])
    return converter(module, call, x, str(call.node.target))


def _padded_shape(x: Layer) -> tuple[int, ...]:
    """x's shape in the user's layout (batch second for time-major code)."""
    shape = x.shape
    return shape if not x.batch_dim else (shape[1], shape[0], *shape[2:])


def _zero_state(state: Any) -> bool:
    """None, zeros, or a tuple of zeros ((h0, c0) of an LSTM): a recurrent layer's default
    start."""
    if state is None or isinstance(state, Zeros):
        return True
    return isinstance(state, tuple | list) and all(_zero_state(s) for s in state)


Converter = Callable[[Any, Call, Layer, str], Any]


def _weight_norm(module: nn.Module, call: Call) -> bool:
    """Whether the layer's weight is weight-normalised (over dim 0, the catalogue's)."""
    dim = weight_norm.dim_of(module)
    if dim not in (None, 0):
        raise Unsupported(f"{call.describe()} has a weight norm over dim {dim}; the "
                          "catalogue's is over dim 0, each output's weights")
    return dim is not None


def _conv(module: nn.Conv1d | nn.Conv2d, call: Call, x: Layer, path: str) -> Layer:
    return call.layer(weight_norm.plain_class(module).__name__, {
        "out_channels": module.out_channels, "kernel_size": size(module.kernel_size),
        "stride": size(module.stride), "padding": size(module.padding),
        "dilation": size(module.dilation), "groups": module.groups,
        "bias": module.bias is not None, "padding_mode": module.padding_mode,
        "weight_norm": _weight_norm(module, call),
    }, [x], module=path)


def _linear(module: nn.Linear, call: Call, x: Layer, path: str) -> Layer:
    return call.layer("Linear", {"out_features": module.out_features,
                                 "bias": module.bias is not None,
                                 "weight_norm": _weight_norm(module, call)}, [x],
                      module=path)


def _flatten(module: nn.Flatten, call: Call, x: Layer, path: str) -> Layer:
    return call.layer("Flatten", {"start_dim": module.start_dim, "end_dim": module.end_dim},
                      [x], module=path)


def _embedding(module: nn.Embedding, call: Call, x: Layer, path: str) -> Layer:
    extras = [name for name, value, plain in (
        ("max_norm", module.max_norm, None), ("scale_grad_by_freq",
                                              module.scale_grad_by_freq, False),
        ("sparse", module.sparse, False)) if value != plain]
    if extras:
        raise Unsupported(f"{call.describe()} sets {', '.join(extras)}, which the "
                          "catalogue's Embedding does not have")
    return call.layer("Embedding", {"num_embeddings": module.num_embeddings,
                                    "embedding_dim": module.embedding_dim,
                                    "padding_idx": module.padding_idx}, [x], module=path)


def _batch_norm(module: nn.BatchNorm1d | nn.BatchNorm2d, call: Call, x: Layer,
                path: str) -> Layer:
    if module.momentum is None:
        raise Unsupported(f"{call.describe()} has momentum=None (a cumulative average); "
                          "the catalogue's BatchNorm takes a number")
    return call.layer(type(module).__name__, {
        "eps": module.eps, "momentum": module.momentum, "affine": module.affine,
        "track_running_stats": module.track_running_stats}, [x], module=path)


def _layer_norm(module: nn.LayerNorm, call: Call, x: Layer, path: str) -> Layer:
    if len(module.normalized_shape) != 1:
        raise Unsupported(f"{call.describe()} normalises over {list(module.normalized_shape)};"
                          " the catalogue's LayerNorm normalises over the last dimension only")
    return call.layer("LayerNorm", {"eps": module.eps,
                                    "elementwise_affine": module.elementwise_affine,
                                    "bias": module.bias is not None or not
                                    module.elementwise_affine}, [x], module=path)


def _dropout(module: nn.Dropout | nn.Dropout2d | nn.Dropout3d, call: Call, x: Layer,
             path: str) -> Layer:
    return call.layer(type(module).__name__, {"p": module.p}, [x], module=path)


def _pixel_shuffle(module: nn.PixelShuffle, call: Call, x: Layer, path: str) -> Layer:
    return call.layer("PixelShuffle", {"upscale_factor": module.upscale_factor}, [x],
                      module=path)


def _window_pool(module: Any, call: Call, x: Layer, path: str) -> Layer:
    if getattr(module, "return_indices", False):
        raise Unsupported(f"{call.describe()} returns indices, which the catalogue's "
                          "pooling does not")
    if getattr(module, "divisor_override", None) is not None:
        raise Unsupported(f"{call.describe()} sets divisor_override, which the catalogue's "
                          "AvgPool does not have")
    params = {"kernel_size": size(module.kernel_size), "padding": size(module.padding),
              "ceil_mode": module.ceil_mode}
    stride = size(module.stride)
    if stride != params["kernel_size"]:
        params["stride"] = stride
    if isinstance(module, nn.AvgPool1d | nn.AvgPool2d | nn.AvgPool3d):
        params["count_include_pad"] = module.count_include_pad
    else:
        params["dilation"] = size(module.dilation)
    return call.layer(type(module).__name__, params, [x], module=path)


def _adaptive_pool(module: Any, call: Call, x: Layer, path: str) -> Layer:
    output_size = module.output_size
    sizes = output_size if isinstance(output_size, tuple | list) else (output_size,)
    if any(s is None for s in sizes):
        kept = [i for i, s in enumerate(sizes) if s is None]
        reduced = [i for i, s in enumerate(sizes) if s is not None]
        if len(reduced) == 1 and sizes[reduced[0]] == 1:
            # (None, 1): each column pooled to one value: a reduction over that dimension
            kind = "Mean" if "Avg" in type(module).__name__ else "Max"
            return call.layer(kind, {"dim": reduced[0] - len(sizes), "keepdim": True}, [x],
                              module=None)
        if not reduced:
            return x
        raise Unsupported(f"{call.describe()} keeps dimension {kept} (output_size None) and "
                          "pools the others to more than 1, which the catalogue's adaptive "
                          "pooling does not")
    if getattr(module, "return_indices", False):
        raise Unsupported(f"{call.describe()} returns indices, which the catalogue's "
                          "pooling does not")
    return call.layer(type(module).__name__, {"output_size": size(output_size)}, [x],
                      module=path)


def _activation(*attributes: str) -> Converter:
    def convert(module: nn.Module, call: Call, x: Layer, path: str) -> Layer:
        params = {name: getattr(module, name) for name in attributes}
        if params.get("dim", 0) is None:
            raise Unsupported(f"{call.describe()} has no dim; give the dimension, e.g. "
                              f"{type(module).__name__}(dim=-1)")
        if x.batch_dim and "dim" in params:  # the same dimension, counted batch first
            params["dim"] = call.batch_first_dim(x, params["dim"])
            return call.layer(type(module).__name__, params, [x], module=path,
                              batch_dim=x.batch_dim)
        return call.layer(type(module).__name__, params, [x], module=path)
    return convert


def _recurrent(module: nn.RNNBase, call: Call, x: Layer, path: str) -> RecurrentResult:
    kind = type(module).__name__
    params: dict[str, Any] = {
        "hidden_size": module.hidden_size, "num_layers": module.num_layers,
        "bidirectional": module.bidirectional, "dropout": float(module.dropout),
        "bias": module.bias}
    if kind == "RNN":
        params["nonlinearity"] = module.nonlinearity
    if kind == "LSTM":
        params["proj_size"] = module.proj_size
    # the module returns (output, state): the node is the output, state is looked at apart
    output = call.result[0]
    if not isinstance(output, TensorMeta):  # packed (full-length) sequences in and out
        width = (module.proj_size or module.hidden_size) * (2 if module.bidirectional else 1)
        output = TensorMeta((*_padded_shape(x)[:-1], width), x.dtype)
    expected = 0 if module.batch_first else 1
    # where the layout does not fit, the output keeps the input's (one problem, reported
    # once, rather than one for every layer after it)
    layer = call.layer(kind, params, [x], module=path, meta=output, batch_dim=x.batch_dim)
    if x.batch_dim != expected:
        # reported, but the layer stays so that what uses its outputs is still checked
        layout = "[batch, time, features]" if module.batch_first else \
            "[time, batch, features]"
        layer.problem = (f"{call.describe()} reads {layout} (batch_first="
                         f"{module.batch_first}) but is given the batch "
                         f"{'second' if x.batch_dim else 'first'}; transpose its input "
                         "with .transpose(0, 1) (the catalogue's recurrent layers are "
                         "batch-first, and import turns time-major ones round)")
    return RecurrentResult(layer)


def _group_norm(module: nn.GroupNorm, call: Call, x: Layer, path: str) -> Layer:
    return call.layer("GroupNorm", {"num_groups": module.num_groups, "eps": module.eps,
                                    "affine": module.affine}, [x], module=path)


def _prelu(module: nn.PReLU, call: Call, x: Layer, path: str) -> Layer:
    return call.layer("PReLU", {"num_parameters": module.num_parameters,
                                "init": float(module.init)}, [x], module=path)


def _identity(module: nn.Identity, call: Call, x: Layer, path: str) -> Layer:
    return x


def _attention(module: nn.MultiheadAttention, call: Call, path: str) -> AttentionResult:
    """self.att(q, k, v): the catalogue's MultiheadAttention, batch first in the project
    whatever the module's batch_first (the same weights); its result is the (output,
    weights) pair."""
    bound = call.bind(("query", "key", "value", "key_padding_mask", "need_weights",
                       "attn_mask", "average_attn_weights", "is_causal"),
                      {"key_padding_mask": None, "need_weights": True, "attn_mask": None,
                       "average_attn_weights": True, "is_causal": False})
    given = [name for name in ("key_padding_mask", "attn_mask") if bound[name] is not None]
    if given or bound["is_causal"]:
        raise Unsupported(f"{call.describe()} is given {given[0] if given else 'is_causal'}; "
                          "the catalogue's MultiheadAttention attends to every step")
    if module.bias_k is not None or module.add_zero_attn:
        raise Unsupported(f"{call.describe()} has add_bias_kv or add_zero_attn, which the "
                          "catalogue's MultiheadAttention does not have")
    parts = [call.tensor(bound[name]) for name in ("query", "key", "value")]
    layout = 0 if module.batch_first else 1
    if any(x.batch_dim != layout for x in parts):
        raise Unsupported(f"{call.describe()} is given the batch "
                          f"{'second' if layout == 0 else 'first'} but reads it "
                          f"{'first' if layout == 0 else 'second'} (batch_first="
                          f"{module.batch_first})")
    inputs = parts[:1] if parts[0] is parts[1] is parts[2] else parts
    output = call.result[0] if isinstance(call.result, tuple | list) else call.result
    layer = call.layer("MultiheadAttention", {
        "num_heads": module.num_heads, "dropout": module.dropout,
        "bias": module.in_proj_bias is not None}, inputs, module=path, meta=output,
        batch_dim=layout)
    return AttentionResult(layer)


MODULES: dict[type[nn.Module], Converter] = {
    nn.Conv1d: _conv, nn.Conv2d: _conv, nn.Conv3d: _conv,
    nn.Linear: _linear, nn.Flatten: _flatten, nn.Embedding: _embedding,
    nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm, nn.BatchNorm3d: _batch_norm,
    nn.LayerNorm: _layer_norm, nn.GroupNorm: _group_norm, nn.PReLU: _prelu,
    nn.Dropout: _dropout, nn.Dropout2d: _dropout, nn.Dropout3d: _dropout,
    nn.MaxPool1d: _window_pool, nn.MaxPool2d: _window_pool, nn.MaxPool3d: _window_pool,
    nn.AvgPool1d: _window_pool, nn.AvgPool2d: _window_pool, nn.AvgPool3d: _window_pool,
    nn.AdaptiveAvgPool1d: _adaptive_pool, nn.AdaptiveAvgPool2d: _adaptive_pool,
    nn.AdaptiveAvgPool3d: _adaptive_pool, nn.PixelShuffle: _pixel_shuffle,
    nn.AdaptiveMaxPool1d: _adaptive_pool, nn.AdaptiveMaxPool2d: _adaptive_pool,
    nn.ReLU: _activation(), nn.Sigmoid: _activation(), nn.Tanh: _activation(),
    nn.LeakyReLU: _activation("negative_slope"), nn.ELU: _activation("alpha"),
    nn.GELU: _activation("approximate"),
    nn.Softmax: _activation("dim"), nn.LogSoftmax: _activation("dim"),
    nn.RNN: _recurrent, nn.LSTM: _recurrent, nn.GRU: _recurrent,
    nn.Identity: _identity, nn.MultiheadAttention: _attention,
}
"""Exact classes: a subclass may change forward(), and torch.fx traces into those anyway."""
