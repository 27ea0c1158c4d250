"""`export --format onnx`: the network as an ONNX file with a dynamic batch size (and, for
variable-length sequences, a dynamic length and a `lengths` input), through torch.onnx's
exporter (which needs the onnx and onnxscript packages)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch

from engine.analysis import Analysis
from engine.catalogue import weight_norm
from engine.compiler import CompiledNetwork
from engine.export import ExportError
from engine.export.failing_node import failing_node, reason
from engine.export.prepare import PreparedNetwork, example_inputs
from engine.export.writing import write_file

NEEDED = ("onnx", "onnxscript")
INSTALL = 'pip install "netdesigner[export]"  (or: pip install onnx onnxscript)'


def missing_packages() -> list[str]:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def known_limits(analysis: Analysis) -> list[str]:
    """Layers ONNX cannot express, found before a long export fails on them."""
    problems = []
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.spec is None or report.params is None:
            continue
        name, params, where = report.spec.name, report.params, f"node '{node_id}'"
        if name == "LSTM" and params.get("proj_size"):
            problems.append(f"{where} ({name}) has proj_size {params['proj_size']}, but "
                            "ONNX's LSTM has no projection; set proj_size to 0 and add a "
                            "Linear after it")
        if name.startswith("AdaptiveMaxPool"):
            dims = 1 if name.endswith("1d") else 2
            spatial = report.inputs[0].shape[-dims:]  # a clip's frames come before them
            size = params["output_size"]
            sizes = (size,) * dims if isinstance(size, int) else tuple(size)
            if any(s % o for s, o in zip(spatial, sizes, strict=True)):
                problems.append(
                    f"{where} ({name}) pools {list(spatial)} to {list(sizes)}, but ONNX has "
                    "adaptive max pooling only where output_size divides the input size; "
                    "change output_size or use MaxPool with a fixed kernel_size")
    return problems


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter reports progress, deprecations and optional packages it lacks (such
    as torchvision); none of it concerns the user of a successful export."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _export(network: CompiledNetwork, inputs: tuple[torch.Tensor, ...]) -> bytes:
    """The ONNX file's bytes, made in memory (a full disk is then met by the write alone,
    not inside the exporter, where it would look like a layer's fault)."""
    network = weight_norm.folded(network)
    if network.takes_lengths:
        return _export_with_lengths(network, inputs)
    batch = torch.export.Dim("batch")
    with _quiet():
        program = torch.onnx.export(network, inputs, None, dynamo=True, verbose=False,
                          input_names=list(network.input_ids),
                          output_names=list(network.output_ids),
                          dynamic_shapes={name: {0: batch} for name in network.input_ids},
                          external_data=False)
    return program.model_proto.SerializeToString()


def _export_with_lengths(network: CompiledNetwork, inputs: tuple[torch.Tensor, ...]) -> bytes:
    """A network of variable-length sequences takes their padded batch and `lengths`, with
    the batch and the padded length free. torch.export cannot trace packing
    (pack_padded_sequence's data-dependent sizes), while the TorchScript-based exporter
    turns it into ONNX's own sequence_lens, so that one exports it."""
    (padded,) = inputs
    lengths = torch.full((padded.shape[0],), padded.shape[1], dtype=torch.int64)
    lengths[-1] = max(1, padded.shape[1] - 1)  # unequal, so no step count is baked in
    input_name = network.input_ids[0]
    axes = {input_name: {0: "batch", 1: "steps"}, "lengths": {0: "batch"}}
    axes.update({name: {0: "batch"} for name in network.output_ids})
    buffer = io.BytesIO()
    with _quiet():
        torch.onnx.export(network, (padded, lengths), buffer, dynamo=False,
                          input_names=[input_name, "lengths"],
                          output_names=list(network.output_ids), dynamic_axes=axes)
    return buffer.getvalue()


def export_onnx(prepared: PreparedNetwork, path: Path) -> None:
    """Write `path`, or raise ExportError (naming the layer at fault) and leave it as it
    was."""
    missing = missing_packages()
    if missing:
        raise ExportError(f"ONNX export needs the package(s) {', '.join(missing)}; install "
                          f"them with: {INSTALL}")
    problems = known_limits(prepared.analysis)
    if problems:
        raise ExportError([f"cannot export to ONNX: {p}" for p in problems])
    network, inputs = prepared.network, example_inputs(prepared.analysis, 2)
    try:
        data = _export(network, inputs)
    except Exception as error:  # the exporter raises many kinds; find the layer
        raise _explain(prepared, error) from None
    write_file(path, data)


def _explain(prepared: PreparedNetwork, error: Exception) -> ExportError:
    culprit = failing_node(prepared.project.graph, prepared.analysis,
                           lambda network, inputs: _export(network, inputs))
    if culprit is None:
        return ExportError(f"cannot export to ONNX: {reason(error)}")
    node_id, why = culprit
    node_type = prepared.project.graph.nodes[node_id].type
    return ExportError(f"cannot export to ONNX: node '{node_id}' ({node_type}) has no ONNX "
                       f"form here ({why})")
