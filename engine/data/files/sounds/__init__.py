"""Sounds in files (class folders, split folders or a manifest CSV of .wav, .flac, .ogg,
.mp3, ...), each read as the log-mel spectrogram [1, n_mels, frames] the network's Input
takes (engine.data.standalone.sound_reading), standardised per mel band with the training
split's statistics, decoded on demand through the cache."""

from engine.data.files.sounds.loading import load_sounds

__all__ = ["load_sounds"]
