"""A project opened for looking inside: its network with the trained weights (the newest
run's, unless others are given), its validation samples and its task; each sample looked
at gives every node's output, the prediction and a saliency map."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from engine.analysis import Analysis
from engine.compiler import CompiledNetwork
from engine.data import DataError, Dataset, load_dataset
from engine.data.samples import FileSamples
from engine.graph import Graph
from engine.inspection.capture import Capture, capture, inside_network
from engine.inspection.prediction import Prediction, predict
from engine.inspection.saliency import Saliency, saliency
from engine.project import Project
from engine.training.config import TrainingError
from engine.training.run import DataLoader, plan_run
from engine.training.runs import latest_weights
from engine.training.tasks import Task
from engine.training.weights_file import DamagedWeights, load_weights


class InspectError(Exception):
    """The project cannot be looked inside; the message says why in a sentence."""


@dataclass(frozen=True)
class Look:
    """One sample, seen from inside."""

    capture: Capture
    prediction: Prediction
    saliency: Saliency
    truth: str | None
    """The sample's label in words, for a validation sample; None for a drawn one."""


@dataclass
class Inspection:
    graph: Graph
    analysis: Analysis
    task: Task
    data: Dataset
    """Split: the validation samples are data.x_val and data.y_val."""
    network: CompiledNetwork
    weights: Path | None
    """Where the weights came from; None: the network has its initial weights."""
    note: str = ""
    """Why the network has its initial weights though the project has a run."""

    @property
    def samples(self) -> int:
        return len(self.data.x_val)

    def look(self, sample: torch.Tensor, truth: torch.Tensor | None = None,
             length: int | None = None) -> Look:
        """`sample` without the batch dimension, in the Input's shape (`length`: its true
        steps, for a padded sequence)."""
        captured = capture(self.network, sample, length)
        output = captured.outputs[self.analysis.outputs[0]]
        prediction = predict(self.task, output, self.data.classes)
        explained = saliency(self.graph, self.analysis, self.network, sample, prediction,
                             length)
        truth_text = None
        if truth is not None:
            _, truths = self.task.describe(output.unsqueeze(0), truth.unsqueeze(0),
                                           self.data.classes)
            truth_text = truths[0]
        return Look(captured, prediction, explained, truth_text)

    def look_at(self, index: int) -> Look:
        """Validation sample `index` (from 0)."""
        if not 0 <= index < self.samples:
            raise InspectError(f"there are {self.samples} validation samples: choose one "
                               f"from 0 to {self.samples - 1}")
        targets = self.task.targets(self.data.y_val)
        samples = self.data.x_val
        try:
            if isinstance(samples, FileSamples):
                inputs, _ = samples.read_inputs(np.array([index]), skip_bad=False)
            else:
                inputs = (samples[index:index + 1],)
        except DataError as error:  # a clip in a file that cannot be read
            raise InspectError(f"validation sample {index}: {error}") from None
        length = int(inputs[1][0]) if len(inputs) > 1 else None
        return self.look(inputs[0][0], targets[index], length)


def open_inspection(project: Project, weights: Path | Mapping[str, torch.Tensor] | None = None,
                    load: DataLoader = load_dataset) -> Inspection:
    """The project's network with `weights` (a weights file or a state dict; None: the
    newest run's, or the initial weights when it has no run), and its data."""
    try:
        plan = plan_run(project, load=load)
    except TrainingError as error:
        raise InspectError(str(error)) from None
    seed = plan.config.seed
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the initial weights a run starts from
        network = inside_network(project.graph, plan.analysis, None)
    source: Path | None = None
    note = ""
    if weights is None:
        source = latest_weights(project.path, project.name)
    elif isinstance(weights, Path):
        source = weights
    else:
        network.load_state_dict(weights)
    if source is not None:
        try:
            load_weights(network, source)
        except TrainingError as error:
            if weights is not None or isinstance(error, DamagedWeights):
                raise InspectError(str(error)) from None
            # the network was edited since its newest run: look at it untrained
            source, note = None, f"the newest run's weights do not fit the network ({error})"
    network.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    data = plan.dataset
    alphabet = _run_alphabet(source)
    if alphabet is not None and data.kind == "strings":
        data = replace(data, classes=list(alphabet))  # the labels the weights were trained on
    return Inspection(project.graph, plan.analysis, plan.task, data, network, source, note)


def _run_alphabet(weights: Path | None) -> str | None:
    """The alphabet kept with the run the weights come from (CTC), if any."""
    if weights is None:
        return None
    try:
        saved = json.loads((weights.parent / "metrics.json").read_text())
    except (OSError, ValueError):
        return None
    alphabet = saved.get("alphabet") if isinstance(saved, dict) else None
    return alphabet if isinstance(alphabet, str) and alphabet else None
