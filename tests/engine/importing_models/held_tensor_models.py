"""Models whose tensors do not all come from the input, written as people write them: a
learnt attention vector (Zhou et al.'s attention BiLSTM), learnt and sinusoidal positional
encodings, a learnt scalar, mean and deviation kept as buffers, a class token expanded to
the batch, the PyTorch tutorial's one-step name RNN with its initHidden(), and a GRU cell's
zero state made for the batch."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class AttBLSTM(nn.Module):
    """Zhou et al. 2016 style attention over a BiLSTM, as text-classification repos write it."""
    def __init__(self, vocab=50, emb=16, hidden=12, classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, bidirectional=True, batch_first=True)
        self.tanh1 = nn.Tanh()
        self.w = nn.Parameter(torch.zeros(hidden * 2))
        self.fc = nn.Linear(hidden * 2, classes)

    def forward(self, x):
        emb = self.embedding(x)
        H, _ = self.lstm(emb)
        M = self.tanh1(H)
        alpha = F.softmax(torch.matmul(M, self.w), dim=1).unsqueeze(-1)
        out = H * alpha
        out = torch.sum(out, 1)
        out = F.relu(out)
        return self.fc(out)


class LearntPosition(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 16)
        self.pos = nn.Parameter(torch.randn(1, 10, 16) * 0.02)
        self.gru = nn.GRU(16, 16, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = self.proj(x) + self.pos
        out, _ = self.gru(h)
        return self.head(out[:, -1])


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=500):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, :x.size(1)]


class SinusoidalCRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 16, 3, padding=1)
        self.pos = PositionalEncoding(16)
        self.lstm = nn.LSTM(16, 8, batch_first=True)
        self.out = nn.Linear(8, 5)

    def forward(self, x):  # x: [B, 8, T]
        h = F.relu(self.conv(x)).transpose(1, 2)
        h = self.pos(h)
        h, _ = self.lstm(h)
        return self.out(h)


class ScaledResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.alpha = nn.Parameter(torch.tensor(0.1))
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        y = x + self.alpha * self.conv(x)
        return self.fc(y.mean(dim=(2, 3)))


class MelNormalised(nn.Module):
    def __init__(self, n_mels=20):
        super().__init__()
        self.register_buffer("mean", torch.linspace(-1, 1, n_mels).unsqueeze(1))
        self.register_buffer("std", torch.linspace(0.5, 2, n_mels).unsqueeze(1))
        self.conv = nn.Conv1d(n_mels, 8, 5)
        self.gru = nn.GRU(8, 8, batch_first=True)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):  # [B, n_mels, T]
        x = (x - self.mean) / self.std
        x = F.relu(self.conv(x)).permute(0, 2, 1)
        x, h = self.gru(x)
        return self.fc(h[-1])


class TutorialNameRNN(nn.Module):
    """The PyTorch tutorial's name classifier, one step."""
    def __init__(self, input_size=57, hidden_size=32, output_size=18):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


class ClassToken(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 8)
        self.cls = nn.Parameter(torch.zeros(1, 1, 8))
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = self.embed(x)
        cls = self.cls.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1)
        out, _ = self.lstm(x)
        return self.fc(out[:, 0])


class ImageNormalised(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(8, 5)

    def forward(self, img):
        img = (img - self.mean) / self.std
        return self.classifier(torch.flatten(self.features(img), 1))


class GatedTemporalAttention(nn.Module):
    """Keyword spotting: a query vector scores every frame, in a class of its own."""

    class Attention(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.query = nn.Parameter(torch.randn(dim) / math.sqrt(dim))

        def forward(self, h):
            scores = h @ self.query
            weights = torch.softmax(scores, dim=-1)
            return torch.einsum("bt,btd->bd", weights, h)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(10, 16, 3, padding=1)
        self.gru = nn.GRU(16, 16, batch_first=True, bidirectional=False)
        self.attend = self.Attention(16)
        self.out = nn.Linear(16, 6)

    def forward(self, x):
        h = torch.relu(self.conv(x)).transpose(1, 2)
        h, _ = self.gru(h)
        return self.out(self.attend(h))


class StepByStepCell(nn.Module):
    """A GRU cell stepped by hand from a zero state made on the input's device."""

    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(5, 12)
        self.fc = nn.Linear(12 + 12, 3)

    def forward(self, x):
        h0 = torch.zeros(x.size(0), 12, device=x.device)
        h = h0
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
        return self.fc(torch.cat([h, h0], dim=1))
