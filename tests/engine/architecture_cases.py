"""Which project file in tests/engine/architectures/ is which hand-written network, which of
its layers holds each node's weights, and the reference outputs each network gives."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from tests.engine.architecture_networks import (
    CRNN,
    AlexNet,
    ClipClassifier,
    DanQ,
    FrameLabeller,
    FrameTagger,
    InceptionClassifier,
    LeNet5,
    MixedVGG,
    OneToMany,
    SmallResNet,
    StackedRecurrent,
    TextClassifier,
)

ARCHITECTURES = Path(__file__).parent / "architectures"


@dataclass(frozen=True)
class Case:
    file: str
    build: Callable[[], nn.Module]
    sample: Callable[[], torch.Tensor]
    """A batch for forward()."""
    outputs: tuple[str, ...]
    """The output node ids, in the order forward() returns them."""
    layers: Callable[[nn.Module], dict[str, nn.Module]]
    """Node id → the hand-written layer that holds the same weights."""
    params: int | None = None
    """The parameter count published for the architecture."""

    def __str__(self) -> str:
        return self.file


def images(*shape: int, batch: int = 2) -> Callable[[], torch.Tensor]:
    return lambda: torch.randn(batch, *shape)


CASES = [
    Case("lenet5.ndproj", LeNet5, images(1, 32, 32), ("output",),
         lambda net: {name: getattr(net, name) for name in ("c1", "c3", "c5", "f6", "output")},
         params=61_706),
    Case("crnn.ndproj", CRNN, images(1, 32, 100, batch=1), ("embedding2",),
         lambda net: {
             **{name: layer for name, layer in net.cnn.named_children()
                if name.startswith(("conv", "batchnorm"))},
             "rnn1": net.rnn[0].rnn, "embedding1": net.rnn[0].embedding,
             "rnn2": net.rnn[1].rnn, "embedding2": net.rnn[1].embedding,
         },
         params=8_331_301),
    Case("resnet_small.ndproj", SmallResNet, images(3, 32, 32), ("fc",),
         lambda net: {
             "conv1": net.conv1, "bn1": net.bn1, "fc": net.fc,
             **{f"{layer}_{name}": getattr(getattr(net, layer), name)
                for layer in ("layer1", "layer2", "layer3")
                for name in ("conv1", "bn1", "conv2", "bn2")},
             "layer2_downsample": net.layer2.downsample[0],
             "layer2_downsample_bn": net.layer2.downsample[1],
         }),
    Case("inception_block.ndproj", InceptionClassifier, images(192, 28, 28), ("fc",),
         lambda net: {
             "branch1_conv": net.inception3a.branch1[0],
             "branch2_reduce": net.inception3a.branch2[0],
             "branch2_conv": net.inception3a.branch2[2],
             "branch3_reduce": net.inception3a.branch3[0],
             "branch3_conv": net.inception3a.branch3[2],
             "branch4_conv": net.inception3a.branch4[1],
             "fc": net.fc,
         }),
    Case("stacked_rnn.ndproj", StackedRecurrent, images(30, 16), ("fc",),
         lambda net: {"lstm": net.lstm, "gru": net.gru, "rnn": net.rnn, "fc": net.fc}),
    Case("text_classifier.ndproj", TextClassifier,
         lambda: torch.randint(0, 5000, (2, 40), dtype=torch.int64), ("fc",),
         lambda net: {"embedding": net.embedding, "lstm": net.lstm, "fc": net.fc}),
    Case("danq.ndproj", DanQ, images(4, 1000, batch=1), ("probabilities",),
         lambda net: {"conv": net.conv, "bilstm": net.bilstm, "dense": net.dense,
                      "classifier": net.classifier}),
    Case("one_to_many.ndproj", OneToMany, images(32), ("per_step",),
         lambda net: {"encode": net.encode, "decoder": net.decoder,
                      "per_step": net.per_step}),
    Case("many_to_many.ndproj", FrameTagger, images(50, 40), ("log_probs",),
         lambda net: {"gru": net.gru, "per_step": net.per_step}),
    Case("clip_classifier.ndproj", ClipClassifier, images(9, 3, 32, 32), ("fc",),
         lambda net: {"conv1": net.cnn[0], "bn1": net.cnn[1], "conv2": net.cnn[4],
                      "bn2": net.cnn[5], "conv3": net.cnn[8], "gru": net.gru,
                      "fc": net.fc}),
    Case("frame_labeller.ndproj", FrameLabeller, images(16, 1, 20, 24), ("log_probs",),
         lambda net: {name: getattr(net, name) for name in (
             "conv1", "bn1", "conv2", "bn2", "lstm", "norm", "per_frame")}),
    Case("alexnet.ndproj", AlexNet, images(3, 224, 224, batch=1), ("fc8",),
         lambda net: {
             "conv1": net.features[0], "conv2": net.features[3], "conv3": net.features[6],
             "conv4": net.features[8], "conv5": net.features[10],
             "fc6": net.classifier[1], "fc7": net.classifier[4], "fc8": net.classifier[6],
         },
         params=61_100_840),
    Case("vgg_mixed.ndproj", MixedVGG, images(3072), ("classes", "attributes"),
         lambda net: {
             "conv1": net.features[0], "bn1": net.features[1], "conv2": net.features[3],
             "conv3": net.features[6], "conv4": net.conv4, "norm": net.norm,
             "conv5": net.conv5, "bn5": net.bn5, "fc1": net.head[0], "bn6": net.head[1],
             "fc_classes": net.classes, "fc_attributes": net.attributes,
         }),
]


def as_tuple(result) -> tuple[torch.Tensor, ...]:
    return result if isinstance(result, tuple) else (result,)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@dataclass(frozen=True)
class Reference:
    net: nn.Module
    batch: torch.Tensor
    outputs: tuple[torch.Tensor, ...]


@functools.cache
def reference(case: Case) -> Reference:
    """The hand-written network in evaluation mode, with random normalisation statistics
    (so that copying them is checked too), a batch and its outputs."""
    torch.manual_seed(0)
    net = case.build()
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.5, 0.5)
    net.eval()
    batch = case.sample()
    with torch.no_grad():
        outputs = as_tuple(net(batch))
    return Reference(net, batch, outputs)


def project_path(case: Case) -> str:
    return str(ARCHITECTURES / case.file)
