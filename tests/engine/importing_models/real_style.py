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
from torch.nn.utils import weight_norm
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


# -- in the styles of public repositories: sound events, activity, text lines, speech,
# DNA, attention, keyword spotting, tutorials, video, sentiment, sentence CNNs --


class SELDnet(nn.Module):
    """sound event detection, Adavanne style"""
    def __init__(self, in_ch=4, nb_cnn2d_filt=16, pool=(4, 2), rnn_size=32, classes=11):
        super().__init__()
        self.conv_block_list = nn.ModuleList()
        for i, p in enumerate(pool):
            self.conv_block_list.append(nn.Conv2d(in_ch if i == 0 else nb_cnn2d_filt,
                                                  nb_cnn2d_filt, 3, padding=1))
            self.conv_block_list.append(nn.BatchNorm2d(nb_cnn2d_filt))
            self.conv_block_list.append(nn.ReLU())
            self.conv_block_list.append(nn.MaxPool2d((1, p)))
            self.conv_block_list.append(nn.Dropout2d(p=0.05))
        self.gru = nn.GRU(input_size=nb_cnn2d_filt * 2, hidden_size=rnn_size, num_layers=2,
                          batch_first=True, dropout=0.05, bidirectional=True)
        self.fnn = nn.Linear(rnn_size * 2, classes)

    def forward(self, x):
        for layer in self.conv_block_list:
            x = layer(x)
        x = x.transpose(1, 2).contiguous()
        x = x.view(x.shape[0], x.shape[1], -1).contiguous()
        (x, _) = self.gru(x)
        x = torch.tanh(x)
        x = x[:, :, x.shape[-1] // 2:] * x[:, :, :x.shape[-1] // 2]
        return torch.sigmoid(self.fnn(torch.cat([x, x], dim=-1)))


class DeepConvLSTM(nn.Module):
    """activity recognition, time-first LSTM with init_hidden"""
    def __init__(self, n_channels=9, n_classes=6, n_filters=16, filter_size=5, n_hidden=32,
                 n_layers=2):
        super().__init__()
        self.n_layers, self.n_hidden = n_layers, n_hidden
        self.conv1 = nn.Conv1d(n_channels, n_filters, filter_size)
        self.conv2 = nn.Conv1d(n_filters, n_filters, filter_size)
        self.lstm1 = nn.LSTM(n_filters, n_hidden, n_layers)
        self.fc = nn.Linear(n_hidden, n_classes)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = x.view(-1, 9, 40)
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = x.permute(2, 0, 1)
        x, hidden = self.lstm1(x)
        x = x.contiguous().view(-1, self.n_hidden)
        x = self.dropout(x)
        x = self.fc(x)
        out = x.view(32, -1, 6)[-1]
        return out


class DeepTextCRNN(nn.Module):
    """deep-text-recognition-benchmark style: AdaptiveAvgPool2d((None, 1))"""
    def __init__(self, num_class=37):
        super().__init__()
        self.FeatureExtraction = nn.Sequential(
            nn.Conv2d(1, 16, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
            nn.MaxPool2d((2, 1), (2, 1)))
        self.AdaptiveAvgPool = nn.AdaptiveAvgPool2d((None, 1))
        self.SequenceModeling = nn.LSTM(64, 32, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(64, 32)
        self.Prediction = nn.Linear(32, num_class)

    def forward(self, input):
        visual_feature = self.FeatureExtraction(input)
        visual_feature = self.AdaptiveAvgPool(visual_feature.permute(0, 3, 1, 2))
        visual_feature = visual_feature.squeeze(3)
        self.SequenceModeling.flatten_parameters()
        recurrent, _ = self.SequenceModeling(visual_feature)
        contextual_feature = self.linear(recurrent)
        prediction = self.Prediction(contextual_feature.contiguous())
        return prediction


class DeepSpeechLike(nn.Module):
    """Hardtanh(0, 20), conv over spectrogram, time-first GRU stack"""
    def __init__(self, n_freq=32, hidden=32, classes=29):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=(11, 5), stride=(2, 2), padding=(5, 2)),
            nn.BatchNorm2d(8), nn.Hardtanh(0, 20, inplace=True),
            nn.Conv2d(8, 8, kernel_size=(11, 5), stride=(2, 1), padding=(5, 2)),
            nn.BatchNorm2d(8), nn.Hardtanh(0, 20, inplace=True))
        self.rnns = nn.GRU(8 * (n_freq // 4), hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Sequential(nn.LayerNorm(hidden * 2), nn.Linear(hidden * 2, classes,
                                                                    bias=False))

    def forward(self, x):
        x = self.conv(x)
        sizes = x.size()
        x = x.view(sizes[0], sizes[1] * sizes[2], sizes[3])
        x = x.transpose(1, 2).transpose(0, 1).contiguous()  # TxNxH
        x, _ = self.rnns(x)
        x = self.fc(x)
        x = x.transpose(0, 1)
        return x.log_softmax(-1)


class DeepSEA(nn.Module):
    def __init__(self, seq_len=100, n_targets=10):
        super().__init__()
        self.Conv1 = nn.Conv1d(4, 32, kernel_size=8)
        self.Conv2 = nn.Conv1d(32, 48, kernel_size=8)
        self.Maxpool = nn.MaxPool1d(kernel_size=4, stride=4)
        self.Drop1 = nn.Dropout(p=0.2)
        self.Linear1 = nn.Linear(48 * 4, 64)
        self.Linear2 = nn.Linear(64, n_targets)
        self.thresh = nn.Threshold(0, 1e-6)

    def forward(self, input):
        x = self.Conv1(input)
        x = F.relu(x)
        x = self.Maxpool(x)
        x = self.Drop1(x)
        x = self.Conv2(x)
        x = self.thresh(x)
        x = self.Maxpool(x)
        x = torch.flatten(x, 1)
        x = self.Linear1(x)
        x = F.relu(x)
        x = self.Linear2(x)
        return torch.sigmoid(x)


class AttentionBiLSTM(nn.Module):
    def __init__(self, vocab=50, emb=16, hidden=24, classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.attention = nn.Linear(hidden * 2, 1)
        self.fc = nn.Linear(hidden * 2, classes)

    def forward(self, x):
        embedded = self.embedding(x)
        out, (h, c) = self.lstm(embedded)
        scores = self.attention(out).squeeze(-1)
        weights = F.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), out).squeeze(1)
        return self.fc(F.dropout(context, p=0.3, training=self.training))


class TCResNet(nn.Module):
    """keyword spotting: temporal convolutions with residual blocks"""
    def __init__(self, n_mels=20, classes=12):
        super().__init__()
        self.conv0 = nn.Conv1d(n_mels, 16, 3, padding=1, bias=False)
        self.blocks = nn.ModuleList()
        for cin, cout, stride in ((16, 24, 2), (24, 32, 2)):
            self.blocks.append(nn.ModuleDict({
                "conv1": nn.Conv1d(cin, cout, 9, stride, 4, bias=False),
                "bn1": nn.BatchNorm1d(cout),
                "conv2": nn.Conv1d(cout, cout, 9, 1, 4, bias=False),
                "bn2": nn.BatchNorm1d(cout),
                "skip": nn.Sequential(nn.Conv1d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm1d(cout))}))
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = x.squeeze(1)
        x = self.conv0(x)
        for block in self.blocks:
            identity = block["skip"](x)
            out = F.relu(block["bn1"](block["conv1"](x)))
            out = block["bn2"](block["conv2"](out))
            x = F.relu(out + identity)
        x = F.adaptive_avg_pool1d(x, 1).view(x.size(0), -1)
        return self.fc(x)


class LeNetFunctional(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.log_softmax(self.fc3(x), dim=1)

    def num_flat_features(self, x):
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


class ConvLSTMVideo(nn.Module):
    """per-frame CNN, then LSTM over frames, written with a loop and stack"""
    def __init__(self, classes=5):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1))
        self.lstm = nn.LSTM(16, 20, batch_first=True)
        self.head = nn.Linear(20, classes)

    def forward(self, x):
        b, t = x.shape[:2]
        feats = []
        for i in range(t):
            feats.append(self.cnn(x[:, i]).flatten(1))
        seq = torch.stack(feats, dim=1)
        out, (h_n, _) = self.lstm(seq)
        return self.head(h_n[-1])


class LeakyPReLUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv1d(4, 8, 5), nn.LeakyReLU(0.1), nn.Conv1d(8, 8, 5),
                                 nn.ELU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),
                                 nn.Linear(8, 8), nn.Softplus(), nn.Linear(8, 2))

    def forward(self, x):
        return self.net(x)


class SentimentRNN(nn.Module):
    """bentrevett: bidirectional final states concatenated"""
    def __init__(self, vocab=60, emb=20, hidden=16, out=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True, dropout=0.5)
        self.fc = nn.Linear(hidden * 2, out)
        self.dropout = nn.Dropout(0.5)

    def forward(self, text):
        text = text.permute(1, 0)
        embedded = self.dropout(self.embedding(text))
        output, (hidden, cell) = self.rnn(embedded)
        hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
        return self.fc(hidden)


class KimCNN(nn.Module):
    def __init__(self, vocab=60, emb=16, n_filters=8, sizes=(3, 4, 5), classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.convs = nn.ModuleList([nn.Conv2d(1, n_filters, (k, emb)) for k in sizes])
        self.fc = nn.Linear(len(sizes) * n_filters, classes)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = self.embedding(x).unsqueeze(1)
        x = [F.relu(conv(x)).squeeze(3) for conv in self.convs]
        x = [F.max_pool1d(i, i.size(2)).squeeze(2) for i in x]
        x = torch.cat(x, 1)
        return self.fc(self.dropout(x))




class GRUDevice(nn.Module):
    def __init__(self, input_size=6, hidden_size=12, num_layers=2, num_classes=3):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        out, _ = self.gru(x, h0)
        out = out[:, -1, :]
        return self.fc(out)


# -- weight-normalised layers: locuslab's TCN (the hook) and the parametrisation --


class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super().__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()


class TemporalBlock(nn.Module):
    def __init__(self, n_inputs, n_outputs, kernel_size, stride, dilation, padding,
                 dropout=0.2):
        super().__init__()
        self.conv1 = weight_norm(nn.Conv1d(n_inputs, n_outputs, kernel_size, stride=stride,
                                           padding=padding, dilation=dilation))
        self.chomp1 = Chomp1d(padding)
        self.relu1 = nn.ReLU()
        self.dropout1 = nn.Dropout(dropout)
        self.conv2 = weight_norm(nn.Conv1d(n_outputs, n_outputs, kernel_size, stride=stride,
                                           padding=padding, dilation=dilation))
        self.chomp2 = Chomp1d(padding)
        self.relu2 = nn.ReLU()
        self.dropout2 = nn.Dropout(dropout)
        self.net = nn.Sequential(self.conv1, self.chomp1, self.relu1, self.dropout1,
                                 self.conv2, self.chomp2, self.relu2, self.dropout2)
        self.downsample = nn.Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(out + res)


class TCN(nn.Module):
    def __init__(self, input_size=1, output_size=10, num_channels=(16, 16, 16),
                 kernel_size=7, dropout=0.05):
        super().__init__()
        layers = []
        for i in range(len(num_channels)):
            dilation_size = 2 ** i
            in_channels = input_size if i == 0 else num_channels[i - 1]
            layers += [TemporalBlock(in_channels, num_channels[i], kernel_size, stride=1,
                                     dilation=dilation_size,
                                     padding=(kernel_size - 1) * dilation_size,
                                     dropout=dropout)]
        self.network = nn.Sequential(*layers)
        self.linear = nn.Linear(num_channels[-1], output_size)

    def forward(self, inputs):
        y1 = self.network(inputs)
        return F.log_softmax(self.linear(y1[:, :, -1]), dim=1)


class ParametrizedWN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.utils.parametrizations.weight_norm(nn.Conv1d(3, 6, 3))
        self.fc = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc(self.conv(x).mean(-1))


class PReLUSpeech(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 8, 9, stride=4)
        self.act = nn.PReLU()
        self.norm = nn.GroupNorm(2, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.norm(self.act(self.conv(x)))
        return self.fc(x.mean(-1))
