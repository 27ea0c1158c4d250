"""forward() signatures and layer uses of tutorial and repository code: a state made by an
initHidden() without a batch, an optional mask left out, Dropout2d on a signal, one CNN
run on every frame in a loop."""

import torch
import torch.nn as nn


class CharRNN(nn.Module):
    """The PyTorch tutorial's style: forward(input, hidden), initHidden() without a batch."""

    def __init__(self):
        super().__init__()
        self.hidden_size = 16
        self.rnn = nn.RNN(10, 16, batch_first=True)
        self.out = nn.Linear(16, 4)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        return self.out(out[:, -1]), hidden

    def initHidden(self):
        return torch.zeros(1, 1, self.hidden_size)


class Masked(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 12, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x, pad_mask=None):
        if pad_mask is not None:
            x = x * pad_mask.unsqueeze(-1)
        out, _ = self.gru(x)
        return self.fc(out.mean(1))


class Dropper(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3)
        self.drop = nn.Dropout2d(0.2)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = self.drop(torch.relu(self.conv(x)))
        return self.fc(x.mean(2))


class FrameCNN(nn.Module):
    """The same CNN on every frame in a loop, stacked, then an LSTM."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.MaxPool2d(2))
        self.fc = nn.Linear(4 * 4 * 4, 16)
        self.lstm = nn.LSTM(16, 8, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        feats = []
        for t in range(x.size(1)):
            f = self.cnn(x[:, t])
            f = f.view(f.size(0), -1)
            feats.append(torch.relu(self.fc(f)))
        seq = torch.stack(feats, dim=1)
        out, _ = self.lstm(seq)
        return self.head(out[:, -1])


class FrameEncoder(nn.Module):
    """A list comprehension over the frames with an encoder module, GRU after."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 6, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                     nn.Flatten())
        self.gru = nn.GRU(6, 10, batch_first=True)
        self.out = nn.Linear(10, 2)

    def forward(self, clip):
        frames = [self.encoder(clip[:, i]) for i in range(clip.shape[1])]
        hidden, _ = self.gru(torch.stack(frames, 1))
        return self.out(hidden[:, -1])
