"""nn.MultiheadAttention as recurrent and CRNN code uses it: self-attention over an LSTM's
output, a SELD-style conformer-ish block with a residual and LayerNorm, time-major code
(batch_first=False) between permutes, and one sequence attending over another."""

# the models unpack what they do not use, as the code they imitate does
# ruff: noqa: RUF059

from __future__ import annotations

import torch
from torch import nn


class MHAOverLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.att = nn.MultiheadAttention(16, 2, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        h, _ = self.lstm(x)
        a, _ = self.att(h, h, h)
        return self.fc(a.mean(1))


class SeldMhsa(nn.Module):
    """Conv front end, then multi-head self-attention with a residual, per frame output."""

    def __init__(self, mels=16, classes=4):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d((1, 4)))
        self.mhsa = nn.MultiheadAttention(embed_dim=32, num_heads=4, dropout=0.1,
                                          batch_first=True)
        self.norm = nn.LayerNorm(32)
        self.out = nn.Linear(32, classes)

    def forward(self, x):  # [B, 2, T, mels]
        x = self.conv(x)  # [B, 8, T, mels / 4]
        x = x.transpose(1, 2).flatten(2)  # [B, T, 32]
        attended, _weights = self.mhsa(x, x, x)
        x = self.norm(x + attended)
        return torch.sigmoid(self.out(x))


class TimeMajorAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 12)
        self.attention = nn.MultiheadAttention(12, 3)
        self.classifier = nn.Linear(12, 2)

    def forward(self, x):  # [B, T, 6]
        h = self.proj(x).permute(1, 0, 2)  # [T, B, 12]
        h, attn = self.attention(h, h, h)
        return self.classifier(h.permute(1, 0, 2)[:, -1])


class CrossAttention(nn.Module):
    """Each step of a sequence attends over a summary of the sequence pooled in time."""

    def __init__(self):
        super().__init__()
        self.encode = nn.Conv1d(5, 10, 3, padding=1)
        self.pool = nn.AvgPool1d(2)
        self.cross = nn.MultiheadAttention(10, 2, batch_first=True, kdim=10, vdim=10)
        self.head = nn.Linear(10, 3)

    def forward(self, x):  # [B, 5, T]
        h = torch.relu(self.encode(x))
        memory = self.pool(h).transpose(1, 2)  # [B, T / 2, 10]
        queries = h.transpose(1, 2)  # [B, T, 10]
        out, _ = self.cross(queries, memory, memory, need_weights=False)
        return self.head(out)
