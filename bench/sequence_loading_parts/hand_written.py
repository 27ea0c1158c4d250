"""The loaders a person writes by hand for DNA intervals and for sounds, as tutorials and
example repositories write them: pyfaidx and a dictionary of one-hot rows for DNA;
soundfile, scipy's polyphase resampling and torch.stft for log-mel spectrograms."""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

ONE_HOT = {"A": [1, 0, 0, 0], "C": [0, 1, 0, 0], "G": [0, 0, 1, 0], "T": [0, 0, 0, 1]}


class BedIntervals(Dataset):
    def __init__(self, genome: Path, intervals: list[tuple[str, int, int, int]], length: int):
        self.genome, self.intervals, self.length = genome, intervals, length
        self.fasta = None

    def __len__(self) -> int:
        return len(self.intervals)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        from pyfaidx import Fasta

        if self.fasta is None:
            self.fasta = Fasta(str(self.genome))
        chrom, start, end, label = self.intervals[index]
        middle = (start + end) // 2
        first = max(0, middle - self.length // 2)
        sequence = str(self.fasta[chrom][first:first + self.length]).upper()
        sequence = sequence.ljust(self.length, "N")
        encoded = np.array([ONE_HOT.get(base, [0, 0, 0, 0]) for base in sequence],
                           dtype=np.float32)
        return torch.from_numpy(encoded.T), label


class SoundFolder(Dataset):
    def __init__(self, files: list[Path], labels: list[int], n_mels: int, frames: int):
        self.files, self.labels, self.n_mels, self.frames = files, labels, n_mels, frames
        self.window, self.hop, self.n_fft = 400, 160, 512
        bins = self.n_fft // 2 + 1
        mel = lambda hz: 2595 * np.log10(1 + hz / 700)  # noqa: E731
        hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
        points = hz(np.linspace(mel(0), mel(8000), n_mels + 2))
        freqs = np.linspace(0, 8000, bins)
        filters = np.zeros((bins, n_mels), np.float32)
        for m in range(n_mels):
            lo, mid, hi = points[m], points[m + 1], points[m + 2]
            filters[:, m] = np.maximum(0, np.minimum((freqs - lo) / (mid - lo),
                                                     (hi - freqs) / (hi - mid)))
        self.filters = torch.from_numpy(filters)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        import soundfile
        from scipy.signal import resample_poly

        samples, rate = soundfile.read(str(self.files[index]), dtype="float32")
        if samples.ndim == 2:
            samples = samples.mean(1)
        common = gcd(rate, 16_000)
        samples = resample_poly(samples, 16_000 // common, rate // common).astype(np.float32)
        needed = self.n_fft + (self.frames - 1) * self.hop
        samples = np.pad(samples[:needed], (0, max(0, needed - len(samples))))
        spectrum = torch.stft(torch.from_numpy(samples), self.n_fft, self.hop, self.window,
                              torch.hann_window(self.window), center=False,
                              return_complex=True).abs() ** 2
        mel = torch.log(self.filters.T @ spectrum + 1e-6)
        return mel[None], self.labels[index]


def loader(dataset: Dataset, batch_size: int, workers: int) -> DataLoader:
    extra = {"multiprocessing_context": "spawn"} if workers else {}
    return DataLoader(dataset, batch_size=batch_size, num_workers=workers, shuffle=True,
                      **extra)
