"""torch.fx tracing on an example input, with source lines, and one run of the traced graph
on it that records what every op produced (tensor shapes and dtypes, plain values)."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import fx, nn

from engine.importing.problems import ImportProblem
from engine.importing.source import TORCH_DIR, SourceIndex

HERE = os.path.dirname(__file__) + os.sep
EXAMPLE_BATCH = 2
"""The batch of the example input. Not 1: a size-1 batch hides ops that mix samples."""


@dataclass(frozen=True)
class TensorMeta:
    shape: tuple[int, ...]
    """With the batch dimension."""
    dtype: str


SHAPE_METHODS = frozenset({"size", "dim", "ndimension", "numel", "nelement"})
SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "device", "dtype", "is_cuda", "is_nested",
                              "is_sparse", "is_quantized", "is_meta", "layout",
                              "requires_grad", "is_floating_point"})
VALUE_METHODS = frozenset({"item", "tolist", "any", "all"})


class ValuesDecide(Exception):
    """forward() branches on the values of a tensor, which a fixed graph cannot do."""


class _ConcreteTracer(fx.Tracer):
    """fx tracing that also runs every op on the example input as it records it, so that
    forward() may look at shapes the way ordinary code does: `assert h == 1`, `for t in
    range(x.size(1))`, `b, t, c, h, w = x.shape`, `if hidden is None`. Such control flow is
    decided by the example's shapes and leaves a fixed graph for that input shape, which
    is what a project is; control flow on the values of tensors is refused (ValuesDecide).
    What each op gave is kept in node.meta["value"], and node.meta["from_values"] says
    whether it depends on the values of tensors rather than on their shapes alone."""

    def __init__(self, example: torch.Tensor, later_arguments: dict[str, Any]) -> None:
        from torch.nn.utils import rnn

        # packing helpers (and the old Variable wrapper) look inside their tensors: recorded
        # as calls (in the files forward() is in, where fx patches the names they are
        # imported under)
        super().__init__(autowrap_functions=(rnn.pack_padded_sequence,
                                             rnn.pad_packed_sequence, torch.autograd.Variable))
        self.record_stack_traces = True
        self.example = example
        self.later_arguments = later_arguments
        self.placeholders = 0

    def create_proxy(self, kind: str, target: Any, args: Any, kwargs: Any, name: Any = None,
                     type_expr: Any = None, proxy_factory_fn: Any = None) -> fx.Proxy:
        proxy = super().create_proxy(kind, target, args, kwargs, name, type_expr,
                                     proxy_factory_fn)
        try:
            value = self._run(kind, target, args, kwargs)
        except Exception as error:
            raise RunFailed(proxy.node, error) from error
        proxy.node.meta["value"] = value
        proxy.node.meta["from_values"] = _from_values(kind, target, args, kwargs, value)
        return proxy

    def _run(self, kind: str, target: Any, args: Any, kwargs: Any) -> Any:
        if kind == "placeholder":
            self.placeholders += 1
            if self.placeholders == 1:
                return self.example
            if str(target) in self.later_arguments:
                return self.later_arguments[str(target)]
            return args[0] if args else None  # a later argument's default
        args, kwargs = _values(args), _values(kwargs)
        with _modules_as_they_are():
            if kind == "get_attr":
                value: Any = self.root
                for part in str(target).split("."):
                    value = getattr(value, part)
                return value
            if kind == "call_module":
                return self.root.get_submodule(str(target))(*args, **kwargs)
        if kind == "call_method":
            return getattr(args[0], str(target))(*args[1:], **kwargs)
        return target(*args, **kwargs)

    def is_leaf_module(self, module: nn.Module, qualified_name: str) -> bool:
        """torch.nn's modules stay whole (each is a catalogue layer), except those the
        catalogue has no layer for: traced into, their functional calls become operations
        (Hardtanh, Upsample, padding) holding their weights (ConvTranspose2d's
        F.conv_transpose2d(x, weight, bias, ...)), and the layers inside them layers
        (TransformerEncoderLayer's attention, Linear and LayerNorm)."""
        leaf = super().is_leaf_module(module, qualified_name)
        return leaf and not _outside_catalogue(module)

    def to_bool(self, obj: fx.Proxy) -> bool:
        if obj.node.meta.get("from_values", True):
            raise ValuesDecide(obj.node)
        return bool(_value(obj))

    def iter(self, obj: fx.Proxy) -> Iterator:
        return iter([obj[index] for index in range(len(_value(obj)))])

    def keys(self, obj: fx.Proxy) -> Any:
        return _value(obj).keys()


def _outside_catalogue(module: nn.Module) -> bool:
    from engine.catalogue import weight_norm
    from engine.importing.modules import MODULES  # modules reads this module's TensorMeta

    return weight_norm.plain_class(module) not in MODULES and \
        not isinstance(module, nn.RNNBase | nn.RNNCellBase)


def _from_values(kind: str, target: Any, args: Any, kwargs: Any, value: Any) -> bool:
    """Whether an op's result depends on the values of tensors (a tensor, or a number read
    out of one), rather than on shapes alone."""
    if kind == "call_method" and target in SHAPE_METHODS:
        return False
    if kind == "call_function" and target is getattr and args[1] in SHAPE_ATTRIBUTES:
        return False
    if isinstance(value, torch.Tensor) or (kind == "call_method" and target in VALUE_METHODS):
        return True
    found: list[bool] = []
    fx.node.map_aggregate(fx.node.map_aggregate(
        (args, kwargs), lambda a: a.node if isinstance(a, fx.Proxy) else a),
        lambda a: found.append(a.meta.get("from_values", True))
        if isinstance(a, fx.Node) else None)
    return any(found)


class RunFailed(Exception):
    def __init__(self, node: fx.Node, error: Exception):
        self.node, self.error = node, error


def _value(argument: Any) -> Any:
    """What a proxy stood for on the example input (other values are themselves)."""
    if isinstance(argument, fx.Proxy):
        return argument.node.meta["value"]
    return argument


def _values(argument: Any) -> Any:
    """`argument` with every proxy inside it (in tuples, lists, dicts and slices) replaced by
    what it stood for. (fx's own map_aggregate would ask a proxy for _fields.)"""
    if isinstance(argument, fx.Proxy):
        return _value(argument)
    if isinstance(argument, tuple):
        mapped = [_values(item) for item in argument]
        return type(argument)(*mapped) if hasattr(type(argument), "_fields") else \
            type(argument)(mapped)
    if isinstance(argument, list):
        return [_values(item) for item in argument]
    if isinstance(argument, dict):
        return {key: _values(item) for key, item in argument.items()}
    if isinstance(argument, slice):
        return slice(_values(argument.start), _values(argument.stop), _values(argument.step))
    return argument


FACTORIES = ("zeros", "ones", "full", "empty", "arange", "rand", "randn", "eye")
"""torch functions that make tensors from sizes: fx cannot follow them when a size is
traced (torch.zeros(x.size(0), n) fails in plain fx), so they are recorded as calls."""
PACKING = ("pack_padded_sequence", "pad_packed_sequence")
"""torch.nn.utils.rnn's functions that look inside their tensors: recorded as calls also
where forward() reaches them through the module (nn.utils.rnn.pack_padded_sequence),
which fx's autowrap (names imported into forward()'s file) does not see."""


@contextlib.contextmanager
def _factories_recorded(tracer: fx.Tracer) -> Iterator[None]:
    from torch.nn.utils import rnn

    originals = [(torch, name, getattr(torch, name)) for name in FACTORIES]
    originals += [(rnn, name, getattr(rnn, name)) for name in PACKING]

    def recorded(original: Any) -> Any:
        def factory(*args: Any, **kwargs: Any) -> Any:
            found: list[bool] = []
            fx.node.map_aggregate((args, kwargs), lambda a: found.append(
                isinstance(a, fx.Proxy)))
            if any(found):
                return tracer.create_proxy("call_function", original, args, kwargs)
            return original(*args, **kwargs)
        return factory

    for owner, name, original in originals:
        setattr(owner, name, recorded(original))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


@contextlib.contextmanager
def _modules_as_they_are() -> Iterator[None]:
    """While fx traces, calling a module (or reading its parameters) goes through the
    tracer; a module run on the example's values must not."""
    from torch.fx._symbolic_trace import _orig_module_call, _orig_module_getattr

    traced_call, traced_getattr = nn.Module.__call__, nn.Module.__getattr__
    nn.Module.__call__, nn.Module.__getattr__ = _orig_module_call, _orig_module_getattr
    try:
        yield
    finally:
        nn.Module.__call__, nn.Module.__getattr__ = traced_call, traced_getattr


@contextlib.contextmanager
def _sizes_as_numbers() -> Iterator[None]:
    """len(), range() and int() of a traced value use what it was on the example input
    (fx refuses them otherwise); put back after."""
    saved = {name: fx.Proxy.__dict__.get(name) for name in ("__len__", "__index__",
                                                            "__int__")}
    def number(self: fx.Proxy) -> int:
        if self.node.meta.get("from_values", True):
            raise ValuesDecide(self.node)
        return int(_value(self))

    # the length of a tensor is its batch: a shape
    fx.Proxy.__len__ = lambda self: len(_value(self))  # type: ignore[method-assign]
    fx.Proxy.__index__ = number  # type: ignore[attr-defined]
    fx.Proxy.__int__ = number  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, method in saved.items():
            if method is None:
                delattr(fx.Proxy, name)
            else:
                setattr(fx.Proxy, name, method)


DTYPE_WORDS = ("scalar type", "dtype", "FloatTensor", "LongTensor", "Long, Int", "expected "
               "scalar", "indices", "Half", "Double", "must be Long")
"""What torch's messages about a wrong dtype say (an Embedding given floats, say)."""


def _what_to_give(error: BaseException, dtype: torch.dtype) -> str:
    """The remedy a failing example calls for: the dtype when torch's words are about
    types, else the shape."""
    text = str(error)
    if any(word in text for word in DTYPE_WORDS):
        other = "float32" if dtype == torch.int64 else "int64"
        return (f"The example's dtype is what fails: import with the input dtype {other} "
                f"(--input-dtype {other}, the Import dialog's Input dtype, or INPUT_DTYPE = "
                f"torch.{other} in the file)")
    return ("Give the input shape of one sample, without the batch, with --input-shape (or "
            "INPUT_SHAPE in the file), and its dtype with --input-dtype if it is not "
            f"{dtype_name(dtype)}")


def _defaults(module: nn.Module, later_arguments: dict[str, Any] | None
              ) -> dict[str, Any] | None:
    """forward()'s optional arguments held at their defaults while tracing, so that code
    deciding on them (`if pad_mask is not None:`) takes the path a call without them
    takes, as it does for one input."""
    import inspect

    parameters = list(inspect.signature(module.forward).parameters.values())[1:]
    held = {p.name: p.default for p in parameters
            if p.default is not p.empty and p.name not in (later_arguments or {})
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and (p.default is None or isinstance(p.default, bool | int | float | str))}
    return held or None


def trace(module: nn.Module, class_name: str, where: str, sources: SourceIndex,
          example: torch.Tensor, later_arguments: dict[str, Any] | None = None
          ) -> fx.GraphModule:
    """The module's forward as an fx graph for the `example` input's shape (evaluation
    mode, no gradients; the module's modes are put back after), its later arguments taking
    `later_arguments` or their defaults; raises ImportProblem when forward() cannot run on
    the example or cannot be followed."""
    tracer = _ConcreteTracer(example, later_arguments or {})
    modes = {each: each.training for each in module.modules()}
    module.eval()
    shape = f"an example input of shape {list(example.shape[1:])} ({dtype_name(example.dtype)})"
    try:
        with torch.no_grad(), _sizes_as_numbers(), _factories_recorded(tracer):
            graph = tracer.trace(module, concrete_args=_defaults(module, later_arguments))
    except RunFailed as failed:
        raise ImportProblem(
            f"{sources.where(failed.node, where)}: {class_name} fails on {shape}: "
            f"{type(failed.error).__name__}: {failed.error}. "
            f"{_what_to_give(failed.error, example.dtype)}") from None
    except ValuesDecide as decided:
        (node,) = decided.args
        raise ImportProblem(
            f"{sources.where(node, where)}: {class_name} branches on the values of a tensor "
            "(if, while or bool() on them, or .item()); importing follows forward() on "
            f"{shape} and keeps what shapes decide, so forward() cannot depend on the "
            "values of tensors: write it as a fixed sequence of layers") from None
    except Exception as error:
        line = _user_line(error, sources) or where
        raise ImportProblem(
            f"{line}: {class_name} cannot be followed on {shape}: {type(error).__name__}: "
            f"{error}") from None
    finally:
        for each, training in modes.items():
            each.train(training)
    return _graph_module(tracer.root, graph, class_name)


def _graph_module(root: nn.Module, graph: fx.Graph, class_name: str) -> fx.GraphModule:
    """fx.GraphModule, without the registrations its generated code makes for the
    functions the tracer recorded as calls (fx would look for those names, which are not
    globals anywhere, in every later trace and fail)."""
    from torch.fx import _symbolic_trace

    registered = set(_symbolic_trace._wrapped_fns_to_patch)
    try:
        return fx.GraphModule(root, graph, class_name)
    finally:
        for key in set(_symbolic_trace._wrapped_fns_to_patch) - registered:
            del _symbolic_trace._wrapped_fns_to_patch[key]


def record(graph_module: fx.GraphModule) -> dict[fx.Node, Any]:
    """What each live node produced on the example input, as trace() ran it: TensorMeta for
    tensors, plain values for the rest (tuples of them for tuples)."""
    return {node: describe(node.meta.get("value")) for node in live_nodes(graph_module.graph)
            if node.op != "output"}


def describe(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return TensorMeta(tuple(value.shape), dtype_name(value.dtype))
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, list | tuple):
        items = [describe(v) for v in value]
        if hasattr(type(value), "_fields"):  # a named tuple (a PackedSequence, say)
            return tuple(items)
        return type(value)(items)
    return value


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def live_nodes(graph: fx.Graph) -> list[fx.Node]:
    """The nodes the output depends on, in graph order (what forward() computes but never
    uses is left out, as running it would be)."""
    nodes = list(graph.nodes)
    live: set[fx.Node] = set()
    for node in reversed(nodes):
        if node.op == "output" or any(user in live for user in node.users):
            live.add(node)
    return [n for n in nodes if n in live or n.op == "placeholder"]


def _user_line(error: BaseException, sources: SourceIndex) -> str | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith((TORCH_DIR, HERE)) and f.lineno is not None]
    if not frames:
        return None
    return f"{sources.show(frames[-1].filename)}:{frames[-1].lineno}"
