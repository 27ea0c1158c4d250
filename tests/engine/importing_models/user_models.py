"""Networks written the way people write them, for the importer's tests."""

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SHAPE = (1, 28, 28)


class SequentialCNN(nn.Module):
    """LeNet-like: nn.Sequential blocks, then view(x.size(0), -1) into a classifier."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3),
            nn.ReLU(),
            nn.AvgPool2d(2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.25),
            nn.Linear(16 * 6 * 6, 32),
            nn.LeakyReLU(0.1),
            nn.Linear(32, classes),
            nn.LogSoftmax(dim=1),
        )

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


class FunctionalCNN(nn.Module):
    """Activations and pooling as functions, torch.flatten(x, 1), a shared ReLU module."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5)
        self.conv2 = nn.Conv2d(4, 8, 5)
        self.act = nn.ReLU()
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.conv1(image)), 2)
        x = F.max_pool2d(self.act(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = self.act(x)
        logits = self.fc(x)
        return logits


class LSTMClassifier(nn.Module):
    """Many-to-one: the last step of a stacked LSTM's output."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 64, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(64, 10)

    def forward(self, rows):
        out, _ = self.lstm(rows)
        last = out[:, -1]
        return self.head(last)


class GRUFinalState(nn.Module):
    """The final hidden state h_n[-1] of a one-directional GRU: its output's last step."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(28, 32, batch_first=True)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        _, hidden = self.gru(x)
        return self.head(hidden[-1])


class ResidualBlock(nn.Module):
    """conv-bn-relu-conv-bn plus the input, then relu: a + with a skip connection."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3, padding="same")
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        skip = x
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        merged = y + skip
        out = F.relu(merged)
        out = self.pool(out).flatten(1)
        return self.fc(out)


class CRNN(nn.Module):
    """Conv features whose width becomes time, read by a bidirectional LSTM per column."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, padding=1)
        self.pool = nn.MaxPool2d((2, 2))
        self.rnn = nn.LSTM(16 * 14, 32, batch_first=True, bidirectional=True)
        self.out = nn.Linear(64, 11)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        b, c, h, w = x.shape
        seq = x.permute(0, 3, 1, 2).reshape(b, w, c * h)
        seq, _ = self.rnn(seq)
        return F.log_softmax(self.out(seq), dim=-1)


class SignalToLSTM(nn.Module):
    """Conv1d over a signal, transposed into a sequence for an LSTM; global mean pooling
    on a second branch, concatenated."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 16, 9, padding=4)
        self.lstm = nn.LSTM(16, 16, batch_first=True)
        self.mix = nn.Linear(32, 2)

    def forward(self, dna):
        features = torch.relu(self.conv(dna))
        steps = features.transpose(1, 2)
        last = self.lstm(steps)[0][:, -1]
        pooled = features.mean(dim=2)
        joined = torch.cat([last, pooled], dim=1)
        return self.mix(joined)


class TextClassifier(nn.Module):
    """Token ids through an Embedding (the input dtype follows: int64)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 16, padding_idx=0)
        self.rnn = nn.RNN(16, 8, batch_first=True, nonlinearity="relu")
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(self.norm(out[:, -1]))


class Decoder(nn.Module):
    """One-to-many: a vector repeated over time, and a min-pool written as -pool(-x)."""

    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(4, 6)
        self.gru = nn.GRU(6, 5, batch_first=True)

    def forward(self, x):
        smallest = -self.pool(-x)
        vector = torch.tanh(self.fc(smallest.flatten(1)))
        repeated = vector.unsqueeze(1).repeat(1, 7, 1)
        return self.gru(repeated)[0]
