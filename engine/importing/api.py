"""Importing a PyTorch module as a project: load, trace, run on an example, map, build."""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from engine.catalogue import weight_norm
from engine.importing.arguments import later_arguments
from engine.importing.building import build_graph
from engine.importing.frame_loops import fold_frame_loops
from engine.importing.loading import DTYPES, load_class, shape_problem
from engine.importing.problems import ImportProblem
from engine.importing.source import SourceIndex
from engine.importing.tracing import EXAMPLE_BATCH, live_nodes, record, trace
from engine.project import Project


@dataclass
class ImportedNetwork:
    project: Project
    module: nn.Module
    """The instance that was traced."""
    submodules: dict[str, str] = field(default_factory=dict)
    """Node id → the attribute path of the submodule it was made from."""
    notes: list[str] = field(default_factory=list)
    """What the import changed that the user should know (see building.Built.notes)."""
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    """Node id → its module's weight names → the layer's (a cell imported as a layer)."""
    held: dict[str, str] = field(default_factory=dict)
    """The weight name of each learnt tensor an operation holds → its attribute path."""

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The module's weights under the names the compiled project gives them
        ('features.0.weight' → 'features_0.weight')."""
        state = {}
        for node_id, path in self.submodules.items():
            submodule = self.module.get_submodule(path)
            # the older weight norm's weight_g and weight_v are the parametrisation's
            renames = {**(weight_norm.HOOK_NAMES if weight_norm.uses_hook(submodule) else {}),
                       **self.renames.get(node_id, {})}
            for key, value in submodule.state_dict().items():
                state[f"{node_id}.{renames.get(key, key)}"] = \
                    value.detach().cpu().contiguous()
        for name, path in self.held.items():
            state[name] = self.module.get_parameter(path).detach().cpu().contiguous()
        return state

    def save_weights(self, path: str | os.PathLike[str]) -> None:
        """The weights as safetensors, as training writes them, so the project can run
        with what the module had learnt."""
        from engine.training.weights_file import save_weights

        save_weights(self.state_dict(), Path(path))


Shape = tuple[int, ...]


def import_network(path: str | os.PathLike[str], class_name: str,
                   input_shape: Shape | list[Shape] | None = None,
                   input_dtype: str | list[str] | None = None, name: str | None = None,
                   batch_first: bool = False, init: str | None = None) -> ImportedNetwork:
    """Run the Python file at `path` (the user's own code), build `class_name()` and turn it
    into a project. The input shape (no batch dimension) comes from `input_shape`, else
    from the file's INPUT_SHAPE; the dtype from `input_dtype`, the file's INPUT_DTYPE, else
    int64 when the input goes straight into an Embedding, else float32. A list of shapes
    (and of dtypes) gives forward()'s tensor arguments in order: each becomes an Input of
    the project (a mask, the lengths of sequences used as data). An output the code gives
    time-first ([steps, batch, ...]) stays so (the project ends with TimeFirst) unless
    `batch_first`. `init`: the arguments the class is built with, as written in a call
    (`32, 1, num_layers=2`; literals only), none by default.

    Raises ImportProblem, whose `lines` name the file and line of each fault, when the file
    or class cannot be loaded, forward() cannot be traced, or some op is not in the
    catalogue (then every such op is listed)."""
    shown = os.fspath(path)
    real = Path(path).resolve()
    loaded = load_class(real, class_name, shown, init)
    shape = input_shape if input_shape is not None else loaded.input_shape
    sources = SourceIndex({str(real): shown})
    return _import(loaded.module, class_name, shape, input_dtype or loaded.input_dtype,
                   name or class_name, sources, shown, batch_first)


def import_module(path: str | os.PathLike[str], class_name: str,
                  input_shape: Shape | list[Shape] | None = None, name: str | None = None
                  ) -> Project:
    """The project of `class_name` in the file at `path`; see import_network."""
    return import_network(path, class_name, input_shape, name=name).project


def project_from_module(module: nn.Module, input_shape: Shape | list[Shape],
                        input_dtype: str | list[str] | None = None, name: str | None = None,
                        batch_first: bool = False) -> ImportedNetwork:
    """Import a module that is already built (its source lines come from linecache)."""
    class_name = type(module).__name__
    return _import(module, class_name, input_shape, input_dtype, name or class_name,
                   SourceIndex(), class_name, batch_first)


def _examples(module: nn.Module, where: str, input_shape: Shape | list[Shape] | None,
              input_dtype: str | list[str] | None) -> list[torch.Tensor]:
    """An example batch for each input given: the first, and those after it."""
    if input_shape is None:
        raise ImportProblem(f"{where}: the input shape is unknown: give the shape of one "
                            "sample without the batch, as --input-shape 1,28,28, or write "
                            "INPUT_SHAPE = (1, 28, 28) in the file")
    several = bool(input_shape) and all(isinstance(s, list | tuple) for s in input_shape)
    shapes = [tuple(s) for s in input_shape] if several else [tuple(input_shape)]
    dtypes = list(input_dtype) if isinstance(input_dtype, list | tuple) else [input_dtype]
    if len(dtypes) > len(shapes):
        raise ImportProblem(f"{where}: {len(dtypes)} input dtypes for {len(shapes)} input "
                            "shapes: give one shape for each input, in forward()'s order")
    dtypes += [None] * (len(shapes) - len(dtypes))
    examples = []
    for index, (shape, dtype) in enumerate(zip(shapes, dtypes, strict=True)):
        which = "input" if len(shapes) == 1 else f"input {index + 1}"
        if dtype is not None and dtype not in DTYPES:
            raise ImportProblem(f"{where}: the {which} dtype must be one of "
                                f"{', '.join(DTYPES)}, not {dtype!r}")
        problem = shape_problem(shape)
        if problem:
            raise ImportProblem(f"{where}: the {which} shape {problem}")
        chosen = dtype or (_guess_dtype(module) if index == 0 else "float32")
        examples.append(_example(shape, chosen))
    return examples


def _import(module: nn.Module, class_name: str, input_shape: Shape | list[Shape] | None,
            input_dtype: str | list[str] | None, name: str, sources: SourceIndex, where: str,
            batch_first: bool = False) -> ImportedNetwork:
    example, *more = _examples(module, where, input_shape, input_dtype)
    given = _given_arguments(module, class_name, where, more)
    later = later_arguments(module, class_name, where, EXAMPLE_BATCH,
                            example.shape[1] if example.dim() > 1 else None, set(given))
    values = {**later.values, **given}
    try:
        graph_module = trace(module, class_name, where, sources, example, values)
    except ImportProblem:
        if later.lengths is None:
            raise
        raise ImportProblem(later.refusal) from None  # not lengths after all
    folded = fold_frame_loops(graph_module) > 0
    inputs = [n for n in live_nodes(graph_module.graph) if n.op == "placeholder"
              and n.users and isinstance(n.meta.get("value"), torch.Tensor)
              and str(n.target) != later.lengths and str(n.target) not in later.values
              and str(n.target) not in given]
    if len(inputs) != 1:
        names = ", ".join(str(n.target) for n in inputs)
        raise ImportProblem(f"{where}: {class_name}.forward takes {len(inputs)} tensors "
                            f"({names}) that are not given: give each one's shape, in "
                            "forward()'s order, with one --input-shape each")
    try:
        built = build_graph(graph_module, record(graph_module), sources, where, later.lengths,
                            batch_first, set(given))
    except ImportProblem:
        if not folded:
            raise
        # the loop's layers are not ones a project applies to each frame: as written
        graph_module = trace(module, class_name, where, sources, example, values)
        built = build_graph(graph_module, record(graph_module), sources, where, later.lengths,
                            batch_first, set(given))
    return ImportedNetwork(Project(name=name, graph=built.graph), module, built.modules,
                           built.notes, built.renames, built.held)


def _given_arguments(module: nn.Module, class_name: str, where: str,
                     examples: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """forward()'s arguments after the first that the inputs after the first go to, in
    order, whether they have defaults or not."""
    if not examples:
        return {}
    parameters = [p for p in list(inspect.signature(module.forward).parameters.values())[1:]
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(parameters) < len(examples):
        raise ImportProblem(f"{where}: {len(examples) + 1} input shapes given, but "
                            f"{class_name}.forward takes {len(parameters) + 1} arguments")
    return {p.name: example for p, example in zip(parameters, examples, strict=False)}


def _guess_dtype(module: nn.Module) -> str:
    """int64 when the first layer the module holds is an Embedding (token ids), else
    float32."""
    layers = [m for m in module.modules() if not list(m.children())]
    return "int64" if layers and isinstance(layers[0], nn.Embedding) else "float32"


def _example(shape: tuple[int, ...], dtype: str) -> torch.Tensor:
    if dtype == "int64":
        return torch.zeros((EXAMPLE_BATCH, *shape), dtype=torch.int64)  # a valid token id
    generator = torch.Generator().manual_seed(0)
    if dtype == "bool":  # a mask that keeps some and hides some
        return torch.rand((EXAMPLE_BATCH, *shape), generator=generator) > 0.3
    return torch.randn((EXAMPLE_BATCH, *shape), generator=generator)
