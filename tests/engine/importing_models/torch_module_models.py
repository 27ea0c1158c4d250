"""Models that use torch.nn modules the catalogue has no layer for (transposed
convolutions, an affine InstanceNorm, a TransformerEncoder: traced into, their functional
calls holding their weights) and models in the styles of well-known tutorials and papers:
the PyTorch spatial transformer tutorial, a DCASE-style gated CRNN with weak and strong
outputs, de Andrade et al.'s attention RNN for keyword spotting, InceptionTime."""

# ruff: noqa: UP008, E741

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class STNNet(nn.Module):
    """The PyTorch spatial transformer tutorial."""
    def __init__(self):
        super(STNNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7), nn.MaxPool2d(2, stride=2), nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(10 * 3 * 3, 32), nn.ReLU(True), nn.Linear(32, 3 * 2))
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
        return x

    def forward(self, x):
        x = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class GLUBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.gate = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)
        self.pool = nn.AvgPool2d((1, 2))

    def forward(self, x):
        return self.pool(self.bn(self.conv(x) * torch.sigmoid(self.gate(x))))


class DcaseCRNN(nn.Module):
    def __init__(self, n_mels=16, classes=5):
        super().__init__()
        self.blocks = nn.Sequential(GLUBlock(1, 8), GLUBlock(8, 8))
        self.gru = nn.GRU(8 * (n_mels // 4), 16, batch_first=True, bidirectional=True)
        self.dense = nn.Linear(32, classes)
        self.dense_softmax = nn.Linear(32, classes)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):  # [B, 1, T, mels]
        x = self.blocks(x)
        b, c, t, f = x.size()
        x = x.permute(0, 2, 1, 3).contiguous().view(b, t, c * f)
        x, _ = self.gru(x)
        strong = torch.sigmoid(self.dense(x))
        sof = self.softmax(self.dense_softmax(x))
        sof = torch.clamp(sof, min=1e-7, max=1)
        weak = (strong * sof).sum(1) / sof.sum(1)
        return strong.transpose(1, 2), weak


class AttRNNKws(nn.Module):
    """de Andrade et al.'s attention RNN for speech commands."""
    def __init__(self, n_mels=20, classes=12):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, (5, 1), padding=(2, 0))
        self.bn1 = nn.BatchNorm2d(10)
        self.conv2 = nn.Conv2d(10, 1, (5, 1), padding=(2, 0))
        self.bn2 = nn.BatchNorm2d(1)
        self.lstm1 = nn.LSTM(n_mels, 32, batch_first=True, bidirectional=True)
        self.lstm2 = nn.LSTM(64, 32, batch_first=True, bidirectional=True)
        self.query = nn.Linear(64, 64)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, classes)

    def forward(self, x):  # [B, 1, T, mels]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = x.squeeze(1)
        x, _ = self.lstm1(x)
        x, _ = self.lstm2(x)
        x_first = x[:, x.shape[1] // 2]
        query = self.query(x_first)
        scores = torch.bmm(query.unsqueeze(1), x.permute(0, 2, 1)) / math.sqrt(64)
        scores = F.softmax(scores, dim=-1)
        att = torch.bmm(scores, x).squeeze(1)
        return self.fc2(F.relu(self.fc1(att)))


class InceptionModule(nn.Module):
    def __init__(self, cin, nf=8, ks=(9, 5, 3)):
        super().__init__()
        self.bottleneck = nn.Conv1d(cin, nf, 1, bias=False)
        self.convs = nn.ModuleList([nn.Conv1d(nf, nf, k, padding=k // 2, bias=False) for k in ks])
        self.maxconv = nn.Sequential(nn.MaxPool1d(3, stride=1, padding=1),
                                     nn.Conv1d(cin, nf, 1, bias=False))
        self.bn = nn.BatchNorm1d(nf * 4)

    def forward(self, x):
        input_tensor = x
        x = self.bottleneck(input_tensor)
        x = torch.cat([l(x) for l in self.convs] + [self.maxconv(input_tensor)], dim=1)
        return F.relu(self.bn(x))


class InceptionTime(nn.Module):
    def __init__(self, c_in=3, c_out=4):
        super().__init__()
        self.inc = nn.Sequential(InceptionModule(c_in), InceptionModule(32))
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(32, c_out)

    def forward(self, x):
        x = self.inc(x)
        return self.fc(self.gap(x).squeeze(-1))


class UpsampleSED(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv1d(4, 8, 4, stride=2, padding=1)
        self.up = nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)
        self.out = nn.Conv1d(4, 2, 1)

    def forward(self, x):
        return self.out(F.relu(self.up(F.relu(self.down(x)))))


class InstanceNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.norm = nn.InstanceNorm2d(4, affine=True)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(F.relu(self.norm(self.conv(x))).mean((2, 3)))


class TransformerSED(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(10, 16)
        layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc(self.encoder(self.proj(x)))


class Conv2dTranspose(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.dec = nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return torch.sigmoid(self.dec(F.relu(self.enc(x))))
