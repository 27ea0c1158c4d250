"""The variable-length classifier a person writes by hand in PyTorch, as tutorials write
it: every .npy file loaded, padded into one tensor with the true lengths beside it,
standardised per feature, and a GRU run over packed batches (pack_padded_sequence), the
output at each sequence's last true step classified.

    python hand_written.py FOLDER --epochs N --seed S   → prints "val_accuracy A seconds T"
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class Classifier(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, last = self.gru(packed)
        return self.out(last[-1])


def load(folder: Path, steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list]:
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    files = sorted(folder.glob("*/*.npy"))
    x = torch.zeros(len(files), steps, np.load(files[0]).shape[1])
    lengths = torch.zeros(len(files), dtype=torch.long)
    y = torch.tensor([classes.index(f.parent.name) for f in files])
    for row, file in enumerate(files):
        values = torch.from_numpy(np.load(file))[:steps]
        x[row, :len(values)] = values
        lengths[row] = len(values)
    return x, lengths, y, classes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    torch.manual_seed(args.seed)
    x, lengths, y, classes = load(args.folder, args.steps)
    order = torch.randperm(len(x))
    cut = len(x) * 3 // 4
    train, val = order[:cut], order[cut:]
    real = torch.arange(args.steps)[None] < lengths[:, None]
    steps = x[train][real[train]]
    mean, std = steps.mean(0), steps.std(0).clamp(min=1e-6)
    x = torch.where(real[..., None], (x - mean) / std, torch.zeros_like(x))
    model = Classifier(x.shape[2], args.hidden, len(classes))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_function = nn.CrossEntropyLoss()
    for _ in range(args.epochs):
        model.train()
        for batch in train[torch.randperm(len(train))].split(args.batch):
            optimiser.zero_grad()
            loss = loss_function(model(x[batch], lengths[batch]), y[batch])
            loss.backward()
            optimiser.step()
    model.eval()
    with torch.no_grad():
        predicted = model(x[val], lengths[val]).argmax(1)
    accuracy = float((predicted == y[val]).float().mean())
    print(f"val_accuracy {accuracy:.4f} seconds {time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
