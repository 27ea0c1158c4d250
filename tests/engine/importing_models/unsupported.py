"""Modules the importer must refuse, each for a reason it has to explain."""

import torch
from torch import nn


class SortsAndScales(nn.Module):
    """Ops a project cannot hold (a sort, a cumulative product), on lines to name."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(1, 2, 1)
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        y = self.fc(x)
        y = torch.sort(y, dim=1)[0]
        y = y * 2
        return torch.cumprod(self.fc(y), dim=1)


class BranchesOnValues(nn.Module):
    """Data-dependent control flow: torch.fx cannot follow it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return x


class NeedsArguments(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(8, width)

    def forward(self, x):
        return self.fc(x)


class TimeFirstLSTM(nn.Module):
    """batch_first=False and flattening the batch: two ways to leave the catalogue."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        out, (h, _) = self.lstm(x)
        flat = torch.flatten(out)
        return self.fc(h[-1]), flat


class NotAModule:
    pass
