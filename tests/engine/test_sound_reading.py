"""Sounds read as the Input's log-mel spectrogram: resampling that keeps a pitch, the
window and frame arithmetic, mono mixdown, cutting and padding, mel filters, and what an
unreadable file says (engine.data.standalone.sound_reading)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.standalone.sound_reading import (
    SoundError,
    Spectrogram,
    log_mel,
    mel_filters,
    read_sound,
    read_spectrogram,
    resample,
    sound_facts,
)
from tests.engine.sound_helpers import tone, write_sound


@pytest.mark.parametrize("source", [8_000, 22_050, 44_100, 48_000])
def test_resampling_keeps_the_pitch_and_the_duration(source):
    wave = tone(1000.0, 1.0, source)
    resampled = resample(wave, source, 16_000)
    assert len(resampled) == 16_000
    spectrum = np.abs(np.fft.rfft(resampled))
    assert spectrum.argmax() == 1000  # 1 Hz bins over one second
    # the amplitude of a band-limited tone survives
    assert np.abs(resampled[1000:-1000]).max() == pytest.approx(0.3, abs=0.03)


def test_resampling_to_the_same_rate_changes_nothing():
    wave = tone(440.0)
    assert np.array_equal(resample(wave, 16_000, 16_000), wave)


def test_frames_and_windows_follow_the_spectrogram_settings():
    spectrogram = Spectrogram(n_mels=40, frames=98)
    assert (spectrogram.window, spectrogram.hop, spectrogram.n_fft) == (400, 160, 512)
    assert spectrogram.samples == 512 + 97 * 160
    values = log_mel(tone(1000.0), spectrogram)
    assert values.shape == (1, 40, 98) and values.dtype == np.float32


def test_a_tone_lights_the_mel_band_of_its_pitch_and_silence_is_the_floor():
    spectrogram = Spectrogram(n_mels=40, frames=50)
    low = log_mel(tone(300.0), spectrogram)[0].mean(1).argmax()
    high = log_mel(tone(3000.0), spectrogram)[0].mean(1).argmax()
    assert low < high
    silence = log_mel(np.zeros(100, np.float32), spectrogram)
    assert np.allclose(silence, np.log(1e-6), atol=1e-3)


def test_mel_filters_cover_every_band_and_overlap_their_neighbours():
    filters = mel_filters(Spectrogram(n_mels=20, frames=10))
    assert filters.shape == (257, 20)
    assert (filters.max(0) > 0.5).all()  # no empty band
    assert ((filters[:, :-1] > 0) & (filters[:, 1:] > 0)).any(0).all()


def test_stereo_is_mixed_down_and_only_what_is_needed_is_read(tmp_path):
    path = write_sound(tmp_path / "long.flac", tone(500.0, 5.0, 44_100), 44_100,
                       stereo=True)
    samples = read_sound(path, 16_000, seconds=1.0)
    assert 16_000 <= len(samples) < 16_200
    assert sound_facts(path).channels == 2 and sound_facts(path).seconds == pytest.approx(5.0)


def test_a_short_sound_is_padded_with_silence_and_said_to_be_short(tmp_path):
    spectrogram = Spectrogram(n_mels=20, frames=98)
    path = write_sound(tmp_path / "short.ogg", tone(800.0, 0.3))
    values, short = read_spectrogram(path, spectrogram)
    assert short and values.shape == (1, 20, 98)
    assert np.allclose(values[0, :, -20:], np.log(1e-6), atol=1e-2)
    _, long_enough = read_spectrogram(write_sound(tmp_path / "one.wav", tone(800.0, 1.1)),
                                      spectrogram)
    assert not long_enough


def test_an_unreadable_file_says_why_without_its_path(tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnothing")
    with pytest.raises(SoundError, match="cannot be read as sound") as caught:
        read_sound(broken, 16_000)
    assert str(tmp_path) not in str(caught.value)
    empty = write_sound(tmp_path / "empty.wav", np.zeros(0, np.float32))
    with pytest.raises(SoundError, match="holds no samples"):
        read_sound(empty, 16_000)
