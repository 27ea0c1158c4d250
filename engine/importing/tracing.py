"""torch.fx tracing with source lines, and one run of the traced graph on an example input
that records what every op produced (tensor shapes and dtypes, plain values)."""

from __future__ import annotations

import os
import traceback
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


def trace(module: nn.Module, class_name: str, where: str, sources: SourceIndex
          ) -> fx.GraphModule:
    """The module's forward as an fx graph; raises ImportProblem when torch.fx cannot follow
    it (branches on tensor values, len() of a tensor, ...)."""
    tracer = fx.Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as error:
        line = _user_line(error, sources) or where
        raise ImportProblem(
            f"{line}: {class_name} cannot be traced with torch.fx: {error}. Importing follows "
            "forward() symbolically, so it cannot depend on the values of tensors (if/for on "
            "them, len(x)); write it as a fixed sequence of layers") from None
    return fx.GraphModule(tracer.root, graph, class_name)


def record(graph_module: fx.GraphModule, example: torch.Tensor, sources: SourceIndex,
           class_name: str, where: str) -> dict[fx.Node, Any]:
    """What each live node produced on `example`: TensorMeta for tensors, plain values for
    the rest (tuples of them for tuples)."""
    results: dict[fx.Node, Any] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, node: fx.Node) -> Any:
            try:
                result = super().run_node(node)
            except Exception as error:
                raise _RunFailed(node, error) from error
            results[node] = describe(result)
            return result

    # evaluation mode: batch statistics of a tiny random batch would fail or mislead;
    # the modes are put back after, as the module is the caller's
    modes = {module: module.training for module in graph_module.modules()}
    graph_module.eval()
    try:
        with torch.no_grad():
            Recorder(graph_module).run(example)
    except _RunFailed as failed:
        shape = list(example.shape[1:])
        raise ImportProblem(
            f"{sources.where(failed.node, where)}: {class_name} fails on an example input of "
            f"shape {shape} ({dtype_name(example.dtype)}): {type(failed.error).__name__}: "
            f"{failed.error}. Give the input shape of one sample, without the batch, with "
            "--input-shape (or INPUT_SHAPE in the file)") from None
    finally:
        for module, training in modes.items():
            module.train(training)
    return results


class _RunFailed(Exception):
    def __init__(self, node: fx.Node, error: Exception):
        self.node, self.error = node, error


def describe(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return TensorMeta(tuple(value.shape), dtype_name(value.dtype))
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, list | tuple):
        return type(value)(describe(v) for v in value)
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
