"""Which parts of the input a prediction rests on.

- Grad-CAM (Selvaraju et al., 2017) for a classifier with convolutions: the last
  convolution's feature maps, each weighted by the mean gradient of the predicted class's
  score over it, summed, kept where positive and scaled up to the input's size (per frame
  for a clip).
- Otherwise the input's gradient: how much the score moves with each input value, its
  magnitude taken across the channels (for token ids, the embedding's gradient times the
  embedding, summed over its features, per token).

The score explained: the predicted class's logit; for per-step predictions and CTC, the sum
over the steps of the chosen class's (log-)score; for values, their sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.analysis import Analysis
from engine.compiler import CompiledNetwork
from engine.graph import Graph
from engine.inspection.capture import true_length
from engine.inspection.prediction import Prediction


@dataclass(frozen=True)
class Saliency:
    method: str
    """'Grad-CAM' or 'input gradient'."""
    node: str | None
    """The convolution Grad-CAM looked at; None for the input gradient."""
    map: torch.Tensor
    """0 to 1 over the input's positions: [H, W] for an image, [L] for a signal, [T, H, W]
    for a clip, [T, F] for a sequence of feature vectors, [T] for tokens."""
    explains: str
    """What the map explains, in words: "class '7'", ..."""


def grad_cam_node(graph: Graph, analysis: Analysis, prediction: Prediction) -> str | None:
    """The last convolution of a classifier, when it has one with 1-D or 2-D feature
    maps (per frame, for a clip)."""
    if prediction.kind != "classes":
        return None
    found = None
    for node_id in analysis.order:
        report = analysis.nodes[node_id]
        if report.spec is None or report.spec.category != "Convolution" or \
                report.output is None:
            continue
        rank = len(report.output.shape) - (1 if report.frames is not None else 0)
        if rank in (2, 3):
            found = node_id
    return found


def saliency(graph: Graph, analysis: Analysis, network: CompiledNetwork,
             sample: torch.Tensor, prediction: Prediction,
             length: int | None = None) -> Saliency:
    """`network` from capture.inside_network; `sample` without the batch dimension
    (`length`: its true steps, when padded)."""
    graph = analysis.graph
    input_id, output_id = analysis.inputs[0], analysis.outputs[0]
    x = sample.unsqueeze(0).clone()
    float_input = x.is_floating_point()
    if float_input:
        x.requires_grad_(True)
    with torch.enable_grad():
        for parameter in network.parameters():
            parameter.requires_grad_(True)  # activations of token ids get gradients too
        try:
            outputs = network(x, *true_length(network, length))
            for value in outputs.values():
                if value.requires_grad and not value.is_leaf:
                    value.retain_grad()
            score, explains = _score(outputs[output_id][0], prediction)
            score.backward()
        finally:
            for parameter in network.parameters():
                parameter.requires_grad_(False)
                parameter.grad = None
    node = grad_cam_node(graph, analysis, prediction)
    if node is not None and outputs[node].grad is not None:
        frames = analysis.nodes[node].frames is not None
        cam = _grad_cam(outputs[node][0].detach(), outputs[node].grad[0], frames)
        spatial = _input_positions(graph, analysis, sample)
        return Saliency("Grad-CAM", node, _scaled(_resized(cam, spatial, frames)), explains)
    if float_input and x.grad is not None:
        gradient = x.grad[0].abs()
        if _channels_first(graph, analysis, input_id):  # a clip's channels come second
            gradient = gradient.amax(dim=1 if sample.dim() == 4 else 0)
        return Saliency("input gradient", None, _scaled(gradient), explains)
    embedded = _first_with_gradient(analysis, outputs)
    relevance = (outputs[embedded].grad[0] * outputs[embedded][0].detach()).sum(-1).abs() \
        if embedded is not None else torch.zeros(sample.shape)
    return Saliency("input gradient", embedded, _scaled(relevance), explains)


def _score(output: torch.Tensor, prediction: Prediction) -> tuple[torch.Tensor, str]:
    if prediction.kind == "classes":
        target = prediction.target or 0
        name = prediction.labels[target] if target < len(prediction.labels) else str(target)
        return output[target], f"class '{name}'"
    if prediction.kind in ("classes_per_step", "string"):
        scores = output.log_softmax(-1) if prediction.kind == "string" else output
        best = torch.tensor(prediction.best)
        chosen = scores.gather(-1, best.unsqueeze(-1))
        what = "the string read" if prediction.kind == "string" else "each step's class"
        return chosen.sum(), what
    return output.sum(), "the sum of the outputs"


def _grad_cam(maps: torch.Tensor, gradients: torch.Tensor, frames: bool) -> torch.Tensor:
    """maps and gradients [C, *spatial] (or [T, C, *spatial]) → [*spatial] ([T, ...])."""
    channel = 1 if frames else 0
    spatial = tuple(range(channel + 1, maps.dim()))
    weights = gradients.mean(dim=spatial, keepdim=True)
    return F.relu((weights * maps).sum(dim=channel))


def _input_positions(graph: Graph, analysis: Analysis, sample: torch.Tensor) -> tuple:
    """The input's positions a feature map is laid over: its dims after the channels."""
    return tuple(sample.shape[2:]) if sample.dim() == 4 else tuple(sample.shape[1:])


def _resized(cam: torch.Tensor, size: tuple[int, ...], frames: bool) -> torch.Tensor:
    batch = cam if frames else cam.unsqueeze(0)
    mode = "bilinear" if len(size) == 2 else "linear"
    resized = F.interpolate(batch.unsqueeze(1).float(), size=size, mode=mode,
                            align_corners=False)[:, 0]
    return resized if frames else resized[0]


def _channels_first(graph: Graph, analysis: Analysis, input_id: str) -> bool:
    """Images, clips and signals fed to convolutions have channels to take the largest
    gradient across; a sequence of feature vectors [T, F] does not."""
    graph = analysis.graph
    rank = len(analysis.nodes[input_id].output.shape)
    if rank >= 3:
        return True
    consumers = [analysis.nodes[edge.target].spec for edge in graph.outgoing(input_id)]
    return any(spec is not None and spec.category in ("Convolution", "Pooling")
               for spec in consumers)


def _first_with_gradient(analysis: Analysis, outputs: dict[str, torch.Tensor]) -> str | None:
    for node_id in analysis.order:
        value = outputs[node_id]
        if value.grad is not None and value.dim() >= 3:
            return node_id
    return None


def _scaled(values: torch.Tensor) -> torch.Tensor:
    values = values.detach().float()
    top = float(values.max()) if values.numel() else 0.0
    return values / top if top > 0 else values


def overlay_pairs(sample: torch.Tensor, explained: torch.Tensor
                  ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(picture, map) as two 2-D arrays of one size, per frame of a clip, else one pair:
    an image's first channel, a signal's channels under the map of its positions, a
    sequence of feature vectors as it is, a vector or tokens as one row."""
    sample = sample.float()
    if sample.dim() == 4:
        return [pair for frame, cam in zip(sample, explained, strict=True)
                for pair in overlay_pairs(frame, cam)]
    if sample.dim() == 3:
        return [(sample[0] if sample.shape[0] == 1 else sample.mean(0), explained)]
    if sample.dim() == 2:
        if explained.dim() == 1:  # [C, L]: the map over the positions, on every channel
            return [(sample, explained.expand_as(sample))]
        return [(sample, explained)]
    return [(sample.reshape(1, -1), explained.reshape(1, -1))]
