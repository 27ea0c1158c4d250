"""Graph → torch.nn.Module.

Submodules are named after node ids and forward() is generated Python (see codegen), so a
compiled network runs with no per-call interpretation: it costs what the same network
written by hand costs.
"""

from __future__ import annotations

import hashlib
import linecache
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.analysis import Analysis, CompileError, Problem, analyse
from engine.capacity import network_memory_problem
from engine.catalogue import held_tensors
from engine.codegen import forward_source, takes_lengths
from engine.graph import Graph

__all__ = ["CompileError", "CompiledNetwork", "compile_graph"]


class CompiledNetwork(nn.Module):
    """Base of every compiled network. `code` is the generated forward()."""

    code: str
    input_ids: tuple[str, ...]
    output_ids: tuple[str, ...]
    takes_lengths: bool = False
    """forward() takes each sequence's true length after its input (an Input of variable
    length feeding recurrent layers)."""


def compile_graph(graph: Graph, analysis: Analysis | None = None,
                  name: str = "Network", labelled: bool = False,
                  every_output: bool = False, outer_layout: bool = True) -> CompiledNetwork:
    """Without `outer_layout`, the output stays batch-first where the network hands it on
    time-first (TimeFirst): what training and inspection run. With `labelled`, forward()
    marks each node's work for torch.profiler; with
    `every_output`, it returns every node's output by node id (see codegen.forward_lines).
    Otherwise it is plain PyTorch."""
    analysis = analysis or analyse(graph)
    graph = analysis.graph
    if not analysis.ok:
        raise CompileError(analysis.errors)
    too_large = network_memory_problem(analysis)
    if too_large:
        raise CompileError([Problem("error", "network", too_large)])
    source = forward_source(graph, analysis, free_early=True, labelled=labelled,
                            every_output=every_output, outer_layout=outer_layout)
    forward = _define(source, name)
    cls = type(_class_name(name), (CompiledNetwork,), {
        "forward": forward, "code": source,
        "input_ids": tuple(analysis.inputs), "output_ids": tuple(analysis.outputs),
        "takes_lengths": takes_lengths(graph, analysis), "__module__": __name__,
    })
    network = cls()
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.spec is not None:
            module = report.spec.module(report.params, report.inputs)
            if isinstance(module, dict):  # tensors an operation holds itself
                held_tensors.register(network, node_id, module)
            elif module is not None:
                network.add_module(node_id, module)
    return network


def _define(source: str, name: str) -> Any:
    # registering the text with linecache gives readable tracebacks and lets
    # inspect.getsource (TorchScript, debuggers) see the generated code
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    filename = f"<netdesigner {name} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {
        "torch": torch, "F": torch.nn.functional,
        "pack_padded_sequence": pack_padded_sequence,
        "pad_packed_sequence": pad_packed_sequence}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["forward"]


def _class_name(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name).split()
    text = "".join(w[:1].upper() + w[1:] for w in words)
    return text if text and text[0].isalpha() else f"Net{text}"
