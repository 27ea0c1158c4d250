"""The networks of tests/engine/architectures/, written by hand the way a PyTorch user
writes them (several copied from their reference implementations), to check the project
files against."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, kernel_size=5)
        self.s2 = nn.AvgPool2d(2)
        self.c3 = nn.Conv2d(6, 16, kernel_size=5)
        self.s4 = nn.AvgPool2d(2)
        self.c5 = nn.Linear(16 * 5 * 5, 120)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)

    def forward(self, x):
        x = self.s2(torch.tanh(self.c1(x)))
        x = self.s4(torch.tanh(self.c3(x)))
        x = torch.flatten(x, 1)
        x = torch.tanh(self.c5(x))
        x = torch.tanh(self.f6(x))
        return self.output(x)


class BidirectionalLSTM(nn.Module):
    """crnn.pytorch's BidirectionalLSTM, batch-first."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.rnn = nn.LSTM(n_in, n_hidden, bidirectional=True, batch_first=True)
        self.embedding = nn.Linear(n_hidden * 2, n_out)

    def forward(self, x):
        recurrent, _ = self.rnn(x)
        return self.embedding(recurrent)


class CRNN(nn.Module):
    """crnn.pytorch (Shi et al. 2015) with imgH=32, nc=1, nclass=37, nh=256."""

    def __init__(self, nc=1, nclass=37, nh=256):
        super().__init__()
        ks = [3, 3, 3, 3, 3, 3, 2]
        ps = [1, 1, 1, 1, 1, 1, 0]
        nm = [64, 128, 256, 256, 512, 512, 512]
        cnn = nn.Sequential()

        def conv_relu(i, batch_normalization=False):
            n_in = nc if i == 0 else nm[i - 1]
            cnn.add_module(f"conv{i}", nn.Conv2d(n_in, nm[i], ks[i], 1, ps[i]))
            if batch_normalization:
                cnn.add_module(f"batchnorm{i}", nn.BatchNorm2d(nm[i]))
            cnn.add_module(f"relu{i}", nn.ReLU(True))

        conv_relu(0)
        cnn.add_module("pooling0", nn.MaxPool2d(2, 2))  # 64x16x50
        conv_relu(1)
        cnn.add_module("pooling1", nn.MaxPool2d(2, 2))  # 128x8x25
        conv_relu(2, True)
        conv_relu(3)
        cnn.add_module("pooling2", nn.MaxPool2d((2, 2), (2, 1), (0, 1)))  # 256x4x26
        conv_relu(4, True)
        conv_relu(5)
        cnn.add_module("pooling3", nn.MaxPool2d((2, 2), (2, 1), (0, 1)))  # 512x2x27
        conv_relu(6, True)  # 512x1x26
        self.cnn = cnn
        self.rnn = nn.Sequential(BidirectionalLSTM(512, nh, nh),
                                 BidirectionalLSTM(nh, nh, nclass))

    def forward(self, x):
        conv = self.cnn(x)
        assert conv.size(2) == 1, "the height of conv must be 1"
        conv = conv.squeeze(2).permute(0, 2, 1)  # [b, w, c]
        return self.rnn(conv)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, stride=2)
        self.layer3 = BasicBlock(32, 32)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = nn.Sequential(nn.Conv2d(in_channels, ch1x1, 1), nn.ReLU(True))
        self.branch2 = nn.Sequential(
            nn.Conv2d(in_channels, ch3x3red, 1), nn.ReLU(True),
            nn.Conv2d(ch3x3red, ch3x3, 3, padding=1), nn.ReLU(True),
        )
        self.branch3 = nn.Sequential(
            nn.Conv2d(in_channels, ch5x5red, 1), nn.ReLU(True),
            nn.Conv2d(ch5x5red, ch5x5, 5, padding=2), nn.ReLU(True),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            nn.Conv2d(in_channels, pool_proj, 1), nn.ReLU(True),
        )

    def forward(self, x):
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, 1)


class InceptionClassifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(256, num_classes)

    def forward(self, x):
        x = torch.flatten(self.avgpool(self.inception3a(x)), 1)
        return self.fc(self.dropout(x))


class StackedRecurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 64, num_layers=2, batch_first=True, dropout=0.3,
                            bidirectional=True, proj_size=32)
        self.gru = nn.GRU(64, 48, num_layers=2, batch_first=True, dropout=0.2)
        self.rnn = nn.RNN(48, 32, nonlinearity="relu", batch_first=True)
        self.fc = nn.Linear(32, 6)

    def forward(self, x):
        x, _ = self.lstm(x)
        x, _ = self.gru(x)
        x, _ = self.rnn(x)
        return self.fc(x[:, -1])


class TextClassifier(nn.Module):
    def __init__(self, vocab_size=5000, embedding_dim=64, hidden_dim=128, num_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def forward(self, tokens):
        _, (hidden, _) = self.lstm(self.embedding(tokens))
        return self.fc(self.dropout(hidden[-1]))


class DanQ(nn.Module):
    """Quang & Xie 2016: convolution over one-hot DNA, then a bidirectional LSTM."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 320, kernel_size=26)
        self.pool = nn.MaxPool1d(kernel_size=13, stride=13)
        self.dropout1 = nn.Dropout(0.2)
        self.bilstm = nn.LSTM(320, 320, batch_first=True, bidirectional=True)
        self.dropout2 = nn.Dropout(0.5)
        self.dense = nn.Linear(75 * 640, 925)
        self.classifier = nn.Linear(925, 919)

    def forward(self, x):
        x = self.dropout1(self.pool(F.relu(self.conv(x))))  # [batch, 320, 75]
        x, _ = self.bilstm(x.transpose(1, 2))  # [batch, 75, 640]
        x = torch.flatten(self.dropout2(x), 1)
        x = F.relu(self.dense(x))
        return torch.sigmoid(self.classifier(x))


class OneToMany(nn.Module):
    def __init__(self, steps=12):
        super().__init__()
        self.steps = steps
        self.encode = nn.Linear(32, 64)
        self.decoder = nn.LSTM(64, 64, batch_first=True)
        self.per_step = nn.Linear(64, 20)

    def forward(self, x):
        h = torch.tanh(self.encode(x))
        sequence = h.unsqueeze(1).expand(-1, self.steps, -1)
        out, _ = self.decoder(sequence)
        return self.per_step(out)


class FrameTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(40, 128, num_layers=2, batch_first=True, bidirectional=True)
        self.per_step = nn.Linear(256, 29)

    def forward(self, frames):
        out, _ = self.gru(frames)
        return F.log_softmax(self.per_step(out), dim=-1)


class AlexNet(nn.Module):
    """torchvision.models.AlexNet."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


class MixedVGG(nn.Module):
    """A VGG-style stack with an image head and a sequence head, two outputs."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding="same", padding_mode="reflect"),
            nn.BatchNorm2d(32),
            nn.LeakyReLU(0.2),
            nn.Conv2d(32, 32, 3, padding="same", dilation=2),
            nn.ELU(),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            nn.Conv2d(32, 64, 3, padding=1, groups=4, bias=False),
            nn.GELU(approximate="tanh"),
        )
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1)
        self.pool3 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False)
        self.norm = nn.LayerNorm(64)
        self.conv5 = nn.Conv1d(64, 96, 3, padding="same", dilation=2)
        self.bn5 = nn.BatchNorm1d(96)
        self.head = nn.Sequential(
            nn.Linear(64 + 2 * 96, 128),
            nn.BatchNorm1d(128),
            nn.Sigmoid(),
            nn.Dropout(0.25),
        )
        self.classes = nn.Linear(128, 10)
        self.attributes = nn.Linear(128, 4)

    def forward(self, pixels):
        x = self.features(pixels.view(-1, 3, 32, 32))
        x = -F.max_pool2d(-x, 2)  # min pooling
        x = self.pool3(F.relu(self.conv4(x)))  # [batch, 64, 5, 5]
        image = torch.flatten(F.adaptive_max_pool2d(x, 1), 1)

        steps = self.norm(x.flatten(2).permute(0, 2, 1))  # [batch, 25, 64]
        s = F.gelu(self.bn5(self.conv5(steps.permute(0, 2, 1))))  # [batch, 96, 25]
        s = F.avg_pool1d(s, 2)
        s = -F.max_pool1d(-s, 3, stride=1, padding=1)
        s = F.max_pool1d(s, 2, dilation=2, ceil_mode=True)
        s = torch.cat([F.adaptive_max_pool1d(s, 1), F.adaptive_avg_pool1d(s, 1)], dim=-1)
        signal = torch.flatten(s, 1)

        h = self.head(torch.cat([image, signal], dim=1))
        return torch.softmax(self.classes(h), dim=-1), torch.sigmoid(self.attributes(h))


class ClipClassifier(nn.Module):
    """Video classification, written the usual way: the frames folded into the batch for a
    CNN, unfolded into a sequence for stacked bidirectional GRUs, the last step classified."""

    def __init__(self, classes: int = 7):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(32, 48, 3, stride=2),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((2, 2)),
        )
        self.gru = nn.GRU(48 * 2 * 2, 64, num_layers=2, batch_first=True, bidirectional=True,
                          dropout=0.2)
        self.fc = nn.Linear(128, classes)

    def forward(self, clip):
        b, t, c, h, w = clip.shape
        features = self.cnn(clip.view(b * t, c, h, w)).view(b, t, -1)
        out, _ = self.gru(features)
        return self.fc(out[:, -1])


class FrameLabeller(nn.Module):
    """Per-frame labels of a clip: a CNN on each frame, a stacked bidirectional LSTM over
    the frames, a label per frame."""

    def __init__(self, labels: int = 12):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 24, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(24)
        self.conv2 = nn.Conv2d(24, 32, 3, padding="same")
        self.bn2 = nn.BatchNorm2d(32, momentum=0.05)
        self.lstm = nn.LSTM(32 * 5 * 6, 96, num_layers=2, batch_first=True, bidirectional=True)
        self.norm = nn.LayerNorm(192)
        self.per_frame = nn.Linear(192, labels)

    def forward(self, frames):
        batch, steps = frames.shape[:2]
        x = frames.reshape(batch * steps, *frames.shape[2:])
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), (2, 2))
        x = x.reshape(batch, steps, -1)
        out, _ = self.lstm(x)
        return F.log_softmax(self.per_frame(self.norm(out)), dim=-1)
