"""`export --format torchscript`: the network scripted with torch.jit.script, which keeps
forward() as code, so any batch size runs. Load it with torch.jit.load, without
Netdesigner and without model.py."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from engine.catalogue import weight_norm
from engine.compiler import CompiledNetwork
from engine.export import ExportError
from engine.export.failing_node import failing_node, reason
from engine.export.prepare import PreparedNetwork
from engine.export.writing import write_file


def _script(network: CompiledNetwork) -> torch.jit.ScriptModule:
    # torch deprecates TorchScript in favour of torch.export, but the format is still
    # what C++ (libtorch) and mobile runtimes load
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.script(weight_norm.folded(network))


def export_torchscript(prepared: PreparedNetwork, path: Path) -> None:
    """Write `path`, or raise ExportError (naming the layer at fault) and leave it as it
    was."""
    try:
        scripted = _script(prepared.network)
    except Exception as error:  # TorchScript's frontend raises many kinds; find the layer
        culprit = failing_node(prepared.project.graph, prepared.analysis,
                               lambda network, inputs: _script(network))
        if culprit is None:
            raise ExportError(f"cannot export to TorchScript: {reason(error)}") from None
        node_id, why = culprit
        node_type = prepared.project.graph.nodes[node_id].type
        raise ExportError(f"cannot export to TorchScript: node '{node_id}' ({node_type}) "
                          f"cannot be scripted ({why})") from None
    # serialised in memory first: libtorch's writer aborts the whole process on a full disk
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(scripted, buffer)
    write_file(path, buffer.getvalue())
