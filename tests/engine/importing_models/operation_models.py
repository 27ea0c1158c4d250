"""Models that compute with tensor operations no layer stands for, written as people write
them: channel chunks, slices of features, attention from matmul and softmax, a frame loop
that stacks per-frame results, `.data`, arithmetic with constants."""

import torch
import torch.nn as nn


class SplitChannels(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv1d(4, 8, 3, padding=1)
        self.b = nn.Conv1d(4, 8, 3, padding=1)
        self.fc = nn.Linear(16 * 20, 5)

    def forward(self, x):
        left, right = torch.chunk(x, 2, dim=1)
        y = torch.cat([self.a(left), self.b(right)], dim=1)
        return self.fc(y.view(y.size(0), -1))


class SliceTime(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = x[:, :, 2:]          # drop the first two features
        out, _ = self.rnn(x)
        return self.fc(out[:, -1] * 0.5 + out.mean(dim=1))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(12, 12)
        self.k = nn.Linear(12, 12)
        self.v = nn.Linear(12, 12)
        self.out = nn.Linear(12, 4)

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        w = torch.softmax(q @ k.transpose(1, 2) / 12 ** 0.5, dim=-1)
        return self.out(torch.bmm(w, v).mean(1))


class StackFrames(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(10, 8)
        self.lstm = nn.LSTM(8, 8, batch_first=True)

    def forward(self, x):
        frames = [torch.tanh(x[:, t].data) for t in range(x.shape[1])]
        seq = torch.stack(frames, dim=1)
        out, _ = self.lstm(self.enc(seq))
        return out[:, -1]


class TimeSlices(nn.Module):
    """Slices of time and features, a scaled residual, narrow and unbind."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 6, 3, padding=1)
        self.fc = nn.Linear(6 * 4 + 6, 2)

    def forward(self, x):
        y = self.conv(x) * 0.1 + x
        head = y[:, :, :4].reshape(y.size(0), -1)
        last = torch.unbind(y.narrow(2, 4, 2), dim=2)[-1]
        return self.fc(torch.cat((head, last), 1))


class AttentionPool(nn.Module):
    """Attention pooling over a BiLSTM's steps: softmax weights times the outputs, summed."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True, bidirectional=True)
        self.att = nn.Linear(32, 1)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        w = torch.softmax(self.att(out), dim=1)
        return self.fc((w * out).sum(dim=1))


class LogMelKWS(nn.Module):
    """A keyword spotter that takes the log of its input itself, conv, frames as time."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.gru = nn.GRU(8 * 20, 32, batch_first=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        x = torch.log(x.abs() + 1e-6).unsqueeze(1)
        x = torch.relu(self.conv(x))
        b, c, m, t = x.shape
        x = x.permute(0, 3, 1, 2).reshape(b, t, c * m)
        out, _ = self.gru(x)
        return self.fc(out[:, -1])


INPUT_SHAPES = {"SplitChannels": (8, 20), "SliceTime": (7, 8), "Attention": (5, 12),
                "StackFrames": (6, 10), "TimeSlices": (6, 9), "AttentionPool": (10, 8),
                "LogMelKWS": (20, 30)}
