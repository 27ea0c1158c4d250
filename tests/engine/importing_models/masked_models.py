"""Models that take a mask (or another tensor) beside their input, written the ways public
code writes them: a 0/1 float mask multiplied in, a bool padding mask for masked_fill, an
optional mask argument, a second feature stream. Written here from scratch."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MaskedMeanTagger(nn.Module):
    """Averages an LSTM's outputs over the real steps, given a 0/1 float mask [T]."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 4)

    def forward(self, x, mask):
        out, _ = self.lstm(x)
        out = out * mask.unsqueeze(-1)
        pooled = out.sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        return self.fc(pooled)


class PaddedAttention(nn.Module):
    """Token ids, a bool padding mask (True: padding), additive attention over a GRU."""

    def __init__(self, vocab=30, dim=12, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.att = nn.Linear(dim, 1)
        self.out = nn.Linear(dim, classes)

    def forward(self, tokens, pad_mask):
        h, _ = self.gru(self.emb(tokens))
        scores = self.att(h).squeeze(-1)
        scores = scores.masked_fill(pad_mask, -1e9)
        weights = F.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), h).squeeze(1)
        return self.out(context)


class OptionalMaskConv(nn.Module):
    """A 1-D CNN whose mask is optional (None: every step counts)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 10, 3, padding=1)
        self.head = nn.Linear(10, 2)

    def forward(self, x, mask=None):
        h = F.relu(self.conv(x))
        if mask is not None:
            h = h * mask[:, None, :]
        return self.head(h.mean(dim=2))


class TwoStreams(nn.Module):
    """Video frames' features and audio features, fused late."""

    def __init__(self):
        super().__init__()
        self.video = nn.GRU(20, 16, batch_first=True)
        self.audio = nn.Sequential(nn.Linear(40, 16), nn.ReLU())
        self.fc = nn.Linear(32, 5)

    def forward(self, frames, audio):
        _, h = self.video(frames)
        a = self.audio(audio)
        return self.fc(torch.cat([h[-1], a], dim=1))
