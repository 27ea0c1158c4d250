"""From a project to a ready trainer, with every mismatch found before the first batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from engine.analysis import Analysis, analyse
from engine.capacity import network_memory_problem, training_memory_problem
from engine.catalogue import TensorInfo
from engine.codegen import takes_lengths
from engine.compiler import compile_graph
from engine.data import DataError, Dataset, load_dataset, split_validation
from engine.data.cache import cache_folder
from engine.graph import Graph
from engine.inspection.health import DEFAULT_EVERY
from engine.project import Project
from engine.training import checkpoint
from engine.training.config import TrainingConfig, TrainingError, read_training
from engine.training.ctc_length import output_steps, time_steps_problem, too_long
from engine.training.tasks import Sequences, Task, task_for
from engine.training.trainer import Trainer
from engine.training.workload import Workload


@dataclass
class RunPlan:
    project: Project
    config: TrainingConfig
    analysis: Analysis
    dataset: Dataset
    """Already split into training and validation."""
    task: Task
    output: TensorInfo
    warnings: list[str] = field(default_factory=list)
    """What will train but probably badly (targets far from unit scale, say)."""
    samples: int = 0
    """How many samples the data had before validation was split off."""


UNSCALED_TARGETS = 1e4
"""Targets to predict beyond ± this are almost surely in raw units: MSE on them starts in
the hundreds of millions or more and trains badly."""


def target_warnings(dataset: Dataset) -> list[str]:
    """Targets to predict far from unit scale, whole numbers (uint64 ids near 2**64) as
    much as floats."""
    if dataset.kind != "values" or dataset.y.numel() == 0:
        return []
    largest = float(dataset.y.to(torch.float64).abs().max())
    if largest <= UNSCALED_TARGETS:
        return []
    return [f"the targets to predict reach {largest:.3g}: a loss on values that large starts "
            f"near {largest * largest:.1g} and trains badly; scale them first (subtract their "
            "mean and divide by their standard deviation, and scale predictions back)"]


def available_devices() -> list[str]:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def pick_device(name: str) -> torch.device:
    """'auto' takes CUDA, then MPS, then the CPU."""
    available = available_devices()
    if name == "auto":
        for preferred in ("cuda", "mps", "cpu"):
            if preferred in available:
                return torch.device(preferred)
    if name not in available:
        raise TrainingError(f"device {name!r} is not available here; available: "
                            + ", ".join(["auto", *available]))
    return torch.device(name)


def input_consumer(graph: Graph, input_id: str) -> str | None:
    """The type of the layer the Input feeds (its first, when several)."""
    edges = [edge for edge in graph.edges if edge.source == input_id]
    return graph.nodes[edges[0].target].type if edges else None


def input_fix(input_id: str, error: DataError) -> dict[str, str]:
    """The data's refusal as a problem of the Input when another Input shape would fit."""
    if error.suggested_input is None:
        return {}
    return {line: input_id for line in str(error).splitlines()}


def check_data(analysis: Analysis, dataset: Dataset, input_id: str) -> list[str]:
    """Why the data's samples do not fit the network's Input."""
    expected = analysis.nodes[input_id].output
    shape = list(dataset.sample_shape)
    if expected is None:
        return []
    problems = []
    if tuple(shape) != tuple(expected.shape):
        problems.append(f"{dataset.name} gives samples of shape {shape} but the Input "
                        f"'{input_id}' expects {list(expected.shape)}; set the Input's "
                        f"shape to {shape}")
    if dataset.dtype != expected.dtype:
        problems.append(f"{dataset.name} holds {dataset.dtype} values but the Input "
                        f"'{input_id}' is {expected.dtype}; set the Input's dtype to "
                        f"{dataset.dtype}")
    return problems


def _as_input_dtype(dataset: Dataset, expected: TensorInfo) -> Dataset:
    """Whole numbers (pixel values saved as uint8, say) feed a float Input as numbers."""
    if expected.dtype == "float32" and dataset.dtype == "int64":
        return replace(dataset, x=dataset.x.float(),
                       x_val=None if dataset.x_val is None else dataset.x_val.float())
    return dataset


DataLoader = Callable[..., Dataset]
"""load_dataset's signature: (entry, base_dir, sample, seed, cache_dir, consumer) →
Dataset."""


def plan_run(project: Project, epochs: int | None = None,
             load: DataLoader = load_dataset,
             split: tuple[float, int] | None = None) -> RunPlan:
    """Read and check everything a run needs; raise TrainingError listing every mismatch.
    `load` makes the data (the designer loads it in a process of its own); `split`
    (validation_split, seed) is a resumed run's own, kept whatever the project says now."""
    config = read_training(project.training)
    if epochs is not None:
        config = replace(config, epochs=epochs)
    if split is not None:
        config = replace(config, validation_split=split[0], seed=split[1])
    analysis = analyse(project.graph, project.training)
    if not analysis.ok:
        raise TrainingError("the network has errors; fix them first:\n"
                            + "\n".join(str(p) for p in analysis.errors))
    if len(analysis.inputs) != 1 or len(analysis.outputs) != 1:
        raise TrainingError(f"training needs one Input and one output; the network has "
                            f"{len(analysis.inputs)} Input(s) and outputs "
                            f"{', '.join(analysis.outputs) or 'none'}")
    too_large = network_memory_problem(analysis) or training_memory_problem(
        analysis, project.training)
    if too_large:
        raise TrainingError(too_large)
    input_id, output_id = analysis.inputs[0], analysis.outputs[0]
    base_dir = project.path.parent if project.path is not None else Path.cwd()
    try:
        dataset = load(config.dataset, base_dir, analysis.nodes[input_id].output,
                       config.seed, cache_folder(project.path, project.name),
                       input_consumer(project.graph, input_id))
    except DataError as error:
        raise TrainingError(str(error), input_fix(input_id, error)) from None
    output = analysis.nodes[output_id].output
    task = task_for(config.loss)
    dataset = task.adapt(_as_input_dtype(dataset, analysis.nodes[input_id].output))
    input_problems = check_data(analysis, dataset, input_id)
    output_problems = task.problems(output, dataset)
    problems = input_problems + output_problems
    if not problems and isinstance(task, Sequences):
        checked = dataset  # a few strings of real data too long: skipped, not refused
        if dataset.on_demand:
            checked = _set_aside_strings_too_long(dataset, analysis, output_id)
        short = time_steps_problem(project.graph, analysis, output_id, checked)
        problems = [short] if short else []
    if problems:
        # problems a layer's parameter repairs belong to that layer (and get its fix)
        nodes = dict.fromkeys(input_problems, input_id) | {
            p: output_id for p in output_problems if "out_features to" in p}
        raise TrainingError("\n".join(problems), nodes)
    samples = len(dataset.x)
    try:
        dataset = split_validation(dataset, config.validation_split, config.seed)
    except DataError as error:
        raise TrainingError(str(error)) from None
    return RunPlan(project, config, analysis, dataset, task, output,
                   target_warnings(dataset) + _padding_warnings(project.graph, dataset,
                                                                input_id) + dataset.notes,
                   samples)


def _padding_warnings(graph: Graph, dataset: Dataset, input_id: str) -> list[str]:
    """Sequences of many lengths padded for a network that would run its recurrent layers
    over their true steps only, if its Input said they vary."""
    decoder = getattr(getattr(dataset.x, "index", None), "decoder", None)
    if not getattr(decoder, "carries_lengths", False):
        return []
    node = graph.nodes[input_id]
    if node.params.get("variable_length"):
        return []
    varying = graph.copy()
    varying.nodes[input_id] = replace(node, params={**node.params, "variable_length": True})
    if not takes_lengths(varying, analyse(varying)):
        return []
    return [f"sequences shorter than the Input's {decoder.steps} steps are padded with zeros "
            "that the recurrent layers read as steps; set the Input "
            f"'{input_id}' to variable_length so that they run over each sequence's true "
            "steps only"]


def _set_aside_strings_too_long(dataset: Dataset, analysis: Analysis,
                                output_id: str) -> Dataset:
    """Mark the samples whose label strings the output has too few steps for as
    unreadable (skipped, and listed with why at the end of the run), unless they are more
    than the data's max_bad allows; the data without them, for the check that follows."""
    steps = output_steps(analysis, output_id)
    index = dataset.x.index
    if steps is None:
        return dataset
    parts = [(dataset.x, dataset.y), (dataset.x_val, dataset.y_val),
             (dataset.x_test, dataset.y_test)]
    found = [(int(x.records[row]), why) for x, y in parts if x is not None and y is not None
             for row, why in too_long(y, steps) if int(x.records[row]) not in index.known_bad]
    if not found or len(found) > index.policy.limit * len(index.entries):
        return dataset
    index.known_bad.update(found)
    dataset.notes.append(f"{len(found)} {index.decoder.noun}{'s' * (len(found) != 1)} set "
                         f"aside: their label strings need more than the output's {steps} "
                         "time steps (listed at the end of the run)")
    readable = [row for row in range(len(dataset.x))
                if int(dataset.x.records[row]) not in index.known_bad]
    return replace(dataset, x=dataset.x.subset(readable), y=dataset.y[readable], x_val=None,
                   y_val=None, x_test=None, y_test=None)


def build_trainer(plan: RunPlan, device: str | None = None, out_dir: Path | None = None,
                  health_every: int = DEFAULT_EVERY, cores_shared_by: int = 1) -> Trainer:
    torch.manual_seed(plan.config.seed)  # the same seed gives the same initial weights
    model = compile_graph(plan.project.graph, plan.analysis, plan.project.name,
                          outer_layout=False)
    return Trainer(model, plan.dataset, plan.config, plan.task,
                   pick_device(device or plan.config.device), out_dir, health_every,
                   checkpoint.settings_of(plan.config, plan.samples), cores_shared_by,
                   Workload.of(plan.analysis))
