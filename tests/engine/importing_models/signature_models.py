"""forward() signatures and layer uses of tutorial and repository code: a state made by an
initHidden() without a batch, an optional mask left out, Dropout2d on a signal, one CNN
run on every frame in a loop, a text recogniser whose CTC scores come out time-first."""

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


class TimeMajorBiLSTM(nn.Module):
    """A time-major bidirectional LSTM whose Linear reads [T, b, 2h] as it is."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.lstm = nn.LSTM(n_in, n_hidden, bidirectional=True)
        self.proj = nn.Linear(2 * n_hidden, n_out)

    def forward(self, seq):
        hidden, _ = self.lstm(seq)
        return self.proj(hidden)


class TextCRNN(nn.Module):
    """Conv features read as a time-major sequence, CTC scores [T, b, classes] out."""

    def __init__(self, classes=11):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
                                 nn.Conv2d(8, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(True),
                                 nn.MaxPool2d((2, 2), (2, 1), (0, 1)),
                                 nn.Conv2d(16, 16, (4, 1)), nn.ReLU(True))
        self.rnn = nn.Sequential(TimeMajorBiLSTM(16, 12, 12),
                                 TimeMajorBiLSTM(12, 12, classes))

    def forward(self, input):
        conv = self.cnn(input)
        _, _, h, _ = conv.size()
        assert h == 1, "the height of conv must be 1"
        conv = conv.squeeze(2).permute(2, 0, 1)  # [w, b, c]
        return self.rnn(conv)
