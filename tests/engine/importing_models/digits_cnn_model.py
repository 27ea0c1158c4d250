"""projects/digits_cnn.ndproj written as code export writes model.py (a fixed copy, so the
importer's round trip is tested whatever the exporter's state)."""

import torch
from torch import nn

INPUT_SHAPE = (1, 8, 8)
"""One sample's shape: a batch is (batch, *INPUT_SHAPE)."""
INPUT_DTYPE = torch.float32
OUTPUT_SHAPE = (10,)


class DigitsCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding="same")
        self.bn1 = nn.BatchNorm2d(32)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding="same")
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(p=0.3)
        self.hidden = nn.Linear(1024, 128)
        self.relu3 = nn.ReLU()
        self.logits = nn.Linear(128, 10)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        conv1 = self.conv1(image)
        bn1 = self.bn1(conv1)
        relu1 = self.relu1(bn1)
        conv2 = self.conv2(relu1)
        bn2 = self.bn2(conv2)
        relu2 = self.relu2(bn2)
        pool = self.pool(relu2)
        flatten = self.flatten(pool)
        dropout = self.dropout(flatten)
        hidden = self.hidden(dropout)
        relu3 = self.relu3(hidden)
        logits = self.logits(relu3)
        return logits
