# ruff: noqa: RUF059  (written as the tutorials write it, unused names included)
"""Recurrent networks that take their padded sequences' true lengths beside them, written
the ways tutorials and papers' code write them."""

import torch
import torch.nn.utils.rnn as rnn_utils
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

INPUT_SHAPE = (12, 3)


class PackedLSTM(nn.Module):
    """The last layer's final state of a packed LSTM."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.fc(h[-1])


class GatheredGRU(nn.Module):
    """A bidirectional two-layer GRU whose output at each sequence's last true step is
    gathered with the lengths."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 6)
        self.gru = nn.GRU(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(10, 4)

    def forward(self, x, seq_lengths):
        x = torch.relu(self.proj(x))
        packed = rnn_utils.pack_padded_sequence(x, seq_lengths.to("cpu"), batch_first=True,
                                                enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = rnn_utils.pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        last = out[torch.arange(out.size(0)), seq_lengths - 1]
        return self.head(last)


class TimeMajorRNN(nn.Module):
    """Time-major code: the batch second, the final state squeezed."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 7)
        self.out = nn.Linear(7, 2)

    def forward(self, x, x_lens):
        x = x.transpose(0, 1)
        packed = pack_padded_sequence(x, x_lens.cpu(), enforce_sorted=False)
        _, h = self.rnn(packed)
        return self.out(h.squeeze(0))


class TokenClassifier(nn.Module):
    """Token ids through an Embedding into a packed LSTM (the text-classification
    tutorials' way)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(50, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(16, 3)

    def forward(self, text, text_lengths):
        embedded = self.dropout(self.embedding(text))
        packed = nn.utils.rnn.pack_padded_sequence(embedded, text_lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        packed_output, (hidden, cell) = self.lstm(packed)
        return self.fc(hidden[-1])


class PackedTagger(nn.Module):
    """A label for every step of a bidirectional LSTM, unpacked to the padded length."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(3)
        self.lstm = nn.LSTM(3, 6, batch_first=True, bidirectional=True)
        self.tags = nn.Linear(12, 5)

    def forward(self, x, lens):
        packed = pack_padded_sequence(self.norm(x), lens.long().cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.tags(out)


class StackedPacked(nn.Module):
    """Two recurrent layers, each packed with the same lengths."""

    def __init__(self):
        super().__init__()
        self.first = nn.LSTM(3, 6, batch_first=True)
        self.drop = nn.Dropout(0.2)
        self.second = nn.GRU(6, 4, batch_first=True)
        self.fc = nn.Linear(4, 2)

    def forward(self, x, lengths):
        out, _ = self.first(pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                                 enforce_sorted=False))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        out = self.drop(out)
        _, h = self.second(pack_padded_sequence(out, lengths.cpu(), batch_first=True,
                                                enforce_sorted=False))
        return self.fc(h[-1])


class ConvThenPacked(nn.Module):
    """A convolution over time before packing: the padding leaks into the real steps."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, kernel_size=3, padding=1)
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x, lengths):
        x = self.conv(x.transpose(1, 2)).transpose(1, 2)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.fc(h[-1])


class MaskedMean(nn.Module):
    """A mean over the true steps made with a mask: not in the catalogue."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x, lengths):
        out, _ = self.lstm(x)
        mask = (torch.arange(x.size(1))[None] < lengths[:, None]).float()
        return self.fc((out * mask[..., None]).sum(1) / lengths[:, None])


class HiddenWithoutMaker(nn.Module):
    """A second argument that is a recurrent state, with no method that makes it."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True)

    def forward(self, x, hidden):
        out, _ = self.gru(x, hidden)
        return out[:, -1]
