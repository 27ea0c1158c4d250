"""Sounds read from files (WAV, FLAC, Ogg, MP3, AIFF, ... through soundfile, whose
wheels carry libsndfile) and turned into the log-mel spectrogram a network's Input [1,
n_mels, frames] takes.

By default: mixed down to mono, resampled to 16 kHz (windowed-sinc interpolation), cut
or padded with silence at the end to the duration the frames take, 25 ms Hann windows
every 10 ms, `n_mels` triangular filters on the HTK mel scale from 0 Hz to half the
rate, and log(mel power + 1e-6). Written with torch operations only (torchaudio is not
needed).

Copied as it is beside an exported train.py: it imports nothing of Netdesigner."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOUND_SUFFIXES = frozenset(
    {
        ".wav",
        ".wave",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
        ".aif",
        ".aiff",
        ".au",
        ".caf",
        ".w64",
    }
)
LOG_FLOOR = 1e-6


class SoundError(Exception):
    """A sound that cannot be read; the message says why (the caller names the file)."""


@dataclass(frozen=True)
class Spectrogram:
    """How a sound becomes [1, n_mels, frames]."""

    n_mels: int
    frames: int
    rate: int = 16_000
    window_ms: float = 25.0
    hop_ms: float = 10.0

    @property
    def window(self) -> int:
        return round(self.rate * self.window_ms / 1000)

    @property
    def hop(self) -> int:
        return round(self.rate * self.hop_ms / 1000)

    @property
    def n_fft(self) -> int:
        return 1 << max(0, math.ceil(math.log2(self.window)))

    @property
    def samples(self) -> int:
        """The samples `frames` analysis frames take (each n_fft long, the window
        centred in it): the duration every sound is cut to."""
        return self.n_fft + (self.frames - 1) * self.hop

    @property
    def seconds(self) -> float:
        return self.samples / self.rate


def hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def is_sound(path: Path) -> bool:
    try:
        return (
            path.suffix.lower() in SOUND_SUFFIXES
            and not hidden(path.name)
            and path.is_file()
        )
    except OSError:
        return False


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    # libsndfile says "Error opening '/the/whole/path': why"; the caller names the file
    text = re.sub(r"^Error opening '.*?': ", "", text.splitlines()[0])
    return text[:200]


def read_sound(path: Path, rate: int, seconds: float | None = None) -> np.ndarray:
    """The sound as mono float32 samples at `rate` (only its first `seconds` read)."""
    import soundfile

    try:
        with soundfile.SoundFile(str(path)) as sound:
            source_rate = sound.samplerate
            wanted = -1 if seconds is None else math.ceil(seconds * source_rate) + 64
            samples = sound.read(frames=wanted, dtype="float32", always_2d=True)
    except Exception as error:  # libsndfile's errors, and OSError
        raise SoundError(f"cannot be read as sound ({_reason(error)})") from None
    if not len(samples):
        raise SoundError("holds no samples")
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if not np.isfinite(mono).all():
        raise SoundError("holds samples that are not numbers (NaN or infinite)")
    return resample(mono, source_rate, rate)


def resample(
    signal: np.ndarray,
    from_rate: int,
    to_rate: int,
    zeros: int = 6,
    rolloff: float = 0.99,
) -> np.ndarray:
    """Band-limited (windowed-sinc) interpolation from one rate to another: for each of
    the `new` output phases a Hann-windowed sinc kernel `zeros` zero crossings wide,
    applied with a strided convolution."""
    import torch
    import torch.nn.functional as F

    if from_rate == to_rate:
        return signal.astype(np.float32, copy=False)
    common = math.gcd(from_rate, to_rate)
    old, new = from_rate // common, to_rate // common
    base = min(old, new) * rolloff
    width = math.ceil(zeros * old / base)
    offsets = torch.arange(-width, width + old, dtype=torch.float64)[None, None] / old
    times = (
        torch.arange(0, -new, -1, dtype=torch.float64)[:, None, None] / new + offsets
    )
    times = (times * base).clamp(-zeros, zeros)
    window = torch.cos(times * math.pi / zeros / 2) ** 2
    times = times * math.pi
    sinc = torch.where(times == 0, torch.ones_like(times), torch.sin(times) / times)
    kernels = (sinc * window * base / old).float()  # [new, 1, taps]
    wave = torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32))
    padded = F.pad(wave[None, None], (width, width + old))
    out = F.conv1d(padded, kernels, stride=old)  # [1, new, steps]
    out = out.transpose(1, 2).reshape(-1)
    return out[: math.ceil(new * len(signal) / old)].numpy()


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filters(spectrogram: Spectrogram) -> np.ndarray:
    """[n_fft // 2 + 1, n_mels] triangular filters, equally spaced on the mel scale."""
    bins = spectrogram.n_fft // 2 + 1
    frequencies = np.linspace(0.0, spectrogram.rate / 2, bins)
    points = _mel_to_hz(
        np.linspace(
            _hz_to_mel(0.0), _hz_to_mel(spectrogram.rate / 2), spectrogram.n_mels + 2
        )
    )
    widths = np.diff(points)
    slopes = points[None, :] - frequencies[:, None]
    falling = -slopes[:, :-2] / widths[:-1]
    rising = slopes[:, 2:] / widths[1:]
    return np.maximum(0.0, np.minimum(falling, rising)).astype(np.float32)


def log_mel(signal: np.ndarray, spectrogram: Spectrogram) -> np.ndarray:
    """[1, n_mels, frames] float32: the signal cut or padded with silence to the
    duration the frames take, then log(mel power + 1e-6)."""
    import torch

    needed = spectrogram.samples
    fitted = np.zeros(needed, np.float32)
    fitted[: min(needed, len(signal))] = signal[:needed]
    stft = torch.stft(
        torch.from_numpy(fitted),
        spectrogram.n_fft,
        spectrogram.hop,
        spectrogram.window,
        torch.hann_window(spectrogram.window),
        center=False,
        return_complex=True,
    )
    power = stft.abs() ** 2  # [bins, frames]
    filters = torch.from_numpy(mel_filters(spectrogram))
    mel = filters.T @ power
    return torch.log(mel + LOG_FLOOR)[None].numpy()


def read_spectrogram(path: Path, spectrogram: Spectrogram) -> tuple[np.ndarray, bool]:
    """The sound's log-mel spectrogram, and whether it was shorter than the frames take
    (padded with silence)."""
    signal = read_sound(path, spectrogram.rate, spectrogram.seconds)
    return log_mel(signal, spectrogram), len(signal) < spectrogram.samples


@dataclass(frozen=True)
class SoundFacts:
    rate: int
    channels: int
    seconds: float


def sound_facts(path: Path) -> SoundFacts:
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception as error:
        raise SoundError(f"cannot be read as sound ({_reason(error)})") from None
    return SoundFacts(info.samplerate, info.channels, info.duration)
