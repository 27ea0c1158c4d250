"""Recurrent and CRNN models written the way public code writes them (each in the style of a
well-known kind of repository, written here from scratch): hidden states made as zeros,
forward(x, hidden), time-major layers, frames folded into the batch, asserts and loops on
shapes, reductions over time, 3-D convolutions, channel dropout, pixel shuffling."""

# the models unpack states and sizes they do not use, as the code they imitate does
# ruff: noqa: RUF059

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import Variable
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

device = torch.device("cpu")


# --------------------------------------------------------------------------- RNNs

class TutorialLSTM(nn.Module):
    """The tutorial many-to-one LSTM: zero states made in forward()."""

    def __init__(self, input_size=28, hidden_size=64, num_layers=2, num_classes=10):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        out, _ = self.lstm(x, (h0, c0))
        out = self.fc(out[:, -1, :])
        return out


class CharRNN(nn.Module):
    """forward(x, hidden) with init_hidden, returning (scores, hidden)."""

    def __init__(self, vocab=60, embed=32, hidden=96, layers=2):
        super().__init__()
        self.hidden_dim, self.n_layers = hidden, layers
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, layers, dropout=0.3, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x, hidden):
        batch_size = x.size(0)
        embeds = self.embed(x)
        lstm_out, hidden = self.lstm(embeds, hidden)
        out = self.dropout(lstm_out.contiguous().view(-1, self.hidden_dim))
        out = self.fc(out)
        return out.view(batch_size, -1, out.size(-1)), hidden

    def init_hidden(self, batch_size):
        weight = next(self.parameters()).data
        return (weight.new(self.n_layers, batch_size, self.hidden_dim).zero_(),
                weight.new(self.n_layers, batch_size, self.hidden_dim).zero_())


class GRUNoneState(nn.Module):
    """An explicit None state and the last layer's h_n as the summary."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(12, 40, num_layers=2, batch_first=True)
        self.out = nn.Linear(40, 3)

    def forward(self, x, h=None):
        output, h_n = self.gru(x, h)
        return self.out(h_n[-1])


class TimeMajorActivity(nn.Module):
    """Activity recognition from sensors: time first for the LSTM, the last step out."""

    def __init__(self, channels=9, hidden=32, classes=6):
        super().__init__()
        self.lstm = nn.LSTM(channels, hidden, num_layers=2)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        x = x.permute(1, 0, 2)  # [time, batch, channels]
        out, (h, c) = self.lstm(x)
        out = out[-1]
        return F.log_softmax(self.fc(out), dim=1)


class MeanOverTime(nn.Module):
    """A bidirectional GRU averaged (and max-pooled) over time."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(20, 32, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(128, 4)

    def forward(self, x):
        out, _ = self.gru(x)
        mean = torch.mean(out, 1)
        peak, _ = torch.max(out, dim=1)
        return self.fc(torch.cat([mean, peak], dim=1))


class PackedTagger(nn.Module):
    """A tagger that packs its sequences (all of full length here)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 24, batch_first=True, bidirectional=True)
        self.tags = nn.Linear(48, 5)

    def forward(self, x):
        lengths = torch.full((x.size(0),), x.size(1), dtype=torch.long)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        return self.tags(out)


class CellLoop(nn.Module):
    """An LSTMCell stepped over time by hand."""

    def __init__(self, features=10, hidden=24, classes=4):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.LSTMCell(features, hidden)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        h = torch.zeros(x.size(0), self.hidden)
        c = torch.zeros(x.size(0), self.hidden)
        outputs = []
        for t in range(x.size(1)):
            h, c = self.cell(x[:, t, :], (h, c))
            outputs.append(h)
        out = torch.stack(outputs, dim=1)
        return self.fc(out[:, -1])


class VariableState(nn.Module):
    """The old Variable wrapper around a zero state."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        h0 = Variable(torch.zeros(1, x.size(0), 16))
        out, h = self.rnn(x, h0)
        return self.fc(out[:, -1])


class EmbeddedTimeMajor(nn.Module):
    """Embedded tokens turned time first; the last layer's final h classified."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 32)
        self.fc = nn.Linear(32, 2)

    def forward(self, x):
        embedded = self.emb(x).permute(1, 0, 2)
        out, (hidden, cell) = self.lstm(embedded)
        return self.fc(hidden[-1])


class StateOnTheModule(nn.Module):
    """Zero states kept as plain tensors on the module (for the batch it was made for)."""

    def __init__(self, batch=2):
        super().__init__()
        self.lstm = nn.LSTM(10, 20, batch_first=True)
        self.h = torch.zeros(1, batch, 20)
        self.c = torch.zeros(1, batch, 20)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        out, _ = self.lstm(x, (self.h, self.c))
        return self.fc(out[:, -1])


# --------------------------------------------------------------------------- CRNNs

class BidirectionalLSTM(nn.Module):
    """The text recogniser's block: time-major LSTM, a Linear applied to T × b rows."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.rnn = nn.LSTM(n_in, n_hidden, bidirectional=True)
        self.embedding = nn.Linear(n_hidden * 2, n_out)

    def forward(self, input):
        recurrent, _ = self.rnn(input)
        T, b, h = recurrent.size()
        t_rec = recurrent.view(T * b, h)
        output = self.embedding(t_rec)
        return output.view(T, b, -1)


class TextRecogniser(nn.Module):
    """Conv stack down to height 1, asserted; the width is time (first), two BiLSTMs."""

    def __init__(self, channels=1, classes=37, hidden=64):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(channels, 32, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.MaxPool2d((2, 2), (2, 1), (0, 1)),
            nn.Conv2d(128, 128, 2, 1, 0), nn.BatchNorm2d(128), nn.ReLU(True),
        )
        self.rnn = nn.Sequential(BidirectionalLSTM(128, hidden, hidden),
                                 BidirectionalLSTM(hidden, hidden, classes))

    def forward(self, input):
        conv = self.cnn(input)
        b, c, h, w = conv.size()
        assert h == 1, "the height of conv must be 1"
        conv = conv.squeeze(2)
        conv = conv.permute(2, 0, 1)  # [w, b, c]
        output = self.rnn(conv)
        return F.log_softmax(output, dim=2)


class ColumnPooledRecogniser(nn.Module):
    """A scene-text recogniser's way: columns pooled to one value with
    AdaptiveAvgPool2d((None, 1)) after moving the width first, a BiLSTM per column."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.pool = nn.AdaptiveAvgPool2d((None, 1))
        self.rnn = nn.LSTM(32, 24, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(48, 11)

    def forward(self, x):
        features = self.cnn(x)
        features = self.pool(features.permute(0, 3, 1, 2))  # [b, w, c, h] → [b, w, c, 1]
        features = features.squeeze(3)
        self.rnn.flatten_parameters()
        out, _ = self.rnn(features)
        return self.fc(out.contiguous())


class DanQTimeMajor(nn.Module):
    """DNA: convolution, pooling, a time-major BiLSTM, back to batch first, flattened."""

    def __init__(self, length=100):
        super().__init__()
        self.conv = nn.Conv1d(4, 32, kernel_size=11)
        self.pool = nn.MaxPool1d(kernel_size=5, stride=5)
        self.drop = nn.Dropout(0.2)
        self.bilstm = nn.LSTM(32, 16, bidirectional=True)
        self.fc = nn.Linear(18 * 32, 20)
        self.out = nn.Linear(20, 2)

    def forward(self, x):
        x = self.drop(self.pool(F.relu(self.conv(x))))
        x = x.permute(2, 0, 1)
        x, (h, c) = self.bilstm(x)
        x = x.permute(1, 0, 2)
        x = torch.flatten(x, 1)
        return self.out(F.relu(self.fc(x)))


class VideoCNNLSTM(nn.Module):
    """Frames folded into the batch for a CNN with view(), unfolded for the LSTM."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout2d(0.1),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2))
        self.rnn = nn.LSTM(128, 48, batch_first=True)
        self.linear = nn.Linear(48, 5)

    def forward(self, x):
        batch_size, timesteps, C, H, W = x.size()
        c_in = x.view(batch_size * timesteps, C, H, W)
        c_out = self.cnn(c_in)
        r_in = c_out.view(batch_size, timesteps, -1)
        r_out, (h_n, h_c) = self.rnn(r_in)
        return self.linear(r_out[:, -1, :])


class TimeDistributed(nn.Module):
    """Keras' TimeDistributed in PyTorch: a module applied to every step."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        b, t = x.shape[:2]
        y = self.module(x.contiguous().view(b * t, *x.shape[2:]))
        return y.view(b, t, *y.shape[1:])


class GestureNet(nn.Module):
    """TimeDistributed CNN, flattened per frame, a GRU, a label per frame."""

    def __init__(self):
        super().__init__()
        self.frames = TimeDistributed(nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Flatten()))
        self.gru = nn.GRU(16 * 4 * 4, 32, batch_first=True, bidirectional=True)
        self.per_frame = nn.Linear(64, 7)

    def forward(self, x):
        out, _ = self.gru(self.frames(x))
        return self.per_frame(out)


class C3DSmall(nn.Module):
    """A video classifier with 3-D convolutions over [channels, frames, height, width]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(3, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm3d(16)
        self.pool1 = nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2))
        self.conv2 = nn.Conv3d(16, 32, kernel_size=3, padding=1)
        self.pool2 = nn.AvgPool3d(2)
        self.drop = nn.Dropout3d(0.2)
        self.gap = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(32, 8)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.drop(self.pool2(F.relu(self.conv2(x))))
        x = self.gap(x).view(x.size(0), -1)
        return self.fc(x)


class SpeechCRNN(nn.Module):
    """A spectrogram [1, frequency, time]: convolutions, the frequency rows folded into
    the features, time batch-first into a GRU, a score per step."""

    def __init__(self, classes=29):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=(11, 5), stride=(2, 1), padding=(5, 2)),
            nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=(5, 3), stride=(2, 1), padding=(2, 1)),
            nn.BatchNorm2d(16), nn.ReLU())
        self.rnn = nn.GRU(16 * 8, 64, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        x = self.conv(x)
        sizes = x.size()
        x = x.view(sizes[0], sizes[1] * sizes[2], sizes[3])  # [batch, features, time]
        x = x.transpose(1, 2)
        x, _ = self.rnn(x)
        return self.fc(x).log_softmax(-1)


class SensorCRNN(nn.Module):
    """Conv1d over sensor channels, permuted to time-steps for an LSTM."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(6, 32, 5, padding=2)
        self.conv2 = nn.Conv1d(32, 32, 5, padding=2)
        self.lstm = nn.LSTM(32, 48, batch_first=True)
        self.fc = nn.Linear(48, 6)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool1d(F.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 1)
        x, _ = self.lstm(x)
        return self.fc(x[:, -1, :])


class SuperResolution(nn.Module):
    """Sub-pixel convolution: a Conv2d, then PixelShuffle."""

    def __init__(self, factor=3):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, factor ** 2, 3, padding=1)
        self.shuffle = nn.PixelShuffle(factor)

    def forward(self, x):
        return self.shuffle(self.conv2(torch.tanh(self.conv1(x))))


class SumPooledText(nn.Module):
    """Embedding, a convolution over the words, summed over time."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(500, 24)
        self.conv = nn.Conv1d(24, 32, 3, padding=1)
        self.fc = nn.Linear(32, 2)

    def forward(self, tokens):
        x = self.embedding(tokens).transpose(1, 2)
        x = F.relu(self.conv(x)).sum(dim=2)
        return self.fc(x)
