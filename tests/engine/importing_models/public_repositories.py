"""Sound-event, activity, text-line, speech, DNA, keyword-spotting, sentiment and sequence
models as public repositories write them (each in the style of a well-known repository,
written here from scratch): SELDnet, DeepConvLSTM, deep-text-recognition-benchmark's CRNN,
DeepSpeech, DeepSEA, TC-ResNet, the tutorials' LeNet, bentrevett's sentiment BiLSTM, Kim's
sentence CNN, locuslab's weight-normalised TCN, ..."""

# the models unpack states and sizes they do not use, as the code they imitate does
# ruff: noqa: RUF059

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import weight_norm

device = torch.device("cpu")


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
