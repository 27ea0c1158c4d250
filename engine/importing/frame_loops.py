"""The same layers run on every frame in a Python loop, their results stacked:

    feats = [self.cnn(x[:, t]) for t in range(x.size(1))]
    seq = torch.stack(feats, dim=1)

is the network applied to each frame with its weights shared, which a project holds as
layers given the whole clip (engine.catalogue's per-frame layers). Before the ops become
layers, such a loop in the traced graph is rewritten as code that folds the frames into
the batch, `cnn(x.flatten(0, 1)).unflatten(0, (-1, T))`, which the importer already reads
as per-frame layers; the loop's T copies must do the same thing to frames 0, 1, ..., T-1.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch import fx


def fold_frame_loops(graph_module: fx.GraphModule) -> int:
    """Rewrite every per-frame loop of `graph_module` in place; returns how many. Each new
    node gets what it gives on the example input (node.meta["value"]), as tracing does."""
    folded = 0
    for stack in [n for n in graph_module.graph.nodes
                  if n.op == "call_function" and n.target is torch.stack]:
        if _fold(graph_module.graph, stack):
            folded += 1
    if folded:
        graph_module.graph.eliminate_dead_code()
        graph_module.recompile()
        _refresh_values(graph_module)
    return folded


def _stacked(stack: fx.Node) -> tuple[list[fx.Node], int] | None:
    items = stack.args[0] if stack.args else stack.kwargs.get("tensors")
    dim = stack.args[1] if len(stack.args) > 1 else stack.kwargs.get("dim", 0)
    if not isinstance(items, (list, tuple)) or len(items) < 2 or \
            not all(isinstance(i, fx.Node) for i in items):
        return None
    return list(items), dim


def _frame_of(node: fx.Node) -> tuple[fx.Node, int] | None:
    """(x, t) when `node` is x[:, t]."""
    if node.op != "call_function" or node.target is not operator.getitem:
        return None
    source, index = node.args
    if isinstance(index, tuple) and len(index) == 2 and index[0] == slice(None) and \
            isinstance(index[1], int) and isinstance(source, fx.Node):
        return source, index[1]
    return None


def _chain(item: fx.Node) -> list[fx.Node] | None:
    """The nodes between a frame x[:, t] and `item` (the frame first, graph order), when
    `item` is computed from one frame alone."""
    inside: list[fx.Node] = []
    pending, seen = [item], set()
    frames: set[fx.Node] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        if _frame_of(node) is not None:
            frames.add(node)
            inside.append(node)
            continue
        if node.op in ("placeholder", "get_attr", "output"):
            return None
        inside.append(node)
        pending.extend(n for n in node.all_input_nodes)
    if len(frames) != 1:
        return None
    order = {node: index for index, node in enumerate(item.graph.nodes)}
    return sorted(inside, key=order.__getitem__)


def _shape_of(chain: list[fx.Node]) -> list[Any]:
    position = {node: index for index, node in enumerate(chain)}

    def mapped(value: Any) -> Any:
        return ("node", position[value]) if isinstance(value, fx.Node) else value

    # the frame x[:, t] itself differs by t alone, which _fold checks apart
    return [(n.op, n.target, fx.node.map_aggregate(n.args, mapped),
             fx.node.map_aggregate(n.kwargs, mapped)) for n in chain[1:]]


def _fold(graph: fx.Graph, stack: fx.Node) -> bool:
    found = _stacked(stack)
    if found is None:
        return False
    items, dim = found
    chains = [_chain(item) for item in items]
    if any(c is None for c in chains):
        return False
    frames = [_frame_of(c[0]) for c in chains]
    sources = {source for source, _ in frames}
    if len(sources) != 1 or [t for _, t in frames] != list(range(len(items))):
        return False
    (source,) = sources
    clip = source.meta.get("value")
    if not isinstance(clip, torch.Tensor) or clip.dim() < 3 or clip.shape[1] != len(items) \
            or dim not in (1, -clip.dim()):
        return False
    first = _shape_of(chains[0])
    if any(_shape_of(c) != first for c in chains[1:]):
        return False
    if not any(node.op == "call_module" for node in chains[0]):
        return False  # no weights to share: the loop imports as it is written
    with graph.inserting_before(stack):
        folded = graph.call_method("flatten", (source, 0, 1))
        copies = {chains[0][0]: folded}
        for node in chains[0][1:]:
            copies[node] = graph.node_copy(node, lambda n: copies.get(n, n))
        result = graph.call_method("unflatten", (copies[chains[0][-1]], 0, (-1, len(items))))
    stack.replace_all_uses_with(result)
    graph.erase_node(stack)
    return True


def _refresh_values(graph_module: fx.GraphModule) -> None:
    """Run the graph on the values its placeholders had while tracing, keeping what every
    node gives."""

    class Recording(fx.Interpreter):
        def run_node(self, node: fx.Node) -> Any:
            value = node.meta["value"] if node.op == "placeholder" else super().run_node(node)
            node.meta["value"] = value
            node.meta.setdefault("from_values", False)
            return value

    with torch.no_grad():
        Recording(graph_module).run(*[None for n in graph_module.graph.nodes
                                      if n.op == "placeholder"])
