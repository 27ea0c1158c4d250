"""model.py: the network as the nn.Module a person would write, with plain nn.* layers
whose sizes are written out, and the forward() the compiler runs (engine/codegen.py)."""

from __future__ import annotations

import re
from typing import Any

from engine.catalogue import held_tensors
from engine.codegen import LENGTHS, forward_lines, takes_lengths
from engine.export import ExportError
from engine.export.block_classes import (
    BlockClass,
    block_classes,
    module_paths,
    network_lines,
    written_as_classes,
)
from engine.export.layer_constructor import layer_statements
from engine.export.prepare import PreparedNetwork
from engine.export.source_format import (
    LINE_LIMIT,
    bracketed,
    docstring_text,
    literal,
    statement,
)


def _shape(shape: tuple[int, ...]) -> str:
    return literal(tuple(shape))


def _constants(prepared: PreparedNetwork) -> list[str]:
    analysis = prepared.analysis
    infos = {i: analysis.nodes[i].output for i in analysis.inputs}
    outputs = {o: analysis.nodes[o].output for o in analysis.outputs}
    if len(infos) == 1:
        (info,) = infos.values()
        lines = [f"INPUT_SHAPE = {_shape(info.shape)}",
                 '"""One sample\'s shape: a batch is (batch, *INPUT_SHAPE)."""',
                 f"INPUT_DTYPE = torch.{info.dtype}"]
    else:
        shapes = ", ".join(f'"{i}": {_shape(info.shape)}' for i, info in infos.items())
        dtypes = ", ".join(f'"{i}": torch.{info.dtype}' for i, info in infos.items())
        lines = [f"INPUT_SHAPES = {{{shapes}}}",
                 '"""Each input\'s sample shape, without the batch dimension."""',
                 f"INPUT_DTYPES = {{{dtypes}}}"]
    if len(outputs) == 1:
        (output,) = outputs.values()
        lines.append(f"OUTPUT_SHAPE = {_shape(output.shape)}")
    else:
        shapes = ", ".join(f'"{o}": {_shape(info.shape)}' for o, info in outputs.items())
        lines.append(f"OUTPUT_SHAPES = {{{shapes}}}")
    return lines


def layer_modules(prepared: PreparedNetwork) -> dict[str, Any]:
    """Node id → what __init__ makes for it: its torch module, or the tensors it holds."""
    return {**dict(prepared.network.named_children()),
            **held_tensors.of_graph(prepared.analysis.graph.nodes)}


def _layers(prepared: PreparedNetwork) -> list[str]:
    lines = []
    modules = layer_modules(prepared)
    for node_id in prepared.analysis.order:
        if node_id not in modules:
            continue
        module = modules[node_id]
        try:
            lines.append(layer_statements(f"self.{node_id}", module, " " * 8))
        except ValueError as error:
            node_type = prepared.project.graph.nodes[node_id].type
            raise ExportError(f"node '{node_id}' ({node_type}) cannot be exported as Python "
                              f"code: {error}") from None
    return lines


def _docstring(prepared: PreparedNetwork, cls: str) -> str:
    name = docstring_text(prepared.project.name)
    analysis = prepared.analysis
    if len(analysis.inputs) == 1:
        usage = (f"    model = {cls}()\n"
                 f"    outputs = model(torch.zeros(8, *INPUT_SHAPE, dtype=INPUT_DTYPE))\n")
        if prepared.network.takes_lengths:
            usage += ("\nSequences of different lengths, padded at the end to the longest, "
                      "go with their\ntrue lengths (a tensor of int64, one per sequence): "
                      "the recurrent layers then read\nonly each one's real steps.\n\n"
                      "    outputs = model(padded, lengths)\n")
    else:
        arguments = [f'torch.zeros(8, *INPUT_SHAPES["{i}"], dtype=INPUT_DTYPES["{i}"])'
                     for i in analysis.inputs]
        usage = f"    model = {cls}()\n{bracketed('outputs = model', arguments, '    ')}\n"
    return (f'"""{name}, exported from Netdesigner.\n\n'
            "A torch.nn.Module that needs nothing but torch:\n\n" + usage +
            "\nTrained weights (weights.safetensors, from Netdesigner or train.py) use the "
            "names of\nthe layers here:\n\n"
            '    model.load_state_dict(safetensors.torch.load_file("weights.safetensors"))\n'
            "\nor, without the safetensors package, train.py's load_safetensors.\n"
            '"""')


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line for line in text.splitlines())


def _block_class(block: BlockClass) -> list[str]:
    return [f"class {block.name}(nn.Module):",
            "    def __init__(self) -> None:",
            "        super().__init__()",
            *(_indented(line, " " * 8) for line in block.layers), "",
            f"    {block.signature}",
            *(statement(line, " " * 8) for line in block.body), "", ""]


def _layer_ids(prepared: PreparedNetwork, modules: dict) -> list[str]:
    """LAYER_IDS and the load hook that reads it, for a network whose layers sit inside
    block classes: weights saved under the project's layer ids (a run's, or those
    `netdesigner import --weights-out` writes) then load into model.py as they are."""
    paths = module_paths(prepared.project.graph)
    moved = {}
    for node_id, module in modules.items():
        path = paths.get(node_id, node_id)
        if path == node_id:
            continue
        if isinstance(module, held_tensors.Held):  # weights of their own, not a layer's
            for name, entry in zip(held_tensors.names(node_id, len(module)), module,
                                   strict=True):
                if entry.get("learnt"):
                    moved[name] = path + name.removeprefix(node_id)
        elif any(True for _ in module.state_dict()):
            moved[node_id] = path
    if not moved:
        return []
    return [
        "LAYER_IDS = {",
        *(f'    "{node_id}": "{path}",' for node_id, path in moved.items()),
        "}",
        '"""Each layer\'s id in the Netdesigner project → where it sits here."""',
        "", "",
        "def _from_layer_ids(module, state_dict, prefix, *_) -> None:",
        "    # weights saved under the project's layer ids load under the names used here",
        "    for key in [k for k in state_dict if k.startswith(prefix)]:",
        "        layer, dot, rest = key[len(prefix) :].partition(\".\")",
        "        if layer in LAYER_IDS:",
        "            state_dict[f\"{prefix}{LAYER_IDS[layer]}{dot}{rest}\"] = state_dict.pop(key)",
        "", "",
    ]


def _definition(signature: str, returns: str) -> list[str]:
    """`def forward(...)`, its arguments on a line of their own when it is too long, as
    ruff format writes it."""
    line = f"    def forward({signature}) -> {returns}:"
    if len(line) <= LINE_LIMIT:
        return [line]
    return ["    def forward(", f"        {signature}", f"    ) -> {returns}:"]


def model_source(prepared: PreparedNetwork, class_name: str) -> str:
    """The text of model.py, defining `class_name`. Raises ExportError naming a layer that
    cannot be written."""
    analysis = prepared.analysis
    graph = prepared.project.graph
    classes: list[str] = []
    layer_ids: list[str] = []
    if written_as_classes(graph):
        modules = layer_modules(prepared)
        class_names, blocks = block_classes(graph, analysis, modules)
        layers, body = network_lines(graph, analysis, modules, class_names)
        layers = [_indented(line, " " * 8) for line in layers]
        classes = [line for block in blocks for line in _block_class(block)]
        layer_ids = _layer_ids(prepared, modules)
        if layer_ids:
            layers.append("        self.register_load_state_dict_pre_hook(_from_layer_ids)")
    else:
        layers = _layers(prepared)
        body = forward_lines(graph, analysis, free_early=False)
    lengths = takes_lengths(graph, analysis)
    signature = ", ".join(["self", *(f"{i}: torch.Tensor" for i in analysis.inputs),
                           *([LENGTHS] if lengths else [])])
    returns = "torch.Tensor" if len(analysis.outputs) == 1 else "tuple[torch.Tensor, ...]"
    imports = ["import torch", "import torch.nn.functional as F", "from torch import nn"]
    if not any(re.search(r"\bF\.", line) for line in [*body, *classes]):
        imports.remove("import torch.nn.functional as F")
    if lengths:  # recurrent layers read padded sequences' true steps when given lengths
        imports.append("from torch.nn.utils.rnn import pack_padded_sequence, "
                       "pad_packed_sequence")
    parts = [
        _docstring(prepared, class_name), "", *imports, "", *_constants(prepared), "", "",
        *layer_ids,
        *classes,
        f"class {class_name}(nn.Module):",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *layers, "",
        *_definition(signature, returns),
        *(statement(line, " " * 8) for line in body),
    ]
    return "\n".join(parts) + "\n"
