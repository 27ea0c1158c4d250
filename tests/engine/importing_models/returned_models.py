"""What forward() returns and how it makes its states, as public code writes it: features
returned beside the logits (a tuple, or a dict as PANNs does), zero states made on the
input's device (`device=x.device`, `.to(x.device)`)."""

from __future__ import annotations

import torch
from torch import nn


class LogitsAndFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10, batch_first=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        feats = out[:, -1]
        return self.fc(feats), feats


class FeaturesFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        embedding = self.conv(x).mean(-1)
        return embedding, torch.sigmoid(self.head(embedding))


class ClipwiseDict(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        embedding = torch.mean(x, dim=(2, 3))
        return {"clipwise_output": torch.sigmoid(self.fc(embedding)),
                "embedding": embedding}


class StatesOnTheInputsDevice(nn.Module):
    def __init__(self, hidden=10, layers=2):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = nn.LSTM(6, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, 3)

    def forward(self, x):
        h0 = torch.zeros(self.layers, x.size(0), self.hidden, device=x.device)
        c0 = torch.zeros(self.layers, x.size(0), self.hidden).to(x.device)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


class GRUStateOfTheInputsType(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(5, 7, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(14, 2)

    def forward(self, x):
        h0 = torch.zeros(2, x.shape[0], 7, dtype=x.dtype, device=x.device)
        _, hidden = self.gru(x, h0)
        return self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1))
